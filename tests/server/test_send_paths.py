"""The GIL-holding paths on real sockets: Connection.sendall (small sends), recv_nowait, and
Engine.park's re-arm."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from kettle.server.connection import Connection
from kettle.server.engine import _ARM, Engine
from kettle.server.environ import ClientDisconnected
from kettle.server.protocol import Limits
from kettle.server.quick_epoll import epoll_ctl_quiet as _epoll_ctl


def make_conn(sock: socket.socket) -> Connection:
    engine: Any = SimpleNamespace(limits=Limits(), access_log=False, batch_responses=False)
    return Connection(sock, {}, engine, False)


def read_exactly(sock: socket.socket, size: int, out: list[bytes]) -> None:
    got = b""
    while len(got) < size:
        piece = sock.recv(65536)
        if not piece:
            break
        got += piece
    out.append(got)


def test_small_send_is_whole_and_ordered() -> None:
    left, right = socket.socketpair()
    left.settimeout(5)
    right.settimeout(5)
    with left, right:
        conn = make_conn(left)
        for n in range(50):
            conn.sendall(b"%03d;" % n)
        expected = b"".join(b"%03d;" % n for n in range(50))
        out: list[bytes] = []
        read_exactly(right, len(expected), out)
        assert out == [expected]


def test_full_buffer_falls_back_to_the_blocking_send() -> None:
    # A tiny send buffer and a reader that starts late: the non-blocking send is partial
    # (or would block) and the rest must still arrive, complete and in order.
    left, right = socket.socketpair()
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    right.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    left.settimeout(5)
    right.settimeout(5)
    payload = bytes(range(256)) * 200  # 51,200 bytes: the small-send path
    with left, right:
        conn = make_conn(left)
        out: list[bytes] = []

        def late_reader() -> None:
            started.wait(5)
            time.sleep(0.2)  # let the non-blocking send find the buffer full
            read_exactly(right, len(payload), out)

        started = threading.Event()
        reader = threading.Thread(target=late_reader)
        reader.start()
        started.set()
        conn.sendall(payload)
        reader.join(10)
        assert out == [payload]


def test_send_to_a_closed_peer_is_client_disconnected() -> None:
    left, right = socket.socketpair()
    left.settimeout(5)
    right.close()
    with left:
        conn = make_conn(left)
        with pytest.raises(ClientDisconnected, match="sending the response failed"):
            conn.sendall(b"hello")


def test_park_rearms_a_one_shot_registration() -> None:
    assert _epoll_ctl is not None  # Linux, little-endian: the GIL-holding path is in use
    left, right = socket.socketpair()
    with left, right:
        engine: Any = Engine.__new__(Engine)
        engine.draining = False
        engine._epoll = select.epoll()
        engine._epoll_fd = engine._epoll.fileno()
        conn = make_conn(left)
        try:
            engine._epoll.register(conn.fd, _ARM)
            right.sendall(b"a")
            assert engine._epoll.poll(2) == [(conn.fd, select.EPOLLIN)]
            assert engine._epoll.poll(0) == []  # one-shot: disarmed
            Engine.park(engine, conn)
            assert conn.parked
            assert engine._epoll.poll(2) == [(conn.fd, select.EPOLLIN)]  # data still there
        finally:
            engine._epoll.close()


def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
    server.settimeout(5)
    return server, client


def test_recv_nowait_reports_data_nothing_and_end() -> None:
    server, client = _tcp_pair()
    with server, client:
        conn = make_conn(server)
        assert conn.recv_nowait() is None  # nothing sent yet: no wait, no error
        client.sendall(b"GET / HTTP/1.1\r\n")
        deadline = time.monotonic() + 5
        got = None
        while got is None and time.monotonic() < deadline:
            got = conn.recv_nowait()
        assert got == b"GET / HTTP/1.1\r\n"
        big = bytes(range(256)) * 400  # more than one read's worth arrives in pieces
        client.sendall(big)
        received = b""
        while len(received) < len(big) and time.monotonic() < deadline:
            received += conn.recv_nowait() or b""
        assert received == big
        client.shutdown(socket.SHUT_WR)
        end = None
        while end is None and time.monotonic() < deadline:
            end = conn.recv_nowait()
        assert end == b""


def test_recv_nowait_raises_on_a_reset_connection() -> None:
    server, client = _tcp_pair()
    with server:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        client.close()  # linger 0: the peer answers with RST
        conn = make_conn(server)
        deadline = time.monotonic() + 5
        with pytest.raises(ConnectionResetError):
            while time.monotonic() < deadline:
                conn.recv_nowait()
                time.sleep(0.01)


class _Selector:
    """The engine calls ``on_readable`` makes, recorded."""

    def __init__(self) -> None:
        self.limits = Limits()
        self.access_log = False
        self.keepalive_timeout = 5.0
        self.header_timeout = 5.0
        self.batch_responses = False
        self.calls: list[str] = []

    def dispatch(self, conn: Connection) -> None:
        self.calls.append("dispatch")

    def park(self, conn: Connection) -> None:
        self.calls.append("park")

    def forget(self, conn: Connection, *, unregister: bool) -> None:
        self.calls.append("close")


def _readable(conn: Connection, engine: _Selector, until: str) -> None:
    """Call ``on_readable`` as the selector does until it answers ``until``."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        engine.calls.clear()
        conn.on_readable()
        if engine.calls[-1] == until:
            return
        time.sleep(0.01)
    raise AssertionError(f"on_readable never answered {until}: {engine.calls}")


def test_on_readable_parks_dispatches_and_closes_on_a_plain_socket() -> None:
    server, client = _tcp_pair()
    with server, client:
        engine = _Selector()
        conn = Connection(server, {}, engine, False)  # type: ignore[arg-type]
        conn.on_readable()
        assert engine.calls == ["park"]  # nothing arrived yet
        client.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n")
        _readable(conn, engine, "park")  # half a head: parked with the header timeout
        assert conn.reader.head_started
        client.sendall(b"\r\n")
        _readable(conn, engine, "dispatch")
        assert [type(event).__name__ for event in conn.reader.events] == [
            "Request",
            "EndOfMessage",
        ]
        assert conn.reader.events[0].target == b"/a"  # type: ignore[union-attr]
        conn.reader.events.clear()  # (served)
        client.shutdown(socket.SHUT_WR)
        _readable(conn, engine, "close")  # end of stream between requests
        assert engine.calls == ["close"]


def test_on_readable_closes_a_reset_connection() -> None:
    server, client = _tcp_pair()
    with server:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        client.close()  # linger 0: the peer answers with RST
        engine = _Selector()
        conn = Connection(server, {}, engine, False)  # type: ignore[arg-type]
        _readable(conn, engine, "close")
        assert engine.calls == ["close"]
        assert conn.fd == -1


def _parking_engine() -> Any:
    """An Engine with only what parking a connection needs: its epoll set, open."""
    engine: Any = Engine.__new__(Engine)
    engine.draining = False
    engine.conns = {}
    engine.app = None
    engine.direct = None
    engine.keepalive_timeout = 5.0
    engine.limits = Limits()
    engine.access_log = False
    engine.batch_responses = False
    engine._epoll = select.epoll()
    engine._epoll_fd = engine._epoll.fileno()
    return engine


@contextlib.contextmanager
def _armed_conn() -> Iterator[tuple[Any, Connection, socket.socket]]:
    """A ``_parking_engine``, a connection armed in its epoll set, and the client's end."""
    assert _epoll_ctl is not None
    left, right = socket.socketpair()
    engine = _parking_engine()
    with left, right:
        try:
            conn = Connection(left, {}, engine, False)
            engine.conns[conn.fd] = conn
            engine._epoll.register(conn.fd, _ARM)
            yield engine, conn, right
        finally:
            engine._epoll.close()


def test_serve_ready_parks_through_the_rearm_the_engine_made() -> None:
    # Between requests a connection re-arms itself with the call Engine.park bound for it
    # on its first park; each re-arm lets exactly one more event through.
    with _armed_conn() as (engine, conn, right):
        right.sendall(b"a")
        assert engine._epoll.poll(2) == [(conn.fd, select.EPOLLIN)]
        assert conn.rearm is None
        conn.serve_ready()  # nothing queued: parked through Engine.park
        assert conn.rearm is not None
        assert conn.parked
        assert engine._epoll.poll(2) == [(conn.fd, select.EPOLLIN)]
        assert engine._epoll.poll(0) == []  # one-shot: disarmed again
        rearm = conn.rearm
        conn.parked = False
        before = time.monotonic()
        conn.serve_ready()  # parked through the connection's own re-arm
        assert conn.rearm is rearm
        assert conn.parked
        assert before + 5.0 <= conn.deadline <= time.monotonic() + 5.0
        assert engine._epoll.poll(2) == [(conn.fd, select.EPOLLIN)]
        assert engine._epoll.poll(0) == []
        conn.close()
        assert conn.rearm is None  # its descriptor number may be reused
        assert conn.fd == -1


def test_serve_ready_closes_when_the_rearm_fails() -> None:
    with _armed_conn() as (engine, conn, _client):
        conn.serve_ready()
        assert conn.parked and conn.rearm is not None
        engine._epoll.unregister(conn.fd)  # re-arming now fails (ENOENT)
        conn.parked = False
        conn.serve_ready()
        assert not conn.parked
        assert conn.fd == -1 and conn.rearm is None
        assert engine.conns == {}


def test_serve_ready_of_a_draining_engine_closes_instead_of_parking() -> None:
    with _armed_conn() as (engine, conn, right):
        conn.serve_ready()
        assert conn.rearm is not None
        conn.parked = False
        engine.draining = True
        conn.serve_ready()
        assert not conn.parked
        assert conn.fd == -1
        assert right.recv(10) == b""  # closed: end of stream for the client


def test_a_held_response_is_sent_without_waiting_when_asked() -> None:
    # The selector sends held responses with wait=False: a client that does not read
    # (its socket full) keeps its response held for a later try, and never blocks it.
    with _armed_conn() as (_engine, conn, client):
        conn.sock.setblocking(False)
        try:
            while True:
                conn.sock.send(b"f" * 65536)
        except BlockingIOError:
            pass  # the socket takes nothing more until the client reads
        conn.sock.setblocking(True)
        response = b"r" * 1000
        conn.held = response
        assert conn.release_held(wait=False) is False
        assert conn.held == response and not conn.parked
        client.setblocking(False)
        received = b""
        try:
            while True:
                received += client.recv(1 << 20)
        except BlockingIOError:
            pass
        assert conn.release_held(wait=False) is True
        assert conn.held is None and conn.parked  # sent whole, then parked between requests
        client.setblocking(True)
        client.settimeout(2)
        while not received.endswith(response):
            received += client.recv(1 << 20)
        assert received == received.rstrip(b"r") + response
