"""kettle.templates.undefined: jinja2 3.1 semantics, messages checked against jinja2."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from kettle.templates.exceptions import UndefinedError
from kettle.templates.undefined import (
    ChainableUndefined,
    DebugUndefined,
    StrictUndefined,
    Undefined,
    make_logging_undefined,
)
from kettle.templates.utils import is_undefined


def test_default_undefined() -> None:
    value = Undefined(name="foo")
    assert (str(value), len(value), list(value), bool(value)) == ("", 0, [], False)
    assert repr(value) == "Undefined"
    assert value == Undefined() and value != ChainableUndefined()
    assert is_undefined(value) and is_undefined(StrictUndefined())
    with pytest.raises(UndefinedError, match=r"^'foo' is undefined$"):
        value + 1
    with pytest.raises(UndefinedError, match=r"^'foo' is undefined$"):
        value.attr  # noqa: B018
    with pytest.raises(AttributeError):
        value.__missing_dunder__  # noqa: B018
    assert copy.copy(value) is not value
    assert pickle.loads(pickle.dumps(value)) == value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"obj": 42, "name": "x"}, "'int object' has no attribute 'x'"),
        ({"obj": [], "name": 3}, "list object has no element 3"),
        ({"hint": "custom"}, "custom"),
    ],
    ids=["attribute", "element", "hint"],
)
def test_messages(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UndefinedError) as info:
        Undefined(**kwargs)()  # type: ignore[arg-type]
    assert str(info.value) == message


def test_chainable_and_debug() -> None:
    chain = ChainableUndefined(name="a")
    assert str(chain.b["c"].d) == ""
    assert chain.__html__() == ""
    with pytest.raises(UndefinedError, match="'a' is undefined"):
        chain + 1
    assert str(DebugUndefined(name="foo")) == "{{ foo }}"
    assert str(DebugUndefined(obj=42, name="x")) == "{{ no such element: int object['x'] }}"
    assert str(DebugUndefined(hint="h")) == "{{ undefined value printed: h }}"


def test_strict_undefined_raises_on_everything() -> None:
    value = StrictUndefined(name="s")
    for op in (str, bool, len, list, hash, lambda v: v == 1, lambda v: 1 in v):
        with pytest.raises(UndefinedError, match="'s' is undefined"):
            op(value)


def test_logging_undefined(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("kettle-test-undefined")
    cls = make_logging_undefined(logger)
    value = cls(name="v")
    with caplog.at_level(logging.WARNING, logger="kettle-test-undefined"):
        assert str(value) == ""
        assert bool(value) is False
        with pytest.raises(UndefinedError):
            value + 1  # operators bind the base method: no log, as in jinja2
        with pytest.raises(UndefinedError):
            value.attr  # noqa: B018
    assert [r.getMessage() for r in caplog.records] == [
        "Template variable warning: 'v' is undefined",
        "Template variable warning: 'v' is undefined",
        "Template variable error: 'v' is undefined",
    ]
