"""Bad arguments to the realtime API fail at once with a clear message."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.livereload import LiveReload
from kettle.realtime.scope import sleep
from kettle.realtime.sse import ChannelStream, EventStream
from kettle.realtime.websocket import WebSocket, accept

HANDSHAKE = {
    "REQUEST_METHOD": "GET",
    "HTTP_UPGRADE": "websocket",
    "HTTP_CONNECTION": "Upgrade",
    "HTTP_SEC_WEBSOCKET_VERSION": "13",
    "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: accept(HANDSHAKE, max_message_size=0), "max_message_size must be positive"),
        (lambda: accept(HANDSHAKE, ping_interval=0), "ping_interval must be positive or None"),
        (lambda: EventStream([], heartbeat=0), "heartbeat must be a positive number of seconds"),
        (
            lambda: EventStream([], retry=-5),
            "SSE retry must be a non-negative integer of milliseconds",
        ),
        (lambda: ChannelStream(""), "a channel name must be a non-empty str"),
        (lambda: ChannelStream("c", event="a\nb"), "SSE event may not contain line breaks"),
        (lambda: MemoryBroadcast().subscribe("c", maxsize=0), "maxsize must be at least 1"),
        (lambda: sleep(-1), "sleep length must be non-negative"),
    ],
    ids=["max-size", "ping", "heartbeat", "retry", "channel", "event", "maxsize", "sleep"],
)
def test_bad_arguments(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_send_refuses_other_types() -> None:
    left, right = socket.socketpair()
    ws = WebSocket(left, owned=True)
    try:
        with pytest.raises(TypeError) as info:
            ws.send(42)  # type: ignore[arg-type]
        assert str(info.value) == "WebSocket.send takes str or bytes, not int"
    finally:
        ws.abort()
        right.close()


def test_live_reload_without_existing_paths_just_idles(tmp_path: Any) -> None:
    live = LiveReload([tmp_path / "missing"]).start()
    live.notify(["manual"])
    live.stop()
    assert live.listeners() == 0
