"""WebSockets and event streams under gunicorn's gthread worker, through
``environ["gunicorn.socket"]``."""

from __future__ import annotations

import base64
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from .conftest import read_until

TESTS = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn_port() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "realtime.gunicorn_app:app",
        ],
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
        # Nothing went wrong in the worker: no traceback, no socket error logged.
        assert "Traceback" not in errors
        assert "Socket error" not in errors


def test_websocket_echo_under_gunicorn(gunicorn_port: int) -> None:
    with connect(f"ws://127.0.0.1:{gunicorn_port}/ws", open_timeout=5) as client:
        client.send("hello gunicorn")
        assert client.recv(timeout=5) == "hello gunicorn"
        client.send(b"\x01\x02")
        assert client.recv(timeout=5) == b"\x01\x02"


def test_no_http_bytes_after_the_close_frame(gunicorn_port: int) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=5) as sock:
        sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        data = b""
        data = read_until(sock, data, b"\r\n\r\n")
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        mask = os.urandom(4)
        payload = struct.pack("!H", 1000)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        sock.sendall(b"\x88" + bytes([0x80 | len(payload)]) + mask + masked)
        while chunk := sock.recv(4096):
            rest += chunk
    # Exactly the server's close frame (1000) and then EOF: no stray HTTP response.
    assert rest == b"\x88\x02\x03\xe8"


def test_event_stream_disconnect_under_gunicorn(gunicorn_port: int) -> None:
    def cleaned() -> int:
        with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=5) as sock:
            sock.sendall(b"GET /cleaned HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        return int(data.rpartition(b"\r\n\r\n")[2])

    before = cleaned()
    sock = socket.create_connection(("127.0.0.1", gunicorn_port), timeout=5)
    sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    data = read_until(sock, data, b"data: first\n\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8")
    sock.close()
    deadline = time.monotonic() + 2
    while cleaned() != before + 1:
        assert time.monotonic() < deadline, "the stream's finally did not run"
        time.sleep(0.05)


def get(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data.rpartition(b"\r\n\r\n")[2]


def test_channel_stream_under_gunicorn(gunicorn_port: int) -> None:
    sock = socket.create_connection(("127.0.0.1", gunicorn_port), timeout=5)
    sock.sendall(b"GET /channel HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    data = read_until(sock, data, b"data: joined\n\n")
    assert get(gunicorn_port, "/listeners") == b"1"
    get(gunicorn_port, "/publish?hello")
    data = read_until(sock, data, b"data: hello\n\n")
    sock.close()
    deadline = time.monotonic() + 3
    while get(gunicorn_port, "/listeners") != b"0":
        assert time.monotonic() < deadline, "the stream stayed attached after the client left"
        time.sleep(0.05)
