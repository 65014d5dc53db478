"""The short fuzz run inside ``make test``: the targets of fuzz/targets.py under hypothesis,
a few hundred examples each (``make fuzz`` runs the same targets much longer, and atheris
drives them from coverage feedback when installed).

Each target asserts exact invariants (see fuzz/targets.py); an unexpected exception, a
hang (pytest-timeout) or an invariant violation fails the test.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuzz import targets
from fuzz.grammar import content_type, form_body, request_stream, template_source
from fuzz.strategies import (
    cut_points,
    handshake_headers,
    mutated,
    request_headers,
    websocket_stream,
)
from kettle.server import Server

from .clients import recv_until_closed

SHORT = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SHORT
@given(request_stream, cut_points)
def test_request_streams(data: bytes, cuts: list[int]) -> None:
    targets.check_request_stream(data, cuts)


@SHORT
@given(st.binary(max_size=300), cut_points)
def test_request_random_bytes(data: bytes, cuts: list[int]) -> None:
    targets.check_request_stream(data, cuts)


@SHORT
@given(template_source)
@example("{{x|map('upper')}}")  # renders a generator's repr, address and all, as Jinja2 does
def test_template_sources_match_jinja2(source: str) -> None:
    targets.check_template(source)


def test_the_template_comparison_leaves_out_only_a_repr_address() -> None:
    assert targets._without_addresses(("ok", "<generator object f at 0x7f3a9c>!")) == (
        "ok",
        "<generator object f at 0x?>!",
    )
    # Not a repr's address: kept as rendered, so such output is still compared.
    assert targets._without_addresses(("ok", "0x7f3a9c> at 0x1f")) == ("ok", "0x7f3a9c> at 0x1f")


@SHORT
@given(st.text(max_size=60))
def test_template_random_text(source: str) -> None:
    targets.check_template(source)


@settings(max_examples=200, deadline=None)
@given(form_body, content_type)
def test_form_bodies(body: bytes, ctype: str) -> None:
    targets.check_form(body, ctype)


@settings(max_examples=300, deadline=None)
@given(request_headers)
def test_request_headers_through_an_app(headers: dict[str, str]) -> None:
    targets.check_request_headers(headers)


@SHORT
@given(st.text(max_size=80))
def test_cookie_headers(header: str) -> None:
    targets.check_cookie_header(header)


@SHORT
@given(st.from_regex(r"[A-Za-z0-9_!#$%&'*+.^`|~-]{1,12}", fullmatch=True), st.text(max_size=30))
def test_cookie_round_trip(name: str, value: str) -> None:
    targets.check_cookie_round_trip(name, value)


@SHORT
@given(handshake_headers, st.sampled_from(["GET", "POST", "HEAD"]))
def test_websocket_handshakes(headers: dict[str, str], method: str) -> None:
    targets.check_handshake_headers(headers, method)


@SHORT
@given(websocket_stream(), cut_points)
def test_websocket_valid_frames_any_split(
    stream: tuple[bytes, list[Any]], cuts: list[int]
) -> None:
    data, messages = stream
    targets.check_frames(data, cuts, expected=messages)


@SHORT
@given(mutated(websocket_stream().map(lambda s: s[0])), cut_points)
def test_websocket_mutated_frames(data: bytes, cuts: list[int]) -> None:
    targets.check_frames(data, cuts)


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    server = Server(app, "127.0.0.1", 0, threads=2, header_timeout=1.0, body_timeout=1.0)
    server.start()
    yield server
    server.stop(grace=1)


STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=mutated(request_stream))
def test_live_server_answers_arbitrary_bytes_well(live_server: Server, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        raw = recv_until_closed(sock)
    # Every response is a well-formed status line with a known code, and an error is final.
    position = 0
    statuses = []
    while position < len(raw):
        match = STATUS_LINE.match(raw, position)
        assert match is not None, raw[position : position + 80]
        statuses.append(int(match.group(1)))
        head_end = raw.index(b"\r\n\r\n", position) + 4
        length = re.search(rb"\r\nContent-Length: (\d+)\r\n", raw[position:head_end])
        assert length is not None, raw[position:head_end]
        position = head_end + int(length.group(1))
    assert all(s == 200 or s in targets.PROTOCOL_STATUSES | {408} for s in statuses), statuses
    assert all(s == 200 for s in statuses[:-1]), statuses
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        assert recv_until_closed(sock).endswith(b"\r\n\r\nok")
