"""The master's local bus (``kettle.server.bus``) on real Unix sockets, in one process: the
hello frame, every frame relayed to every peer (sender included) in one order, the frame
size limit, drop-oldest for a peer that does not read, and ``LocalBusBroadcast`` (the
worker side in ``kettle.realtime``) on top of it."""

from __future__ import annotations

import select
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kettle.realtime.localbus import LocalBusBroadcast, decode_payload, encode_frame
from kettle.server import bus
from kettle.server.bus import BusRelay

TIMEOUT = 5.0


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[BusRelay]:
    """A relay driven by a thread the way the master's loop drives it."""
    running = BusRelay(str(tmp_path / "bus.sock"))
    stop = threading.Event()

    def drive() -> None:
        while not stop.is_set():
            poller = select.poll()
            for fd, wants_write in running.fds():
                poller.register(fd, select.POLLIN | (select.POLLOUT if wants_write else 0))
            for fd, mask in poller.poll(20):
                if mask & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    running.readable(fd)
                if mask & select.POLLOUT:
                    running.writable(fd)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    yield running
    stop.set()
    thread.join(TIMEOUT)
    running.close()
    assert not Path(running.path).exists()


def join(relay: BusRelay) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.connect(relay.path)
    assert read_frame(sock) == b""  # the hello
    return sock


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "the relay closed the connection"
        data += chunk
    return data


def read_frame(sock: socket.socket) -> bytes:
    (length,) = struct.unpack(">I", read_exactly(sock, 4))
    return read_exactly(sock, length)


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def test_every_frame_reaches_every_peer_in_one_order(relay: BusRelay) -> None:
    a, b, c = join(relay), join(relay), join(relay)
    a.sendall(frame(b"one") + frame(b"two")[:5])  # the second frame arrives in pieces
    b.sendall(frame(b""))
    a.sendall(frame(b"two")[5:])
    for peer in (a, b, c):
        got = [read_frame(peer) for _ in range(3)]
        assert sorted(got) == [b"", b"one", b"two"] and got.index(b"one") < got.index(b"two")
    orders = []
    for peer in (a, b, c):
        peer.sendall(frame(b"x"))
    for peer in (a, b, c):
        orders.append([read_frame(peer) for _ in range(3)])
    assert orders == [[b"x"] * 3] * 3
    for peer in (a, b, c):
        peer.close()


def test_a_frame_over_the_limit_ends_that_peer_only(relay: BusRelay) -> None:
    good, bad = join(relay), join(relay)
    bad.sendall(struct.pack(">I", bus.MAX_FRAME + 1))
    assert bad.recv(10) == b""
    good.sendall(frame(b"still here"))
    assert read_frame(good) == b"still here"
    good.close()
    bad.close()


def test_a_peer_that_does_not_read_loses_its_oldest_frames(
    relay: BusRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bus, "MAX_PENDING", 4)
    sender, sleeper = join(relay), join(relay)
    big = 64 * 1024
    count = 40  # 2.5 MiB: far more than the socket buffers hold
    for number in range(count):
        sender.sendall(frame(number.to_bytes(2, "big") + b"x" * big))
        assert int.from_bytes(read_frame(sender)[:2], "big") == number  # never held up
    received = []
    while True:
        number = int.from_bytes(read_frame(sleeper)[:2], "big")
        received.append(number)
        if number == count - 1:
            break
    assert received == sorted(received) and len(received) < count
    # The newest frames are kept: MAX_PENDING of them, less the one that was part-written
    # when the buffer filled (it must be finished to keep the framing).
    assert received[-3:] == list(range(count - 3, count))
    sender.close()
    sleeper.close()


def test_local_bus_broadcast_between_two_processes_worth_of_backends(relay: BusRelay) -> None:
    first, second = LocalBusBroadcast(relay.path), LocalBusBroadcast(relay.path)
    try:
        with first.subscribe("news") as mine, second.subscribe("news") as theirs:
            second.subscribe("other")
            first.publish("news", "héllo")
            second.publish("news", "again")
            assert [mine.get(TIMEOUT), mine.get(TIMEOUT)] == ["héllo", "again"]
            assert [theirs.get(TIMEOUT), theirs.get(TIMEOUT)] == ["héllo", "again"]
    finally:
        first.close()
        second.close()
    with pytest.raises(ConnectionError):
        first.publish("news", "after close")


def test_joining_a_bus_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectionError) as info:
        LocalBusBroadcast(str(tmp_path / "none.sock"))
    assert str(info.value).startswith(f"cannot join the broadcast bus at {tmp_path}/none.sock:")


def test_frame_encoding() -> None:
    data = encode_frame("room:1", "a\nb")
    assert data == b"\x00\x00\x00\x0d\x00\x00\x00\x06room:1a\nb"
    assert decode_payload(data[4:]) == ("room:1", "a\nb")
