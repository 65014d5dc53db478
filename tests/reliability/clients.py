"""A test client whose requests travel to a real ``kettle.server.Server`` over TCP.

It keeps the in-process client's API (and its cookie jar) and replaces only the transport:
http.client with a 5 s timeout, so each web, security and CSRF test can run both ways
(tests/web's ``make_client`` fixture uses it too).
"""

from __future__ import annotations

import http.client
import socket
from typing import Any
from urllib.parse import quote

from kettle.web.app import Kettle
from kettle.web.testing import KettleClient


class ServerClient(KettleClient):
    """The test client's API, sending each request to a real server on ``port``."""

    def __init__(self, app: Kettle, port: int) -> None:
        super().__init__(app)
        self.port = port

    def _send(
        self, environ: dict[str, Any], buffered: bool = True
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        path = quote(
            environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"].encode("latin-1").decode()
        )
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = value
        if "CONTENT_TYPE" in environ:
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = environ["wsgi.input"].read()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return f"{response.status} {response.reason}", list(response.getheaders()), data
        finally:
            connection.close()


def recv_until_closed(sock: socket.socket) -> bytes:
    """Read until the peer closes the connection (EOF or reset)."""
    chunks = []
    while True:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            break
        if not piece:
            break
        chunks.append(piece)
    return b"".join(chunks)
