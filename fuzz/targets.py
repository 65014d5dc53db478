"""The fuzz targets: each takes one input, runs it through a Kettle parser, and raises
``AssertionError`` (or lets an unexpected exception through) when the outcome is not one of
the allowed ones. Used by the hypothesis tests in tests/reliability/test_fuzz.py, by
``make fuzz`` (fuzz/run.py, many more examples) and by the atheris harness
(fuzz/atheris_fuzz.py).

Allowed outcomes, per target:
- HTTP requests (sans-IO ``RequestReader``): well-formed events in order, at most one
  ``ProtocolError`` (4xx/5xx, always last), the same events for every chunking of a
  stream that parses cleanly, and no more body bytes than were fed.
- Templates: the sandboxed environment compiles or raises ``TemplateSyntaxError``, renders
  or raises a ``TemplateError``; and it agrees with Jinja2 (same outcome class, same output).
- Request headers (cookies, Accept-*, Range, conditionals, Authorization, ...): an app that
  reads every parsed header answers 200, and ``send_from_directory`` 200/206/304/412/416
  with the exact byte range, or 400; never 500.
- Forms and cookies: a Kettle app answers 200 (fields echoed) or 400/413, never 500;
  ``parse_cookie`` never raises and ``dump_cookie``/``parse_cookie`` round-trip values.
- WebSocket: the handshake answers 101 bytes or a ``HandshakeError`` with a 4xx status;
  frames split anywhere give the same messages, and bad frames close with an RFC 6455 code.
"""

from __future__ import annotations

import io
import json
import re
import socket
from typing import Any

import jinja2
import jinja2.sandbox

from kettle.http.cookies import dump_cookie, parse_cookie
from kettle.realtime.websocket import HandshakeError, WebSocket, check_handshake
from kettle.server.protocol import (
    END_OF_MESSAGE,
    Data,
    Limits,
    ProtocolError,
    Request,
    RequestReader,
)
from kettle.templates.exceptions import TemplateError, TemplateSyntaxError
from kettle.templates.sandbox import SandboxedEnvironment
from kettle.web.app import Kettle
from kettle.web.globals import request

from .grammar import cuts_of

LIMITS = Limits(max_request_line=200, max_header_bytes=400, max_headers=12, max_body_size=64)
PROTOCOL_STATUSES = {400, 413, 414, 431, 501, 505}


# -- (a) the server's sans-IO request handling ------------------------------------------


def _events(chunks: list[bytes]) -> tuple[list[Any], RequestReader]:
    reader = RequestReader(LIMITS)
    events: list[Any] = []
    for chunk in [*chunks, b""]:  # b"" is the peer's EOF
        reader.feed(chunk)
        while (event := reader.next_event()) is not None:
            events.append(event)
    return events, reader


def _merge_data(events: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for event in events:
        if isinstance(event, Data) and merged and isinstance(merged[-1], Data):
            merged[-1] = Data(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


def check_request_stream(data: bytes, cut_points: list[int]) -> None:
    chunks = cuts_of(data, cut_points)
    events, reader = _events(chunks)
    errors = [e for e in events if isinstance(e, ProtocolError)]
    assert len(errors) <= 1, events
    if errors:
        assert events[-1] is errors[0] and reader.failed
        assert errors[0].status in PROTOCOL_STATUSES, errors[0]
        assert errors[0].detail and "\n" not in errors[0].detail
    in_request = False
    body = 0
    for event in events:
        if isinstance(event, Request):
            assert not in_request, events
            assert event.method and event.http_version in ("1.0", "1.1")
            in_request = True
        elif event is END_OF_MESSAGE:
            assert in_request, events
            in_request = False
        elif isinstance(event, Data):
            assert in_request and event.data, events
            body += len(event.data)
        else:
            assert isinstance(event, ProtocolError), event
    assert body <= len(data)
    assert len(reader.leftover) <= len(data)
    whole, _ = _events([data])
    if not errors and not any(isinstance(e, ProtocolError) for e in whole):
        # A stream that parses cleanly gives the same events however it is split.
        assert _merge_data(whole) == _merge_data(events), (whole, events)


# -- (b) the template lexer, parser and compiler ----------------------------------------

_KETTLE = SandboxedEnvironment()
_JINJA = jinja2.sandbox.SandboxedEnvironment()
CONTEXT = {"x": {"y": 1, "k": "v"}, "items": [3, 1, 2], "y": "s<>&"}


def _template_outcome(source: str) -> tuple[str, str]:
    try:
        template = _KETTLE.from_string(source)
    except TemplateSyntaxError:
        return ("syntax", "")
    try:
        return ("ok", template.render(**CONTEXT))
    except TemplateError as exc:
        return ("runtime", type(exc).__name__)
    except (TypeError, ValueError, ArithmeticError, LookupError, RecursionError) as exc:
        # Errors of the template's own arithmetic/calls, as Python (and Jinja2) raise them.
        return ("runtime", type(exc).__name__)


def _jinja_outcome(source: str) -> tuple[str, str]:
    try:
        template = _JINJA.from_string(source)
    except jinja2.TemplateSyntaxError:
        return ("syntax", "")
    try:
        return ("ok", template.render(**CONTEXT))
    except jinja2.TemplateError as exc:
        return ("runtime", type(exc).__name__)
    except Exception as exc:
        return ("runtime", type(exc).__name__)


# An object without its own ``__str__`` renders as its repr, which names its address
# (``<generator object sync_do_map at 0x7f...>``): Kettle's object and Jinja2's are two
# objects, at two addresses, however alike they render.
_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _without_addresses(outcome: tuple[str, str]) -> tuple[str, str]:
    return (outcome[0], _ADDRESS.sub(" at 0x?>", outcome[1]))


def check_template(source: str, compare: bool = True) -> None:
    outcome = _template_outcome(source)  # anything else propagates: a bug
    if compare:
        expected = _jinja_outcome(source)
        assert _without_addresses(outcome) == _without_addresses(expected), (
            source,
            outcome,
            expected,
        )


# -- (c) forms through an app, and cookies ----------------------------------------------


def _form_app() -> Kettle:
    app = Kettle("fuzzforms")
    app.config.update(MAX_CONTENT_LENGTH=4096, MAX_FORM_MEMORY_SIZE=512, MAX_FORM_PARTS=20)

    @app.post("/")
    def echo() -> str:
        fields = sorted((k, v) for k, v in request.form.items(multi=True))
        files = sorted((k, f.filename or "", len(f.read())) for k, f in request.files.items())
        return json.dumps([fields, files])

    return app


_FORMS: list[Kettle] = []


def check_form(body: bytes, content_type: str) -> None:
    if not _FORMS:
        _FORMS.append(_form_app())
    client = _FORMS[0].test_client()
    response = client.post("/", data=io.BytesIO(body), content_type=content_type)
    assert response.status_code in (200, 400, 413), (response.status_code, body, content_type)
    if response.status_code == 200:
        fields, files = json.loads(response.get_data(as_text=True))
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields)
        assert sum(size for _, _, size in files) <= len(body)


def check_cookie_header(header: str) -> None:
    parsed = parse_cookie(header)
    for key, value in parsed.items(multi=True):
        assert isinstance(key, str) and isinstance(value, str)
        assert key and ";" not in key


def check_cookie_round_trip(name: str, value: str) -> None:
    header = dump_cookie(name, value)
    pair = header.split(";", 1)[0]
    assert "\r" not in header and "\n" not in header
    assert parse_cookie(pair).get(name) == value, (name, value, header)


# -- request headers through an app -------------------------------------------------------

HEADER_NAMES = [
    "Cookie", "Accept", "Accept-Language", "Accept-Charset", "Accept-Encoding", "Range",
    "If-Range", "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since",
    "Authorization", "Cache-Control", "Pragma", "User-Agent", "X-Forwarded-For",
    "Content-Type", "Referer", "Origin",
]  # fmt: skip


def _header_app(root: str) -> Kettle:
    from kettle.web.files import send_from_directory

    app = Kettle("fuzzheaders", root_path=root)

    @app.get("/inspect")
    def inspect() -> str:
        parts = [
            sorted(request.cookies.items(multi=True)),
            request.accept_mimetypes.best_match(["text/html", "application/json"]),
            request.accept_languages.best,
            request.accept_charsets.best,
            request.accept_encodings.best,
            request.range and request.range.to_header(),
            request.if_none_match.to_header(),
            request.if_match.to_header(),
            str(request.if_modified_since),
            str(request.if_unmodified_since),
            request.authorization and request.authorization.type,
            request.cache_control.to_header(),
            request.pragma.to_header(),
            request.user_agent.string,
            request.access_route,
            request.mimetype,
            request.mimetype_params,
            # (IfRange.to_header() raises on a tag holding a quote, as in Werkzeug.)
            (request.if_range.etag, str(request.if_range.date)),
            request.referrer,
            request.origin,
        ]
        return repr(parts)

    @app.get("/file")
    def file() -> Any:
        return send_from_directory(root, "data.txt")

    return app


_HEADERS: list[Kettle] = []


def check_request_headers(headers: dict[str, str]) -> None:
    if not _HEADERS:
        import tempfile
        from pathlib import Path

        root = tempfile.mkdtemp(prefix="kettle-fuzz-")
        (Path(root) / "data.txt").write_bytes(b"0123456789" * 10)
        _HEADERS.append(_header_app(root))
    client = _HEADERS[0].test_client()
    for path, allowed in (("/inspect", {200}), ("/file", {200, 206, 304, 412, 416})):
        response = client.get(path, headers=headers)
        assert response.status_code in allowed | {400}, (path, response.status_code, headers)
        if path == "/file" and response.status_code == 206:
            start, end, size = _content_range(response.headers["Content-Range"])
            assert response.get_data() == (b"0123456789" * 10)[start : end + 1] and size == 100


def _content_range(value: str) -> tuple[int, int, int]:
    unit, _, spec = value.partition(" ")
    span, _, size = spec.partition("/")
    start, _, end = span.partition("-")
    assert unit == "bytes", value
    return int(start), int(end), int(size)


# -- (d) the WebSocket handshake and frames -----------------------------------------------


def check_handshake_headers(headers: dict[str, str], method: str = "GET") -> None:
    environ = {"REQUEST_METHOD": method, "SERVER_PROTOCOL": "HTTP/1.1"}
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    try:
        response, _chosen = check_handshake(environ, ("chat",), ["http://ok.example"])
    except HandshakeError as exc:
        assert exc.status in (400, 403, 405, 426), exc.status
        return
    assert response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert response.endswith(b"\r\n\r\n") and response.count(b"\r\n\r\n") == 1


def run_frames(chunks: list[bytes], max_message_size: int = 1024) -> tuple[list[Any], int | None]:
    """Feed client bytes to a WebSocket (no reactor): ``(messages, close code)``."""
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    try:
        ws = WebSocket(ours, owned=True, max_message_size=max_message_size, ping_interval=None)
        for chunk in chunks:
            if ws.closed:
                break
            if chunk:  # an empty read would mean EOF; the fuzzed peer stays connected
                ws.on_data(chunk)
        messages = list(ws._inbox)
        code = ws.close_code
        ws.abort()
        return messages, code
    finally:
        peer.close()


def check_frames(data: bytes, cut_points: list[int], expected: list[Any] | None = None) -> None:
    messages, code = run_frames(cuts_of(data, cut_points))
    assert all(isinstance(m, str | bytes) for m in messages)
    assert (
        code is None
        # 1005: the peer's close frame had no code (answered with an empty close frame).
        or code in (1000, 1001, 1002, 1003, 1005, 1007, 1008, 1009, 1011)
        or (3000 <= code <= 4999)
    ), code
    whole, whole_code = run_frames([data])
    assert (messages, code) == (whole, whole_code), (messages, code, whole, whole_code)
    if expected is not None:
        assert messages == expected and code is None
