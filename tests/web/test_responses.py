"""Every return type Flask accepts from a view, and make_response/jsonify/redirect/abort."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kettle import Kettle, Response, abort, jsonify, make_response, redirect, stream_with_context
from kettle import request as req
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def wsgi_hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("202 Accepted", [("Content-Type", "text/plain"), ("X-Wsgi", "yes")])
    return [b"from ", b"wsgi"]


VIEWS: list[tuple[str, Callable[[], Any], int, str, dict[str, str]]] = [
    ("str", lambda: "hello", 200, "hello", {"Content-Type": "text/html; charset=utf-8"}),
    ("bytes", lambda: b"raw", 200, "raw", {}),
    (
        "dict",
        lambda: {"b": 1, "a": [1, 2]},
        200,
        '{"a":[1,2],"b":1}\n',
        {"Content-Type": "application/json"},
    ),
    ("list", lambda: [1, "x"], 200, '[1,"x"]\n', {"Content-Type": "application/json"}),
    ("tuple-status", lambda: ("made", 201), 201, "made", {}),
    ("tuple-status-str", lambda: ("teapot", "418 I'm a teapot"), 418, "teapot", {}),
    ("tuple-headers", lambda: ("h", {"X-A": "1"}), 200, "h", {"X-A": "1"}),
    ("tuple-headers-list", lambda: ("h", [("X-B", "2")]), 200, "h", {"X-B": "2"}),
    ("tuple-3", lambda: ("all", 202, {"X-C": "3"}), 202, "all", {"X-C": "3"}),
    ("dict-status", lambda: ({"ok": False}, 400), 400, '{"ok":false}\n', {}),
    ("generator", lambda: (part for part in ["a", "b", "c"]), 200, "abc", {}),
    (
        "response",
        lambda: Response("obj", status=203, mimetype="text/plain"),
        203,
        "obj",
        {"Content-Type": "text/plain; charset=utf-8"},
    ),
    ("response-tuple", lambda: (Response("r"), 201, {"X-D": "4"}), 201, "r", {"X-D": "4"}),
    ("wsgi-app", lambda: wsgi_hello, 202, "from wsgi", {"X-Wsgi": "yes"}),
    ("jsonify", lambda: jsonify(a=1), 200, '{"a":1}\n', {}),
    ("jsonify-list", lambda: jsonify(1, 2), 200, "[1,2]\n", {}),
    ("redirect", lambda: redirect("/target"), 302, None, {"Location": "/target"}),
    ("redirect-301", lambda: redirect("/t", 301), 301, None, {"Location": "/t"}),
    ("make-response", lambda: make_response("m", 206, {"X-E": "5"}), 206, "m", {"X-E": "5"}),
]


@pytest.mark.parametrize(
    ("name", "view", "status", "body", "headers"), VIEWS, ids=[v[0] for v in VIEWS]
)
def test_return_types(
    make_client: MakeClient,
    app: Kettle,
    name: str,
    view: Callable[[], Any],
    status: int,
    body: str | None,
    headers: dict[str, str],
) -> None:
    app.add_url_rule("/", name, view)
    response = make_client(app).get("/")
    assert response.status_code == status
    if body is not None:
        assert response.get_data(as_text=True) == body
    for key, value in headers.items():
        assert response.headers[key] == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "did not return a valid response"),
        (("a", 200, {}, 1), "did not return a valid response tuple"),
        (3.5, "but it was a float"),
    ],
)
def test_invalid_returns_are_500_with_clear_error(app: Kettle, value: Any, message: str) -> None:
    app.add_url_rule("/", "bad", lambda: value)
    app.testing = True
    with pytest.raises(TypeError, match=message):
        app.test_client().get("/")
    app2 = Kettle(__name__)
    app2.add_url_rule("/", "bad", lambda: value)
    assert app2.test_client().get("/").status_code == 500


def test_abort_with_code_and_response(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/gone")
    def gone() -> str:
        abort(410)

    @app.route("/custom")
    def custom() -> str:
        abort(Response("nope", status=403))

    @app.route("/described")
    def described() -> str:
        abort(400, description="missing field")

    client = make_client(app)
    assert client.get("/gone").status_code == 410
    forbidden = client.get("/custom")
    assert (forbidden.status_code, forbidden.get_data(as_text=True)) == (403, "nope")
    bad = client.get("/described")
    assert bad.status_code == 400
    assert "missing field" in bad.get_data(as_text=True)


def test_streamed_generator_with_context(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/stream")
    def stream() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield "path="
            yield req.path
            yield ";arg="
            yield req.args["x"]

        return stream_with_context(generate())

    assert make_client(app).get("/stream?x=7").get_data(as_text=True) == "path=/stream;arg=7"


def test_stream_with_context_as_decorator(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/s")
    def s() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield req.method

        return generate()

    assert make_client(app).get("/s").get_data(as_text=True) == "GET"


def test_async_view_runs_to_completion(make_client: MakeClient, app: Kettle) -> None:
    import asyncio

    @app.route("/async/<int:n>")
    async def slow(n: int) -> str:
        await asyncio.sleep(0.01)
        return f"{req.path} {n * 2}"

    assert make_client(app).get("/async/21").get_data(as_text=True) == "/async/21 42"


def test_json_provider_is_replaceable(make_client: MakeClient, app: Kettle) -> None:
    from kettle.web.json import DefaultJSONProvider

    class Loud(DefaultJSONProvider):
        sort_keys = False

    app.json = Loud(app)
    app.add_url_rule("/", "j", lambda: {"z": 1, "a": 2})
    assert make_client(app).get("/").get_data(as_text=True) == '{"z":1,"a":2}\n'


def test_json_debug_is_indented(app: Kettle) -> None:
    app.debug = True
    app.add_url_rule("/", "j", lambda: {"a": 1})
    assert app.test_client().get("/").get_data(as_text=True) == '{\n  "a": 1\n}\n'


def test_json_special_types(app: Kettle) -> None:
    import dataclasses
    import datetime
    import decimal
    import uuid

    @dataclasses.dataclass
    class Point:
        x: int

    value = {
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "d": decimal.Decimal("1.50"),
        "u": uuid.UUID(int=1),
        "p": Point(3),
    }
    app.add_url_rule("/", "j", lambda: value)
    assert app.test_client().get("/").get_json() == {
        "when": "Tue, 02 Jan 2024 03:04:05 GMT",
        "d": "1.50",
        "u": "00000000-0000-0000-0000-000000000001",
        "p": {"x": 3},
    }


# -- the common constructor's cached header pairs ------------------------------------------

CONSTRUCTED: dict[str, Callable[[type], Any]] = {
    "str": lambda cls: cls("héllo"),
    "str-mimetype": lambda cls: cls("Hello, World!", mimetype="text/plain"),
    "bytes-json": lambda cls: cls(b'{"a":1}\n', mimetype="application/json"),
    "xml": lambda cls: cls("<a/>", mimetype="image/svg+xml"),
    "empty-str": lambda cls: cls(""),
    "long": lambda cls: cls("x" * 70_000),
    "status": lambda cls: cls("gone", 410, mimetype="text/plain"),
}


@pytest.mark.parametrize("build", CONSTRUCTED.values(), ids=CONSTRUCTED.keys())
def test_the_common_constructor_writes_flasks_headers(build: Callable[[type], Any]) -> None:
    import flask

    ours, theirs = build(Response), build(flask.Response)
    assert (ours.status, list(ours.headers), ours.get_data()) == (
        theirs.status,
        list(theirs.headers),
        theirs.get_data(),
    )


def test_lengths_past_the_cache_are_still_exact() -> None:
    # The Content-Length pairs are cached for the first 1,024 lengths seen; the rest are
    # written each time.
    for length in range(1_100):
        assert Response(b"x" * length).headers["Content-Length"] == str(length)


def test_a_charset_other_than_utf8_encodes_and_labels_the_body() -> None:
    class Latin(Response):
        charset = "latin-1"

    response = Latin("é", mimetype="text/plain")
    assert list(response.headers) == [
        ("Content-Type", "text/plain; charset=latin-1"),
        ("Content-Length", "1"),
    ]
    assert response.get_data() == b"\xe9"
    # The utf-8 pair of the same mimetype is not confused with it.
    assert Response("é", mimetype="text/plain").headers["Content-Type"] == (
        "text/plain; charset=utf-8"
    )
