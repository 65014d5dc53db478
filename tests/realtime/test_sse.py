"""Server-Sent Events: framing without sockets, streams, heartbeats, Last-Event-ID and
disconnect detection on real sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.scope import sleep
from kettle.realtime.sse import ChannelStream, Event, EventStream, comment, format_event
from kettle.server import Server

from .conftest import TakeoverServer, read_until


@pytest.mark.parametrize(
    ("kwargs", "wire"),
    [
        ({"data": "hi"}, b"data: hi\n\n"),
        ({"data": ""}, b"data: \n\n"),
        ({"data": "a\nb\r\nc\rd"}, b"data: a\ndata: b\ndata: c\ndata: d\n\n"),
        ({"data": "x", "event": "note"}, b"event: note\ndata: x\n\n"),
        ({"data": "x", "id": "7", "retry": 1500}, b"id: 7\nretry: 1500\ndata: x\n\n"),
        ({"data": "tail\n"}, b"data: tail\ndata: \n\n"),
        ({"data": "ünï"}, "data: ünï\n\n".encode()),
    ],
    ids=["plain", "empty", "multiline", "event", "id-retry", "trailing-newline", "utf8"],
)
def test_format_event(kwargs: dict[str, Any], wire: bytes) -> None:
    assert format_event(**kwargs) == wire


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event": "a\nb"}, "SSE event may not contain line breaks"),
        ({"id": "1\r"}, "SSE id may not contain line breaks or NUL"),
        ({"id": "1\0"}, "SSE id may not contain line breaks or NUL"),
        ({"retry": -1}, "SSE retry must be a non-negative integer of milliseconds"),
    ],
    ids=["event-newline", "id-cr", "id-nul", "retry-negative"],
)
def test_format_event_refuses_bad_fields(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        format_event("x", **kwargs)
    assert str(info.value) == message


def test_comment() -> None:
    assert comment() == b": \n\n"
    assert comment("a\nb") == b": a\n: b\n\n"


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "connection closed before the response head"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def open_stream(server: TakeoverServer, headers: str = "") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(f"GET /events HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    return sock


def test_stream_sends_headers_and_events(serve: Any) -> None:
    def events() -> Iterator[Any]:
        yield "one"
        yield Event("two\nlines", event="note", id="2")
        yield {"n": 3}
        yield None

    server = serve(EventStream(events(), retry=2000))
    with open_stream(server) as sock:
        head, rest = read_head(sock)
        body = rest
        while chunk := sock.recv(4096):
            body += chunk
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 200 OK",
        b"Content-Type: text/event-stream; charset=utf-8",
        b"Cache-Control: no-cache, no-transform",
        b"X-Accel-Buffering: no",
        b"Connection: close",
    ]
    assert body == (
        b": stream open\n\nretry: 2000\n\n"
        b"data: one\n\n"
        b"event: note\nid: 2\ndata: two\ndata: lines\n\n"
        b'data: {"n":3}\n\n'
    )


def test_last_event_id_is_passed_to_the_source(serve: Any) -> None:
    def source(last_id: str | None) -> Iterator[str]:
        yield f"resuming after {last_id}"

    server = serve(EventStream(source))
    with open_stream(server, "Last-Event-ID: 41\r\n") as sock:
        _, rest = read_head(sock)
        body = read_until(sock, rest, b"after 41\n\n")
    assert body == b": stream open\n\ndata: resuming after 41\n\n"
    with open_stream(server) as sock:
        _, rest = read_head(sock)
        body = read_until(sock, rest, b"after None\n\n")
    assert body == b": stream open\n\ndata: resuming after None\n\n"


def test_heartbeat_while_generator_is_blocked(serve: Any) -> None:
    release = threading.Event()

    def blocked() -> Iterator[str]:
        release.wait(10)
        yield "late"

    server = serve(EventStream(blocked(), heartbeat=0.2))
    with open_stream(server) as sock:
        _, rest = read_head(sock)
        body = read_until(sock, rest, b": stream open\n\n:\n\n")
        release.set()
        body = read_until(sock, body, b"data: late\n\n")
    assert body.startswith(b": stream open\n\n:\n\n")


@pytest.mark.parametrize("wait", ["sleep", "subscription"])
def test_disconnect_closes_blocked_generator(serve: Any, wait: str) -> None:
    hub = MemoryBroadcast()
    cleaned = threading.Event()
    started = threading.Event()

    def events() -> Iterator[str]:
        with hub.subscribe("news") as subscription:
            try:
                yield "hello"
                started.set()
                while True:
                    if wait == "sleep":
                        sleep(30)
                    else:
                        yield subscription.get()
            finally:
                cleaned.set()

    server = serve(EventStream(events()))
    sock = open_stream(server)
    _, rest = read_head(sock)
    read_until(sock, rest, b"data: hello\n\n")
    assert started.wait(5)
    began = time.monotonic()
    sock.close()
    assert cleaned.wait(5)
    assert time.monotonic() - began < 1.0
    assert hub.subscriber_count("news") == 0


def test_plain_wsgi_fallback_closes_generator() -> None:
    closed = threading.Event()

    def events() -> Iterator[Any]:
        try:
            yield "a"
            yield None
            yield "b"
        finally:
            closed.set()

    statuses: list[tuple[str, list[tuple[str, str]]]] = []
    app = EventStream(events())
    result = app({"REQUEST_METHOD": "GET"}, lambda s, h: statuses.append((s, h)))
    iterator = iter(result)
    assert next(iterator) == b": stream open\n\n"
    assert next(iterator) == b"data: a\n\n"
    assert next(iterator) == b"data: b\n\n"
    assert statuses[0][0] == "200 OK"
    assert ("X-Accel-Buffering", "no") in statuses[0][1]
    iterator.close()  # type: ignore[attr-defined]
    assert closed.is_set()


def test_unknown_item_type_is_a_clear_error() -> None:
    app = EventStream([3.5])
    result = app({"REQUEST_METHOD": "GET"}, lambda s, h: None)
    iterator = iter(result)
    next(iterator)
    with pytest.raises(TypeError) as info:
        next(iterator)
    assert str(info.value) == "cannot send float as a server-sent event"


def test_channel_stream_delivers_broadcasts_and_detaches(serve: Any) -> None:
    hub = MemoryBroadcast()
    server = serve(ChannelStream("news", broadcast=hub, event="note", initial=["welcome"]))
    with open_stream(server) as sock:
        _, rest = read_head(sock)
        body = read_until(sock, rest, b"data: welcome\n\n")
        deadline = time.monotonic() + 5
        while hub.subscriber_count("news") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        hub.publish("news", "line one\nline two")
        body = read_until(sock, body, b"line two\n\n")
    assert body == (
        b": stream open\n\ndata: welcome\n\nevent: note\ndata: line one\ndata: line two\n\n"
    )
    deadline = time.monotonic() + 5
    while hub.subscriber_count("news") != 0:
        assert time.monotonic() < deadline, "the closed stream stayed attached"
        time.sleep(0.01)


def test_server_shutdown_ends_streams() -> None:
    hub = MemoryBroadcast()
    cleaned = threading.Event()

    def events() -> Iterator[str]:
        try:
            yield "hi"
            sleep(30)
        finally:
            cleaned.set()

    for app in (EventStream(events()), ChannelStream("news", broadcast=hub, initial=["hi"])):
        server = TakeoverServer(app)
        try:
            with open_stream(server) as sock:
                _, rest = read_head(sock)
                read_until(sock, rest, b"data: hi\n\n")
                server.shutdown.set()
                began = time.monotonic()
                while sock.recv(4096):
                    pass
                assert time.monotonic() - began < 2.5
        finally:
            server.close()
    assert cleaned.is_set()
    deadline = time.monotonic() + 5
    while hub.subscriber_count("news") != 0:  # detached right after the socket closed
        assert time.monotonic() < deadline
        time.sleep(0.01)


def parse_stream(wire: str) -> list[dict[str, str]]:
    """A reference parser written from the HTML standard's event-stream interpretation."""
    events: list[dict[str, str]] = []
    data: list[str] = []
    fields: dict[str, str] = {}
    for line in wire.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data or fields:
                events.append({**fields, "data": "\n".join(data)})
            data, fields = [], {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        else:
            fields[name] = value
    return events


@given(
    data=st.text(st.characters(blacklist_categories=("Cs",))),
    event=st.none()
    | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(
        lambda s: "\n" not in s and "\r" not in s
    ),
)
def test_format_event_round_trips_through_a_spec_parser(data: str, event: str | None) -> None:
    wire = format_event(data, event=event, id="7").decode("utf-8")
    expected = {"id": "7", "data": data.replace("\r\n", "\n").replace("\r", "\n")}
    if event is not None:
        expected["event"] = event
    assert parse_stream(": heartbeat\n\n" + wire) == [expected]


def test_client_that_stops_reading_is_dropped_without_blocking_publisher(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kettle.realtime.transport.MAX_QUEUED", 8)
    hub = MemoryBroadcast()
    server = serve(ChannelStream("flood", broadcast=hub))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", server.port))
    try:
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        read_head(sock)
        deadline = time.monotonic() + 5
        while hub.subscriber_count("flood") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        message = "x" * 65536
        slowest = 0.0
        for _ in range(400):  # far more than the kernel buffers plus 8 queued events
            began = time.monotonic()
            hub.publish("flood", message)
            slowest = max(slowest, time.monotonic() - began)
            if hub.subscriber_count("flood") == 0:
                break
        assert hub.subscriber_count("flood") == 0, "the stalled client was never dropped"
        assert slowest < 0.5
    finally:
        sock.close()


def test_channel_stream_replays_from_last_event_id(serve: Any) -> None:
    hub = MemoryBroadcast()
    history = [Event(f"note {n}", id=str(n)) for n in range(1, 5)]

    def missed(last_id: str | None) -> list[Event]:
        return [e for e in history if last_id is None or int(e.id or 0) > int(last_id)]

    server = serve(ChannelStream("notes", broadcast=hub, initial=missed))
    with open_stream(server, "Last-Event-ID: 2\r\n") as sock:
        _, rest = read_head(sock)
        body = read_until(sock, rest, b"data: note 4\n\n")
        hub.publish("notes", "live")
        body = read_until(sock, body, b"data: live\n\n")
    assert body == (
        b": stream open\n\nid: 3\ndata: note 3\n\nid: 4\ndata: note 4\n\ndata: live\n\n"
    )


def test_channel_streams_hold_no_kettle_server_thread() -> None:
    hub = MemoryBroadcast()
    stream = ChannelStream("many", broadcast=hub)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/events":
            return stream(environ, start_response)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = Server(app, "127.0.0.1", 0, threads=2).start()
    socks = []
    try:
        for _ in range(6):  # three times the thread pool
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            read_until(sock, read_head(sock)[1], b": stream open\n\n")
            socks.append(sock)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert read_until(plain, b"", b"\r\n\r\nok").endswith(b"\r\n\r\nok")
        hub.publish("many", "to all six")
        for sock in socks:
            read_until(sock, b"", b"data: to all six\n\n")
    finally:
        for sock in socks:
            sock.close()
        server.stop(grace=1)
