"""WebSockets on real sockets, driven by the independent ``websockets`` client library."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed as ClientClosed
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.websocket import (
    ConnectionClosed,
    HandshakeError,
    WebSocket,
    accept,
    accept_key,
    check_handshake,
    text_frame,
)
from kettle.server import Server

from .conftest import TakeoverServer

Handler = Callable[[WebSocket], None]


def ws_app(handler: Handler, **options: Any) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            ws = accept(environ, **options)
        except HandshakeError as exc:
            body = exc.reason.encode()
            start_response(f"{exc.status} Refused", [("Content-Type", "text/plain")])
            return [body]
        try:
            handler(ws)
        except ConnectionClosed:
            pass
        finally:
            ws.close()
        return []

    return app


def echo(ws: WebSocket) -> None:
    for message in ws:
        ws.send(message)


def url(server: TakeoverServer, path: str = "/ws") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def test_accept_key_matches_rfc_example() -> None:
    # RFC 6455 section 1.3
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_echo_text_and_binary(serve: Any) -> None:
    server = serve(ws_app(echo))
    with connect(url(server), open_timeout=5, close_timeout=5) as client:
        client.send("héllo")
        assert client.recv(timeout=5) == "héllo"
        client.send(b"\x00\x01\xff")
        assert client.recv(timeout=5) == b"\x00\x01\xff"
        big = "x" * 200_000
        client.send(big)
        assert client.recv(timeout=5) == big


def test_fragmented_message_is_reassembled(serve: Any) -> None:
    server = serve(ws_app(echo))
    with connect(url(server), open_timeout=5) as client:
        client.send(iter(["frag", "ment", "ed"]))
        assert client.recv(timeout=5) == "fragmented"
        client.send(iter([b"ab", b"cd"]))
        assert client.recv(timeout=5) == b"abcd"


def test_ping_is_answered_with_pong(serve: Any) -> None:
    server = serve(ws_app(echo))
    with connect(url(server), open_timeout=5) as client:
        pong = client.ping(b"are you there")
        assert pong.wait(timeout=5) is True


def test_server_pings_idle_client(serve: Any) -> None:
    seen: list[str] = []
    handled = threading.Event()

    def handler(ws: WebSocket) -> None:
        seen.append(str(ws.receive(timeout=5)))
        handled.set()

    server = serve(ws_app(handler, ping_interval=0.5))
    with connect(url(server), open_timeout=5) as client:
        pings = threading.Event()
        original = client.protocol.receive_data

        def spy(data: bytes) -> None:
            if data[:1] == b"\x89":
                pings.set()
            original(data)

        client.protocol.receive_data = spy  # type: ignore[method-assign]
        assert pings.wait(timeout=5)
        client.send("done")
        # (The handler runs on the server's thread: wait for it, not for the close.)
        assert handled.wait(timeout=5)
    assert seen == ["done"]


def test_server_close_code_reaches_client(serve: Any) -> None:
    def handler(ws: WebSocket) -> None:
        ws.receive(timeout=5)
        ws.close(4000, "bye now")

    server = serve(ws_app(handler))
    with connect(url(server), open_timeout=5) as client:
        client.send("hi")
        with pytest.raises(ClientClosed) as info:
            client.recv(timeout=5)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4000, "bye now")


def test_client_close_code_reaches_handler(serve: Any) -> None:
    codes: list[tuple[int, str]] = []
    done = threading.Event()

    def handler(ws: WebSocket) -> None:
        try:
            ws.receive(timeout=5)
        except ConnectionClosed as exc:
            codes.append((exc.code, exc.reason))
            done.set()

    server = serve(ws_app(handler))
    with connect(url(server), open_timeout=5, close_timeout=5) as client:
        client.close(4001, "leaving")
    assert done.wait(timeout=5)
    assert codes == [(4001, "leaving")]


def test_oversize_message_closes_with_1009(serve: Any) -> None:
    server = serve(ws_app(echo, max_message_size=10))
    with connect(url(server), open_timeout=5) as client:
        client.send("short")
        assert client.recv(timeout=5) == "short"
        client.send("x" * 11)
        with pytest.raises(ClientClosed) as info:
            client.recv(timeout=5)
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1009


def test_receive_timeout(serve: Any) -> None:
    outcome: list[str] = []

    def handler(ws: WebSocket) -> None:
        try:
            ws.receive(timeout=0.2)
        except TimeoutError:
            outcome.append("timeout")
        ws.send("after timeout")

    server = serve(ws_app(handler))
    with connect(url(server), open_timeout=5) as client:
        assert client.recv(timeout=5) == "after timeout"
    assert outcome == ["timeout"]


def test_subprotocol_selection(serve: Any) -> None:
    def handler(ws: WebSocket) -> None:
        ws.send(str(ws.subprotocol))

    server = serve(ws_app(handler, subprotocols=["chat.v2", "chat.v1"]))
    with connect(url(server), subprotocols=["chat.v1", "chat.v2"], open_timeout=5) as client:
        assert client.subprotocol == "chat.v2"
        assert client.recv(timeout=5) == "chat.v2"


def test_cross_site_origin_is_refused(serve: Any) -> None:
    server = serve(ws_app(echo))
    with pytest.raises(InvalidStatus) as info:
        connect(url(server), origin="http://evil.example", open_timeout=5)  # type: ignore[arg-type]
    assert info.value.response.status_code == 403


def test_same_origin_and_listed_origin_pass(serve: Any) -> None:
    server = serve(ws_app(echo, allowed_origins=["https://app.example"]))
    same = f"http://127.0.0.1:{server.port}"
    for origin in (same, "https://app.example"):
        with connect(url(server), origin=origin, open_timeout=5) as client:  # type: ignore[arg-type]
            client.send(origin)
            assert client.recv(timeout=5) == origin


def test_bad_handshake_gets_400(serve: Any) -> None:
    server = serve(ws_app(echo))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n"
        )
        response = sock.recv(4096)
    assert response.startswith(b"HTTP/1.1 400 Refused\r\n")
    assert response.endswith(b"missing or malformed Sec-WebSocket-Key")


HANDSHAKE = {
    "REQUEST_METHOD": "GET",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "example.com",
    "HTTP_UPGRADE": "websocket",
    "HTTP_CONNECTION": "keep-alive, Upgrade",
    "HTTP_SEC_WEBSOCKET_VERSION": "13",
    "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"REQUEST_METHOD": "POST"}, 405),
        ({"SERVER_PROTOCOL": "HTTP/1.0"}, 400),
        ({"HTTP_UPGRADE": "h2c"}, 426),
        ({"HTTP_CONNECTION": "keep-alive"}, 400),
        ({"HTTP_SEC_WEBSOCKET_VERSION": "8"}, 426),
        ({"HTTP_SEC_WEBSOCKET_KEY": "not base64!"}, 400),
        ({"HTTP_ORIGIN": "https://other.example"}, 403),
    ],
    ids=["method", "http10", "upgrade", "connection", "version", "key", "origin"],
)
def test_handshake_refusals(change: dict[str, str], status: int) -> None:
    with pytest.raises(HandshakeError) as info:
        check_handshake({**HANDSHAKE, **change})
    assert info.value.status == status


def test_handshake_response_bytes() -> None:
    environ = {**HANDSHAKE, "HTTP_ORIGIN": "https://example.com"}
    environ["HTTP_SEC_WEBSOCKET_PROTOCOL"] = "b, a"
    response, chosen = check_handshake(environ, subprotocols=["a"])
    assert chosen == "a"
    assert response == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: a\r\n\r\n"
    )


def test_server_without_takeover_is_a_clear_error() -> None:
    with pytest.raises(HandshakeError) as info:
        accept(dict(HANDSHAKE))
    assert info.value.status == 501
    assert "cannot hand over its connection" in info.value.reason


def test_client_leaving_wakes_handler_blocked_on_a_subscription(serve: Any) -> None:
    hub = MemoryBroadcast()
    outcome: list[tuple[str, int]] = []
    done = threading.Event()

    def handler(ws: WebSocket) -> None:
        with hub.subscribe("room") as subscription:
            ws.send("subscribed")
            try:
                subscription.get()
            except ConnectionClosed as exc:
                outcome.append(("closed", exc.code))
            finally:
                done.set()

    server = serve(ws_app(handler))
    with connect(url(server), open_timeout=5, close_timeout=5) as client:
        assert client.recv(timeout=5) == "subscribed"
        client.close(1001, "tab closed")
    assert done.wait(timeout=5)
    assert outcome == [("closed", 1001)]
    assert hub.subscriber_count("room") == 0


def test_attach_forwards_channel_and_receive_still_works(serve: Any) -> None:
    hub = MemoryBroadcast()
    received: list[str | bytes] = []
    handled = threading.Event()

    def handler(ws: WebSocket) -> None:
        ws.attach("room", broadcast=hub)
        ws.send("attached")
        try:
            received.append(ws.receive(timeout=5))
        finally:
            handled.set()
        ws.wait_closed(timeout=5)

    server = serve(ws_app(handler))
    with connect(url(server), open_timeout=5, close_timeout=5) as client:
        assert client.recv(timeout=5) == "attached"
        hub.publish("room", "x" * 70_000)
        hub.publish("room", "née")
        assert client.recv(timeout=5) == "x" * 70_000
        assert client.recv(timeout=5) == "née"
        client.send("from client")
    deadline = time.monotonic() + 5
    while hub.subscriber_count("room") != 0:
        assert time.monotonic() < deadline, "the closed WebSocket stayed attached"
        time.sleep(0.01)
    # The close detaches the channel on the connection's reader, which can run before the
    # handler's thread has stored what it received: wait for the handler, not the detach.
    assert handled.wait(5)
    assert received == ["from client"]


@pytest.mark.parametrize(
    ("size", "head"),
    [(5, b"\x81\x05"), (126, b"\x81\x7e\x00\x7e"), (70_000, b"\x81\x7f" + (70_000).to_bytes(8))],
    ids=["short", "16-bit", "64-bit"],
)
def test_text_frame_lengths(size: int, head: bytes) -> None:
    assert text_frame("a" * size) == head + b"a" * size


def test_server_shutdown_closes_with_1001() -> None:
    server = TakeoverServer(ws_app(echo))
    try:
        with connect(url(server), open_timeout=5, close_timeout=5) as client:
            client.send("before")
            assert client.recv(timeout=5) == "before"
            server.shutdown.set()
            with pytest.raises(ClientClosed) as info:
                client.recv(timeout=5)
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (1001, "server shutting down")
    finally:
        server.close()
    assert server.errors == []


def test_silent_peer_is_dropped_when_a_ping_goes_unanswered(serve: Any) -> None:
    outcome: list[tuple[int, str]] = []
    done = threading.Event()

    def handler(ws: WebSocket) -> None:
        try:
            ws.receive(timeout=10)
        except ConnectionClosed as exc:
            outcome.append((exc.code, exc.reason))
        done.set()

    server = serve(ws_app(handler, ping_interval=0.3))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        # A raw client that completes the handshake and then never answers a ping.
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert done.wait(timeout=5)
    assert outcome == [(1006, "no pong from the peer")]


def test_listening_client_stays_connected_while_server_pushes(serve: Any) -> None:
    hub = MemoryBroadcast()

    def handler(ws: WebSocket) -> None:
        ws.attach("ticks", broadcast=hub)
        ws.wait_closed(timeout=10)

    server = serve(ws_app(handler, ping_interval=0.3))
    with connect(url(server), open_timeout=5, close_timeout=5) as client:
        deadline = time.monotonic() + 5
        while hub.subscriber_count("ticks") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # Pushes keep our side busy; the client only answers pings (the library does).
        for n in range(25):
            hub.publish("ticks", str(n))
            assert client.recv(timeout=5) == str(n)
            time.sleep(0.1)


def test_kettle_server_stop_is_not_held_by_open_connections() -> None:
    server = Server(ws_app(echo), "127.0.0.1", 0, threads=4).start()
    with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=5, close_timeout=5) as client:
        client.send("hi")
        assert client.recv(timeout=5) == "hi"
        began = time.monotonic()
        stopper = threading.Thread(target=server.stop, kwargs={"grace": 20})
        stopper.start()
        with pytest.raises(ClientClosed) as info:
            client.recv(timeout=5)
        stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert time.monotonic() - began < 5  # not the 20 s grace period
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1001
