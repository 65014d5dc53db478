"""The public face of the server: ``Server`` (start/stop from code and tests) and ``serve``.

Owns option validation, binding (IPv4, IPv6, host names, Unix socket paths, an already
bound socket or file descriptor), TLS setup and one process's signal handling
(``serve()``, which may also run a master and workers, lives in ``workers``). Rules kept:

- ``Server.start()`` returns once the sockets listen, so ``.port`` is usable at once.
- ``serve_forever()`` runs in the foreground until SIGINT or SIGTERM, then shuts down
  gracefully and returns (a CLI built on it exits 0).
- Bad options raise ``ValueError``/``TypeError`` with a message naming the option.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import ssl
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from .affinity import CpuAffinity, resolve_cpu
from .engine import Engine
from .protocol import Limits
from .wsgi import FileWrapper, WSGIApp

DEFAULT_THREADS = 32
# The gate of ``kettle serve`` and ``serve()`` (docs/server.md, "compute_threads"); an
# embedded ``Server`` has none unless given one.
DEFAULT_COMPUTE_THREADS = 2


class AddressInUseError(OSError):
    """The TCP port is taken by another program (``EADDRINUSE``); ``str()`` is one line
    naming the port, so a CLI can print it with the option that changes the port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"Port {port} on {host} is in use by another program")
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return str(self.strerror)


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def make_ssl_context(
    certfile: str | os.PathLike[str], keyfile: str | os.PathLike[str] | None = None
) -> ssl.SSLContext:
    """A server-side TLS context with the library's secure defaults."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    context.set_alpn_protocols(["http/1.1"])
    return context


def bind_socket(
    host: str, port: int, *, unix_socket: str | os.PathLike[str] | None, backlog: int
) -> socket.socket:
    """Create, bind and listen on a TCP socket (or a Unix socket when a path is given)."""
    if unix_socket is not None:
        path = os.fspath(unix_socket)
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                os.unlink(path)  # a stale socket left by a previous run
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
            sock.listen(backlog)
        except OSError:
            sock.close()
            raise
        return sock
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int in 0-65535, got {port!r}")
    infos = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise AddressInUseError(host, port) from None
        raise
    return sock


def _listening_socket(
    host: str,
    port: int,
    unix_socket: str | os.PathLike[str] | None,
    sock: socket.socket | None,
    fd: int | None,
    backlog: int,
) -> socket.socket:
    """The socket to serve on: adopted from ``sock``/``fd``, or freshly bound."""
    if fd is not None:
        sock = socket.socket(fileno=fd)
    if sock is None:
        return bind_socket(host, port, unix_socket=unix_socket, backlog=backlog)
    if sock.type != socket.SOCK_STREAM:
        raise ValueError("sock must be a SOCK_STREAM socket")
    try:
        sock.listen(backlog)  # harmless when it already listens
    except OSError as exc:
        raise ValueError(f"cannot listen on the given socket: {exc}")
    return sock


def require_main_thread() -> None:
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            "serve() and serve_forever() handle signals, so they run in the main thread;"
            " use Server(...).start() and .stop() elsewhere"
        )


@contextmanager
def signals_to_pipe(
    handler: Callable[[int, FrameType | None], Any], signums: Iterable[int]
) -> Iterator[tuple[int, int]]:
    """In the main thread: run ``handler`` for ``signums``, and have the interpreter write
    a byte for every signal to a pipe (``signal.set_wakeup_fd``) whose (read, write) ends
    are yielded, the read end blocking; the previous handlers and wake-up fd come back
    afterwards. A main thread asleep on that pipe wakes for a signal whichever thread the
    kernel gives it to; one asleep on a lock would run ``handler`` only when its wait
    timed out (Linux gives a process's signal to another thread when the main thread
    cannot take it at that moment: just after SIGCONT, for one)."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    previous_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield wake_r, wake_w
    finally:
        signal.set_wakeup_fd(previous_wakeup)
        for signum, old in previous.items():
            signal.signal(signum, old)
        os.close(wake_r)
        os.close(wake_w)


class Server:
    """A threaded HTTP/1.1 WSGI server. ``start()`` runs it in the background."""

    def __init__(
        self,
        app: WSGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = DEFAULT_THREADS,
        unix_socket: str | os.PathLike[str] | None = None,
        sock: socket.socket | None = None,
        fd: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
        certfile: str | os.PathLike[str] | None = None,
        keyfile: str | os.PathLike[str] | None = None,
        header_timeout: float = 10.0,
        keepalive_timeout: float = 5.0,
        body_timeout: float = 30.0,
        min_body_rate: float = 240.0,
        send_timeout: float = 30.0,
        max_request_line: int = 8190,
        max_header_bytes: int = 65536,
        max_headers: int = 100,
        max_body_size: int | None = 1 << 30,
        max_header_field: int = 8190,
        max_buffered_body: int = 1 << 20,
        cpu_affinity: CpuAffinity = None,
        backlog: int = 1024,
        access_log: bool = False,
        server_name: str | None = None,
        compute_threads: int | None = None,
        batch_responses: bool = True,
    ) -> None:
        if not callable(app):
            raise TypeError(f"app must be a WSGI callable, got {app!r}")
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be an int >= 1, got {threads!r}")
        if compute_threads is not None and (
            isinstance(compute_threads, bool)
            or not isinstance(compute_threads, int)
            or compute_threads < 1
        ):
            raise ValueError(
                f"compute_threads must be None or an int >= 1, got {compute_threads!r}"
            )
        if sum(x is not None for x in (unix_socket, sock, fd)) > 1:
            raise ValueError("give at most one of unix_socket, sock and fd")
        if ssl_context is not None and certfile is not None:
            raise ValueError("give either ssl_context or certfile/keyfile, not both")
        if certfile is not None:
            ssl_context = make_ssl_context(certfile, keyfile)
        elif keyfile is not None:
            raise ValueError("keyfile needs certfile")
        self.app = app
        self.host = host
        self.threads = threads
        self.compute_threads = compute_threads
        self.batch_responses = bool(batch_responses)
        self.ssl_context = ssl_context
        self.access_log = access_log
        # Set by a worker of ``kettle.server.workers`` (``wsgi.multiprocess`` is then true).
        self.multiprocess = False
        self.server_name = server_name
        self.limits = Limits(
            max_request_line, max_header_bytes, max_headers, max_body_size, max_header_field
        )
        if isinstance(min_body_rate, bool) or not isinstance(min_body_rate, (int, float)):
            raise ValueError(f"min_body_rate must be a number, got {min_body_rate!r}")
        if min_body_rate < 0:
            raise ValueError(f"min_body_rate must be >= 0, got {min_body_rate!r}")
        self.min_body_rate = float(min_body_rate)
        if (
            isinstance(max_buffered_body, bool)
            or not isinstance(max_buffered_body, int)
            or max_buffered_body < 0
        ):
            raise ValueError(f"max_buffered_body must be an int >= 0, got {max_buffered_body!r}")
        self.max_buffered_body = max_buffered_body
        resolve_cpu(cpu_affinity)  # validates; resolved again in start() (after a fork)
        self.cpu_affinity = cpu_affinity
        # "auto" (also in each worker process, which gets a CPU number of its own) moves
        # to a less loaded CPU when other work takes its CPU; a CPU number given stays.
        self.follow_load = cpu_affinity == "auto"
        self.timeouts = (
            _positive("header_timeout", header_timeout),
            _positive("keepalive_timeout", keepalive_timeout),
            _positive("body_timeout", body_timeout),
            _positive("send_timeout", send_timeout),
        )
        self.socket = _listening_socket(host, port, unix_socket, sock, fd, backlog)
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    # -- addresses ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port (0 for a Unix socket)."""
        address = self.socket.getsockname()
        return int(address[1]) if isinstance(address, tuple) else 0

    @property
    def url(self) -> str:
        """Where a client on this machine reaches the server, e.g. ``http://127.0.0.1:8000``."""
        address = self.socket.getsockname()
        scheme = "https" if self.ssl_context else "http"
        if not isinstance(address, tuple):
            return f"unix:{address}"
        host = address[0]
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{address[1]}"

    def _base_environ(self) -> dict[str, Any]:
        address = self.socket.getsockname()
        if isinstance(address, tuple):
            name, port = self.server_name or address[0], str(address[1])
        else:
            name, port = self.server_name or "localhost", "80"
        return {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if self.ssl_context else "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "wsgi.file_wrapper": FileWrapper,
            "SERVER_SOFTWARE": "kettle",
            "SERVER_NAME": name,
            "SERVER_PORT": port,
            "SCRIPT_NAME": "",
        }

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Server:
        """Serve on background threads; returns once the socket is listening."""
        with self._lock:
            if self._engine is not None:
                raise RuntimeError("this server was already started")
            header, keepalive, body, send = self.timeouts
            self._engine = Engine(
                self.app,
                [self.socket],
                threads=self.threads,
                limits=self.limits,
                header_timeout=header,
                keepalive_timeout=keepalive,
                body_timeout=body,
                min_body_rate=self.min_body_rate,
                send_timeout=send,
                max_buffered_body=self.max_buffered_body,
                base_environ=self._base_environ(),
                ssl_context=self.ssl_context,
                access_log=self.access_log,
                cpu=resolve_cpu(self.cpu_affinity),
                follow_load=self.follow_load,
                compute_threads=self.compute_threads,
                batch_responses=self.batch_responses,
            )
            self._engine.start()
        return self

    def stop(self, grace: float = 10.0) -> None:
        """Stop accepting, finish in-flight requests within ``grace`` seconds, close all."""
        with self._lock:
            engine = self._engine
        if engine is not None:
            engine.stop(grace)
        else:
            self.socket.close()

    def stop_accepting(self) -> None:
        """Accept no new connection (the socket stays open for other processes sharing
        it); those already accepted are served. ``stop()`` still ends the server."""
        with self._lock:
            engine = self._engine
        if engine is not None:
            engine.stop_accepting()

    def connection_count(self) -> int:
        """Connections open now (idle keep-alive ones included, taken-over ones not)."""
        engine = self._engine
        return len(engine.conns) if engine is not None else 0

    def set_accept_gate(self, gate: Callable[[], bool] | None) -> None:
        """Ask ``gate()`` before accepting; False leaves a ready connection to another
        process sharing the socket (a worker of ``kettle.server.workers``)."""
        with self._lock:
            engine = self._engine
        if engine is None:
            raise RuntimeError("start the server first")
        engine.accept_gate = gate

    def __enter__(self) -> Server:
        return self.start() if self._engine is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self, grace: float = 10.0, on_start: Any = None) -> None:
        """Start, then block until SIGINT or SIGTERM (main thread only), then stop.

        ``on_start``, if given, is called with the started server (to print its URL).
        """
        require_main_thread()
        stopping = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        try:
            with signals_to_pipe(on_signal, (signal.SIGINT, signal.SIGTERM)) as (wake_r, _):
                self.start()
                if on_start is not None:
                    on_start(self)
                while not stopping.is_set():
                    os.read(wake_r, 512)  # a signal's byte; ``on_signal`` runs before the test
        finally:
            self.stop(grace)  # with the previous handlers back: a second Ctrl+C cuts it short
