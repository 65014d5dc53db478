"""WebSockets (wss) and event streams on kettle.server's own TLS listener."""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.sse import ChannelStream
from kettle.realtime.websocket import accept
from kettle.server import Server

from .conftest import read_until


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return cert, key


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/events":
        return ChannelStream("news", broadcast=HUB, initial=["over tls"])(environ, start_response)
    ws = accept(environ)
    try:
        for message in ws:
            ws.send(message)
    finally:
        ws.close()
    return []


HUB = MemoryBroadcast()


def test_websocket_and_stream_over_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = Server(app, "127.0.0.1", 0, threads=4, certfile=cert, keyfile=key).start()
    context = ssl.create_default_context(cafile=str(cert))
    try:
        url = f"wss://localhost:{server.port}/ws"
        with connect(url, ssl=context, open_timeout=5, close_timeout=5) as client:
            for size in (5, 70_000, 300_000):
                client.send("é" * size)
                assert client.recv(timeout=5) == "é" * size
            client.send(b"\x00\xff")
            assert client.recv(timeout=5) == b"\x00\xff"
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            data = read_until(sock, b"", b"data: over tls\n\n")
            deadline = time.monotonic() + 5
            while HUB.subscriber_count("news") != 1:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            HUB.publish("news", "pushed")
            data = read_until(sock, data, b"data: pushed\n\n")
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    finally:
        server.stop(grace=1)
