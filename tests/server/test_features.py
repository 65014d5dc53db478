"""Takeover, listening options (Unix, IPv6, socket, fd, TLS), access log, validation, Flask."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest

from kettle.server import Server

from .conftest import TIMEOUT, Running, hello_app, is_closed, normalize, read_all, read_response

StartResponse = Callable[..., Any]
HELLO_TAIL = b"Content-Length: 13\r\n\r\nHello, World!"
ROOT = Path(__file__).resolve().parents[2]


def upgrade_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Takes the connection over and runs a line echo protocol on it."""
    if "HTTP_UPGRADE" not in environ:
        return hello_app(environ, start_response)
    assert isinstance(environ["werkzeug.socket"], socket.socket)
    sock, leftover = environ["kettle.takeover"]()
    assert sock is environ["werkzeug.socket"]
    assert sock.gettimeout() is None
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
    )
    sock.sendall(b"leftover=" + leftover + b"\n")
    buffer = b""
    while not buffer.endswith(b"bye\n"):
        piece = sock.recv(100)
        if not piece:
            break
        buffer += piece
        sock.sendall(b"echo:" + piece)
    sock.close()
    return [b"this is never sent"]


def test_takeover_after_upgrade(serve: Callable[..., Running]) -> None:
    server = serve(upgrade_app)
    with server.connect() as sock:
        sock.sendall(
            b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly"
        )
        expected = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
            b"leftover=early\n"
        )
        received = b""
        while len(received) < len(expected):
            piece = sock.recv(100)
            assert piece, f"the connection closed early, after {received!r}"
            received += piece
        assert received == expected
        sock.sendall(b"bye\n")
        assert read_all(sock) == b"echo:bye\n"
    # The server survived and serves other clients.
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(HELLO_TAIL)


def test_takeover_of_a_plain_request_hands_over_the_unread_body(
    serve: Callable[..., Running],
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        sock, leftover = environ["kettle.takeover"]()
        sock.sendall(b"raw:" + leftover)
        sock.close()
        return []

    server = serve(app)
    raw = server.exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
    assert raw == b"raw:body"


def test_takeover_twice_or_after_the_response_started_fails(
    serve: Callable[..., Running],
) -> None:
    errors: list[str] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"started")
        try:
            environ["kettle.takeover"]()
        except RuntimeError as exc:
            errors.append(str(exc))
        yield b"."

    server = serve(app)
    raw = server.exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.endswith(b"7\r\nstarted\r\n1\r\n.\r\n0\r\n\r\n")
    assert errors == ["cannot take over a connection after the response started"]


def test_unix_socket(serve: Callable[..., Running], tmp_path: Path) -> None:
    path = tmp_path / "kettle.sock"
    serve(hello_app, unix_socket=path)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(str(path))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(HELLO_TAIL)


def test_ipv6(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["REMOTE_ADDR"].encode()]

    server = Server(app, "::1", 0, threads=2).start()
    try:
        assert server.url == f"http://[::1]:{server.port}"
        with socket.create_connection(("::1", server.port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock).endswith(b"\r\n\r\n::1")
    finally:
        server.stop(1.0)


def test_pre_bound_socket_and_fd(serve: Callable[..., Running]) -> None:
    for kind in ("sock", "fd"):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        option: dict[str, Any] = (
            {"sock": listener} if kind == "sock" else {"fd": listener.detach()}
        )
        running = serve(hello_app, **option)
        assert running.port == port
        assert running.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(HELLO_TAIL)


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


def test_tls(serve: Callable[..., Running], certificate: tuple[Path, Path]) -> None:
    cert, key = certificate

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [environ["wsgi.url_scheme"].encode() + b":" + body]

    server = serve(app, certfile=cert, keyfile=key)
    assert server.server.url == f"https://127.0.0.1:{server.port}"
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        for n in range(3):
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n%d" % n)
            assert read_response(sock).endswith(b"\r\n\r\nhttps:%d" % n)
    # Plain HTTP on the TLS port fails the handshake and does not hurt the server.
    with server.connect() as plain:
        plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert is_closed(plain)


def test_tls_with_an_ssl_context(
    serve: Callable[..., Running], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server = serve(hello_app, ssl_context=server_context)
    client_context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    with client_context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(HELLO_TAIL)


def test_file_wrapper_over_tls_falls_back_to_reading(
    serve: Callable[..., Running], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = certificate
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789" * 10_000)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Length", "100000")])
        return environ["wsgi.file_wrapper"](open(path, "rb"), 8192)

    server = serve(app, certfile=cert, keyfile=key)
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"\r\n\r\n" + b"0123456789" * 10_000)


def test_takeover_over_tls(serve: Callable[..., Running], certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server = serve(upgrade_app, certfile=cert, keyfile=key)
    context = ssl.create_default_context(cafile=str(cert))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(
            b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
        )
        expected = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
            b"leftover=\n"
        )
        received = b""
        while len(received) < len(expected):
            piece = sock.recv(100)
            assert piece, f"the connection closed early, after {received!r}"
            received += piece
        assert received == expected
        sock.sendall(b"bye\n")
        assert read_all(sock) == b"echo:bye\n"


def test_access_log_in_common_log_format(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(hello_app, access_log=True)
    with caplog.at_level(logging.INFO, "kettle.server.access"):
        server.request(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
    (record,) = [r for r in caplog.records if r.name == "kettle.server.access"]
    message = record.getMessage()
    prefix, _, rest = message.partition(" [")
    assert prefix == "127.0.0.1 - -"
    stamp, _, tail = rest.partition("] ")
    time.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z")
    assert tail == '"GET /a?b=1 HTTP/1.1" 200 13'


def test_access_log_is_off_by_default(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(hello_app)
    with caplog.at_level(logging.INFO, "kettle.server.access"):
        server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert [r for r in caplog.records if r.name == "kettle.server.access"] == []


def validated_app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    yield body


def test_wsgiref_validator_accepts_the_server(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(validator(validated_app))
    with caplog.at_level(logging.ERROR, "kettle.server"), server.connect() as sock:
        sock.sendall(b"POST /v?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        assert normalize(read_response(sock)) == (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
            b"Server: kettle\r\nDate: <date>\r\n\r\nhello"
        )
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert normalize(read_response(sock)) == (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
            b"Server: kettle\r\nDate: <date>\r\n\r\n"
        )
    assert caplog.records == []


def test_a_flask_app(serve: Callable[..., Running]) -> None:
    flask = pytest.importorskip("flask", reason="Flask is a test-only peer")
    app = flask.Flask("demo")

    @app.route("/hello/<name>", methods=["GET", "POST"])
    def hello(name: str) -> Any:
        return flask.jsonify(
            name=name, method=flask.request.method, data=flask.request.get_data(as_text=True)
        )

    @app.route("/stream")
    def stream() -> Any:
        return flask.Response((c for c in ["a", "b", "c"]), mimetype="text/plain")

    server = serve(app)
    with server.connect() as sock:
        sock.sendall(b"POST /hello/ana HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        raw = normalize(read_response(sock))
        assert raw.startswith(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 43\r\n"
            b"Server: kettle\r\nDate: <date>\r\n\r\n"
        )
        assert raw.endswith(b'{"data":"hi","method":"POST","name":"ana"}\n')
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(
            b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n"
        )
        sock.sendall(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 404 NOT FOUND\r\n")


SERVE_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from kettle.server import serve

    def app(environ, start_response):
        time.sleep(float(environ["QUERY_STRING"] or 0))
        start_response("200 OK", [])
        return [b"done"]

    serve(app, "127.0.0.1", 0, threads=2, on_start=lambda s: print(s.port, flush=True))
    print("exited cleanly", flush=True)
    """
)


@contextlib.contextmanager
def serving_script(script: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Run ``script`` (which prints its server's port, then serves) in a child process;
    yield it and the port, and kill it afterwards if it is still running."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert process.stdout is not None
        yield process, int(process.stdout.readline())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_shuts_down_gracefully_on_signal(signum: int) -> None:
    with serving_script(SERVE_SCRIPT) as (process, port):
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /?0.5 HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            process.send_signal(signum)
            assert normalize(read_all(sock)).endswith(b"Connection: close\r\n\r\ndone")
        assert process.wait(TIMEOUT) == 0
        assert process.stdout is not None
        assert process.stdout.read() == "exited cleanly\n"


TERM_FROM_A_WORKER_SCRIPT = textwrap.dedent(
    """
    import signal, threading
    from kettle.server import serve

    def app(environ, start_response):
        # The signal goes to this worker thread, not to the main thread.
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        start_response("200 OK", [])
        return [b"done"]

    serve(app, "127.0.0.1", 0, threads=2, on_start=lambda s: print(s.port, flush=True))
    print("exited cleanly", flush=True)
    """
)


def test_serve_stops_on_a_signal_delivered_to_another_thread() -> None:
    # Linux may give a process's SIGTERM to any of its threads (it did, to a server that
    # had just been continued after SIGSTOP); the main thread must still stop at once.
    with serving_script(TERM_FROM_A_WORKER_SCRIPT) as (process, port):
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: <date>\r\nContent-Length: 4\r\n"
            # Answered before the shutdown began, or during it (then it says so); either
            # way the server closes the connection as it stops.
            assert normalize(read_all(sock)) in (
                head + b"\r\ndone",
                head + b"Connection: close\r\n\r\ndone",
            )
        assert process.wait(TIMEOUT) == 0
        assert process.stdout is not None
        assert process.stdout.read() == "exited cleanly\n"


def test_serve_outside_the_main_thread_is_a_clear_error() -> None:
    import threading

    from kettle.server import serve

    errors: list[BaseException] = []

    def target() -> None:
        try:
            serve(hello_app, "127.0.0.1", 0)
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(TIMEOUT)
    assert [str(e) for e in errors] == [
        "serve() and serve_forever() handle signals, so they run in the main thread;"
        " use Server(...).start() and .stop() elsewhere"
    ]


class FlakyListener(socket.socket):
    """A listening socket whose first accept fails as if the process ran out of fds."""

    failures = 1

    def accept(self) -> tuple[socket.socket, Any]:
        if self.failures:
            self.failures -= 1
            raise OSError(24, "Too many open files")
        return super().accept()


def test_out_of_descriptors_pauses_accepting_without_dropping(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    listener = FlakyListener()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    with caplog.at_level(logging.ERROR, "kettle.server"):
        running = serve(hello_app, sock=listener)
        started = time.monotonic()
        assert running.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(HELLO_TAIL)
    assert 0.3 < time.monotonic() - started < 3.0
    assert "accept failed ([Errno 24] Too many open files); pausing accepts for 0.5 s" in (
        caplog.text
    )


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"threads": 0}, ValueError, "threads must be an int >= 1, got 0"),
        ({"header_timeout": 0}, ValueError, "header_timeout must be a positive number"),
        ({"max_headers": 0}, ValueError, "max_headers must be a positive int, got 0"),
        ({"max_body_size": -1}, ValueError, "max_body_size must be None or an int >= 0"),
        ({"port": 70000}, ValueError, "port must be an int in 0-65535, got 70000"),
        ({"keyfile": "k.pem"}, ValueError, "keyfile needs certfile"),
        ({"fd": 3, "unix_socket": "/tmp/x"}, ValueError, "at most one of unix_socket, sock"),
    ],
)
def test_bad_options_are_clear_errors(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    port = options.pop("port", 0)
    with pytest.raises(error, match=re.escape(message)):
        Server(hello_app, "127.0.0.1", port, **options)


def test_app_must_be_callable() -> None:
    with pytest.raises(TypeError, match="app must be a WSGI callable"):
        Server("not an app")  # type: ignore[arg-type]
