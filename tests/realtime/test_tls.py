"""On kettle.server's own TLS listener: event streams fall back to a streamed body, and a
WebSocket handshake is refused with a clear 501 (not a hang)."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kettle.realtime.sse import EventStream
from kettle.realtime.websocket import HandshakeError, accept
from kettle.server import Server


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


def events() -> Iterator[str]:
    yield "over tls"


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/events":
        return EventStream(events())(environ, start_response)
    try:
        accept(environ)
    except HandshakeError as exc:
        body = exc.reason.encode()
        start_response(f"{exc.status} Not Implemented", [("Content-Length", str(len(body)))])
        return [body]
    raise AssertionError("the handshake should have been refused")


def request(port: int, cert: Path, text: str) -> bytes:
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(text.encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data


def test_tls_stream_and_refused_websocket(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = Server(app, "127.0.0.1", 0, threads=4, certfile=cert, keyfile=key).start()
    try:
        body = request(
            server.port, cert, "GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert body.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b": stream open\n\n" in body and b"data: over tls\n\n" in body
        handshake = (
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Connection: close\r\n\r\n"
        )
        refused = request(server.port, cert, handshake)
        assert refused.startswith(b"HTTP/1.1 501 Not Implemented\r\n")
        assert refused.endswith(b"terminate TLS in a reverse proxy")
    finally:
        server.stop(grace=1)
