"""jsonify's compact encoding (a shared C encoder without circular-reference markers)
writes what Flask writes, and fails as ``json.dumps`` fails."""

from __future__ import annotations

import datetime
import decimal
import json
import threading
import uuid
from typing import Any

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from kettle import Kettle, jsonify

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _both(obj: Any, **settings_: Any) -> tuple[bytes, bytes]:
    ours = Kettle(__name__)
    theirs = flask.Flask(__name__)
    for name, value in settings_.items():
        setattr(ours.json, name, value)
        setattr(theirs.json, name, value)
    with ours.app_context():
        mine = jsonify(obj).get_data()
    with theirs.app_context():
        expected = flask.jsonify(obj).get_data()
    return mine, expected


@settings(max_examples=200, deadline=None)
@given(values, st.booleans(), st.booleans())
def test_compact_json_matches_flask(obj: Any, ensure_ascii: bool, sort_keys: bool) -> None:
    mine, expected = _both(obj, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    assert mine == expected


def test_default_types_match_flask() -> None:
    obj = {
        "when": datetime.datetime(2026, 11, 24, 21, 0, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 1, 2),
        "price": decimal.Decimal("1.50"),
        "id": uuid.UUID(int=7),
        "html": Markup("<b>x</b>"),
    }
    mine, expected = _both(obj)
    assert mine == expected


def test_errors_leave_the_encoder_usable() -> None:
    app = Kettle(__name__)
    loop: list[Any] = []
    loop.append(loop)
    with app.app_context():
        with pytest.raises(ValueError, match="Circular reference detected"):
            jsonify({"a": [loop]})
        with pytest.raises(TypeError, match="is not JSON serializable"):
            jsonify({"a": [{"b": object()}]})
        # The same containers' ids may come back: stale markers would call them circular.
        shared = [1, 2]
        assert jsonify({"x": shared, "y": shared}).get_data() == b'{"x":[1,2],"y":[1,2]}\n'


def _nested(depth: int) -> list[Any]:
    outer: list[Any] = []
    inner = outer
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return outer


def _cycle_in_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {"b": 1}
    loop["a"] = [loop]
    return loop


def _cycle_through_default() -> Any:
    class Node:
        def __html__(self) -> str:  # never reached: the default below returns the node
            return ""

    node = Node()
    return {"n": [node]}, node


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (_cycle_in_dict, ValueError, "Circular reference detected"),
        (lambda: _nested(5000), RecursionError, "while encoding a JSON object"),
    ],
    ids=["cycle", "too-deep"],
)
def test_failures_are_json_dumps_failures(make: Any, error: type, message: str) -> None:
    app = Kettle(__name__)
    value = make()
    with pytest.raises(error, match=message) as expected:
        json.dumps(value, separators=(",", ":"), sort_keys=True)
    with app.app_context():
        with pytest.raises(error, match=message) as raised:
            jsonify(value)
        # The retry with markers runs outside the first failure's handler.
        assert raised.value.__context__ is None
        assert jsonify({"after": [1]}).get_data() == b'{"after":[1]}\n'
    assert str(raised.value) == str(expected.value)


def test_a_raised_recursion_limit_takes_the_checked_encoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kettle.web import json as kettle_json

    app = Kettle(__name__)
    calls: list[int] = []

    def limit() -> int:
        calls.append(1)
        return 50_000  # a cycle must not recurse this deep in C: the check stops it

    monkeypatch.setattr(kettle_json, "_getrecursionlimit", limit)
    with app.app_context():
        with pytest.raises(ValueError, match="Circular reference detected"):
            jsonify(_cycle_in_dict())
        assert jsonify([{"b": 1, "a": "\u00e9"}]).get_data() == b'[{"a":"\\u00e9","b":1}]\n'
    assert len(calls) == 2


def test_a_cycle_through_default_is_circular() -> None:
    from kettle.web.json import DefaultJSONProvider

    value, node = _cycle_through_default()

    class Looping(DefaultJSONProvider):
        def default(self, o: Any) -> Any:  # type: ignore[override]  # a method, as Flask's docs show
            return [o] if o is node else super().default(o)

    app = Kettle(__name__)
    app.json = Looping(app)
    with app.app_context(), pytest.raises(ValueError, match="Circular reference detected"):
        jsonify(value)


def test_threads_encode_independently() -> None:
    app = Kettle(__name__)
    payload = {"items": [{"n": n, "s": "é" * n} for n in range(50)]}
    with app.app_context():
        expected = jsonify(payload).get_data()
    results: list[bytes] = []

    def work() -> None:
        with app.app_context():
            for _ in range(200):
                results.append(jsonify(payload).get_data())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 800
    assert set(results) == {expected}


CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "one-value": (([1, "a"],), {}),
    "keywords": ((), {"message": "Hello, World!", "n": 2}),
    "several-values": ((1, 2), {}),
    "nothing": ((), {}),
}


@pytest.mark.parametrize("debug", [False, True], ids=["compact", "debug"])
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_jsonify_arguments_match_flask(call: tuple[Any, Any], debug: bool) -> None:
    args, kwargs = call
    ours, theirs = Kettle(__name__), flask.Flask(__name__)
    ours.debug = theirs.debug = debug
    with ours.app_context():
        mine = jsonify(*args, **kwargs)
    with theirs.app_context():
        expected = flask.jsonify(*args, **kwargs)
    assert (mine.get_data(), mine.mimetype) == (expected.get_data(), expected.mimetype)


def test_a_providers_own_prepare_response_obj_is_called() -> None:
    from kettle.web.json import DefaultJSONProvider

    class Wrapped(DefaultJSONProvider):
        def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return {"data": super()._prepare_response_obj(args, kwargs)}

    app = Kettle(__name__)
    app.json = Wrapped(app)
    with app.app_context():
        assert jsonify(3).get_data() == b'{"data":3}\n'
        assert jsonify(a=1).get_data() == b'{"data":{"a":1}}\n'


@pytest.mark.parametrize("debug", [False, True], ids=["compact", "debug"])
def test_a_providers_own_dumps_writes_the_response(debug: bool) -> None:
    # Flask's response() calls self.dumps (indent=2 in debug, compact separators
    # otherwise): a provider that only replaces dumps (orjson, say) changes jsonify too.
    from flask.json.provider import DefaultJSONProvider as FlaskProvider

    from kettle.web.json import DefaultJSONProvider

    def marked(base: type) -> type:
        class Marked(base):  # type: ignore[valid-type,misc]
            def dumps(self, obj: Any, **kwargs: Any) -> str:
                return "/*" + ",".join(sorted(kwargs)) + "*/" + super().dumps(obj, **kwargs)

        return Marked

    ours, theirs = Kettle(__name__), flask.Flask(__name__)
    ours.debug = theirs.debug = debug
    ours.json = marked(DefaultJSONProvider)(ours)
    theirs.json = marked(FlaskProvider)(theirs)
    with ours.app_context():
        mine = jsonify(message="hi", n=[1]).get_data()
    with theirs.app_context():
        expected = flask.jsonify(message="hi", n=[1]).get_data()
    assert mine == expected
    assert mine.startswith(b"/*indent*/" if debug else b"/*separators*/")
