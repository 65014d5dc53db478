"""kettle.templates.sandbox: Jinja2's safety rules. Every expectation (output or error
message) was produced by jinja2 3.1.6's sandbox from the same template."""

from __future__ import annotations

import operator
import re
from collections import deque
from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates.exceptions import SecurityError
from kettle.templates.sandbox import (
    MAX_RANGE,
    ImmutableSandboxedEnvironment,
    SandboxedEnvironment,
    is_internal_attribute,
    modifies_known_mutable,
    safe_range,
    unsafe,
)


class User:
    name = "u"
    _secret = "s"

    @unsafe
    def delete(self) -> str:
        return "deleted"

    def hello(self) -> str:
        return "hi"

    def save(self) -> str:
        return "saved"

    save.alters_data = True  # type: ignore[attr-defined]


def gen() -> Any:
    yield 1


RENDERS = [
    ("private", "[{{ u._secret }}]", "[]"),
    ("dunder", "[{{ u.__class__ }}]", "[]"),
    ("safe", "{{ u.hello() }}{{ u.name }}", "hiu"),
    ("range-ok", "{{ range(3)|list }}", "[0, 1, 2]"),
    ("format-blocked", "{{ '{0.__class__}'.format(42) }}", ""),
    ("format-ok", "{{ '{0}-{x}'.format(1, x=2) }}", "1-2"),
    ("format-map", "{{ '{a}'.format_map({'a': 3}) }}", "3"),
    ("format-map-blocked", "{{ '{a.__class__}'.format_map({'a': 3}) }}", ""),
    ("markup-format", "{{ m.format('<x>') }}", "<b>&lt;x&gt;</b>"),
    ("mutable", "{% set l = [1] %}{{ l.append(2) }}{{ l }}", "None[1, 2]"),
    ("func-globals", "[{{ f.__globals__ }}]", "[]"),
    ("gi_frame", "[{{ g.gi_frame }}]", "[]"),
    ("item-dunder", "[{{ u['__class__'] }}]", "[]"),
]


@pytest.mark.parametrize(
    ("source", "expected"), [r[1:] for r in RENDERS], ids=[r[0] for r in RENDERS]
)
def test_sandbox_renders(source: str, expected: str) -> None:
    context = {"u": User(), "m": Markup("<b>{}</b>"), "f": gen, "g": gen()}
    assert SandboxedEnvironment().from_string(source).render(**context) == expected


ERRORS = [
    (
        "dunder-call",
        SandboxedEnvironment,
        "{{ u.__class__() }}",
        SecurityError,
        "access to attribute '__class__' of 'User' object is unsafe.",
    ),
    (
        "unsafe",
        SandboxedEnvironment,
        "{{ u.delete() }}",
        SecurityError,
        "<bound method User.delete of <.*> is not safely callable",
    ),
    (
        "alters-data",
        SandboxedEnvironment,
        "{{ u.save() }}",
        SecurityError,
        "<bound method User.save of <.*> is not safely callable",
    ),
    (
        "range",
        SandboxedEnvironment,
        "{{ range(100001)|length }}",
        OverflowError,
        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
    ),
    (
        "mro",
        SandboxedEnvironment,
        "{{ t.mro() }}",
        SecurityError,
        "access to attribute 'mro' of 'type' object is unsafe.",
    ),
    (
        "immutable-list",
        ImmutableSandboxedEnvironment,
        "{% set l = [1] %}{{ l.append(2) }}",
        SecurityError,
        "access to attribute 'append' of 'list' object is unsafe.",
    ),
    (
        "immutable-dict",
        ImmutableSandboxedEnvironment,
        "{{ d.update({'a': 1}) }}",
        SecurityError,
        "access to attribute 'update' of 'dict' object is unsafe.",
    ),
]


@pytest.mark.parametrize(
    ("env_class", "source", "error", "message"),
    [e[1:] for e in ERRORS],
    ids=[e[0] for e in ERRORS],
)
def test_sandbox_refuses(
    env_class: type[SandboxedEnvironment],
    source: str,
    error: type[Exception],
    message: str,
) -> None:
    context = {"u": User(), "t": int, "d": {}}
    pattern = message if message.startswith("<bound") else re.escape(message)
    with pytest.raises(error, match=f"^{pattern}$"):
        env_class().from_string(source).render(**context)


def test_immutable_sandbox_still_reads() -> None:
    env = ImmutableSandboxedEnvironment()
    assert env.from_string("{{ d.items()|list }}").render(d={"a": 1}) == "[('a', 1)]"


def test_helpers() -> None:
    assert MAX_RANGE == 100000
    assert list(safe_range(2, 8, 3)) == [2, 5]
    assert is_internal_attribute(gen, "__code__") is True
    assert is_internal_attribute(gen(), "gi_frame") is True
    assert is_internal_attribute(int, "mro") is True
    assert is_internal_attribute(User(), "name") is False
    assert modifies_known_mutable([], "append") is True
    assert modifies_known_mutable({}, "setdefault") is True
    assert modifies_known_mutable(set(), "add") is True
    # deque registers as a MutableSequence, whose list is checked first (as in jinja2)
    assert modifies_known_mutable(deque(), "rotate") is False
    assert modifies_known_mutable(deque(), "append") is True
    assert modifies_known_mutable([], "index") is False
    assert modifies_known_mutable("abc", "upper") is False


def test_intercepted_operators() -> None:
    class LimitedPower(SandboxedEnvironment):
        intercepted_binops = frozenset(["**"])
        intercepted_unops = frozenset(["-"])

        def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
            if operator_name == "**" and right > 10:
                raise SecurityError("exponent too large")
            return super().call_binop(context, operator_name, left, right)

        def call_unop(self, context: Any, operator_name: str, arg: Any) -> Any:
            return f"neg({arg})"

    env = LimitedPower()
    assert env.from_string("{{ 2 ** x }}|{{ -x }}").render(x=3) == "8|neg(3)"
    with pytest.raises(SecurityError, match="exponent too large"):
        env.from_string("{{ 2 ** x }}").render(x=11)
    assert env.binop_table["//"] is operator.floordiv


def _sample_objects() -> list[Any]:
    async def coroutine_function() -> None:
        return None

    async def async_generator() -> Any:
        yield 1

    def function() -> None:
        return None

    coroutine = coroutine_function()
    coroutine.close()  # never awaited: close it so no warning is raised
    frame = __import__("sys")._getframe()
    return [
        function,
        User().hello,
        User,
        int,
        gen(),
        coroutine,
        async_generator(),
        function.__code__,
        frame,
        [1],
        {"a": 1},
        {1},
        deque([1]),
        "text",
        Markup("<b>"),
        42,
        User(),
    ]


ATTRIBUTES = [
    "__class__",
    "__globals__",
    "__code__",
    "__self__",
    "__func__",
    "_secret",
    "mro",
    "gi_frame",
    "gi_code",
    "cr_frame",
    "cr_code",
    "ag_frame",
    "ag_code",
    "f_locals",
    "co_code",
    "append",
    "pop",
    "update",
    "add",
    "rotate",
    "appendleft",
    "clear",
    "items",
    "format",
    "upper",
    "name",
    "hello",
    "real",
    "tb_frame",
    "func_globals",
]


def test_attribute_rules_match_jinja2() -> None:
    import jinja2.sandbox as reference

    objects = _sample_objects()
    env, ref_env = ImmutableSandboxedEnvironment(), reference.ImmutableSandboxedEnvironment()
    for obj in objects:
        for attr in ATTRIBUTES:
            where = f"{type(obj).__name__}.{attr}"
            expected = reference.is_internal_attribute(obj, attr)
            assert is_internal_attribute(obj, attr) is expected, where
            expected = reference.modifies_known_mutable(obj, attr)
            assert modifies_known_mutable(obj, attr) is expected, where
            value = getattr(obj, attr, None)
            expected = ref_env.is_safe_attribute(obj, attr, value)
            assert env.is_safe_attribute(obj, attr, value) is expected, where
    objects[4].close()


class Account:
    name = "u"
    _private = 1

    def hello(self) -> str:
        return "hi"


SANDBOX_OBJECTS: dict[str, Any] = {
    "f": lambda: 1,
    "u": Account(),
    "t": int,
    "l": [1, 2],
    "d": {"a": 1},
    "s": "a{0}b",
    "m": Markup("<{0}>"),
}
SANDBOX_ATTRIBUTES = [
    "__class__",
    "__globals__",
    "_private",
    "mro",
    "append",
    "update",
    "items",
    "format",
    "format_map",
    "upper",
    "name",
    "hello",
    "__init__",
    "real",
    "__subclasses__",
    "__mro__",
]
SANDBOX_EXTRA = [
    "{{ s.format(u) }}",
    "{{ '{0.__class__}'.format(u) }}",
    "{{ '{0._private}'.format(u) }}",
    "{{ '{0[a]}'.format(d) }}",
    "{{ m.format('<x>') }}",
    "{{ s.format_map(d) }}",
    "{{ '{a.__class__.__mro__}'.format_map({'a': u}) }}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__ }}",
]


def _sandbox_outcome(env: Any, source: str) -> str:
    try:
        outcome = repr(env.from_string(source).render(**SANDBOX_OBJECTS))
    except Exception as error:
        outcome = f"{type(error).__name__}: {error}"
    return re.sub(r" at 0x[0-9a-f]+", "", outcome)  # object addresses differ per process


@pytest.mark.parametrize("immutable", [False, True], ids=["sandbox", "immutable"])
def test_sandbox_matches_jinja2_on_attribute_matrix(immutable: bool) -> None:
    import jinja2.sandbox as reference

    sources = list(SANDBOX_EXTRA)
    for obj in SANDBOX_OBJECTS:
        for attr in SANDBOX_ATTRIBUTES:
            sources += [
                f"{{{{ {obj}.{attr} }}}}",
                f"{{{{ {obj}['{attr}'] }}}}",
                f"{{{{ {obj}.{attr}() }}}}",
                f"{{{{ {obj}|attr('{attr}') }}}}",
                f"{{{{ {obj}.{attr}.__class__ }}}}",
            ]
    ours = ImmutableSandboxedEnvironment() if immutable else SandboxedEnvironment()
    theirs = (
        reference.ImmutableSandboxedEnvironment()
        if immutable
        else reference.SandboxedEnvironment()
    )
    # Kettle's runtime errors end with their location (docs/templates.md); every string
    # here is a one-line template, so exactly that suffix is expected and then removed.
    location = re.compile(r"^((?:Undefined|TypeError|ValueError).*) \(<template>, line 1\)$")
    differences = [
        (
            source,
            location.sub(r"\1", _sandbox_outcome(ours, source)),
            _sandbox_outcome(theirs, source),
        )
        for source in sources
    ]
    assert [d for d in differences if d[1] != d[2]] == []
    assert len(differences) == 569
