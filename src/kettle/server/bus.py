"""The local bus: a frame relay the worker master runs so worker processes can talk.

Owns the master's side of the bus. Workers (``kettle.realtime.localbus``) connect to a
Unix socket, and every frame one of them sends is relayed to all of them (the sender
included, so every worker sees one order of frames). The relay never looks inside a
frame: it is how broadcast channels reach every worker of one master without Redis.

Rules kept:

- Wire format, both ways: a 4-byte big-endian length, then that many payload bytes. A
  frame longer than ``MAX_FRAME`` ends that peer's connection (logged).
- After a peer is registered the relay sends it one empty frame (the hello): a worker that
  waited for it misses no frame sent by any worker afterwards.
- The relay never blocks on a peer: it sends without blocking, and keeps at most
  ``MAX_PENDING`` frames per peer; past that the *oldest* queued frame is dropped and
  counted (the drop-oldest policy of the broadcast channels), and a warning is logged.
- It is driven by the master's selector: ``fds()`` lists what to watch, ``readable`` /
  ``writable`` handle events. No threads.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
from collections import deque

log = logging.getLogger("kettle.server")

_LENGTH = struct.Struct(">I")
MAX_FRAME = 16 << 20
MAX_PENDING = 10_000
_HELLO = _LENGTH.pack(0)


class _Peer:
    """One connected worker: its socket, unparsed input and frames waiting to go out."""

    __slots__ = ("dropped", "inbox", "outbox", "sent", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = bytearray()
        self.outbox: deque[bytes] = deque([_HELLO])
        self.sent = 0  # bytes of outbox[0] already written
        self.dropped = 0


class BusRelay:
    """Relays frames between the peers connected to a Unix socket at ``path``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        os.chmod(path, 0o600)
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.peers: dict[int, _Peer] = {}

    def fds(self) -> list[tuple[int, bool]]:
        """``(fd, wants_write)`` for the listener and every peer."""
        watched = [(self.listener.fileno(), False)]
        watched.extend((fd, bool(peer.outbox)) for fd, peer in self.peers.items())
        return watched

    def owns(self, fd: int) -> bool:
        return fd == self.listener.fileno() or fd in self.peers

    def readable(self, fd: int) -> None:
        if fd == self.listener.fileno():
            self._accept()
            return
        peer = self.peers.get(fd)
        if peer is None:
            return
        try:
            data = peer.sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop_peer(fd)
            return
        peer.inbox += data
        self._relay_frames(fd, peer)

    def writable(self, fd: int) -> None:
        peer = self.peers.get(fd)
        if peer is not None:
            self._flush(fd, peer)

    def forget(self) -> None:
        """Close this process's copies of the sockets, leaving the socket file (a forked
        worker calls this: the bus stays the master's)."""
        for peer in self.peers.values():
            peer.sock.close()
        self.peers.clear()
        self.listener.close()

    def close(self) -> None:
        for fd in list(self.peers):
            self._drop_peer(fd)
        self.listener.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    # -- internals ------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("bus: accept failed: %s", exc)
                return
            sock.setblocking(False)
            peer = _Peer(sock)
            self.peers[sock.fileno()] = peer
            self._flush(sock.fileno(), peer)

    def _relay_frames(self, fd: int, peer: _Peer) -> None:
        inbox = peer.inbox
        start = 0
        while len(inbox) - start >= 4:
            (length,) = _LENGTH.unpack_from(inbox, start)
            if length > MAX_FRAME:
                log.warning("bus: a worker sent a %d-byte frame (limit %d)", length, MAX_FRAME)
                self._drop_peer(fd)
                return
            end = start + 4 + length
            if len(inbox) < end:
                break
            frame = bytes(inbox[start:end])
            start = end
            for other_fd, other in list(self.peers.items()):
                self._queue(other_fd, other, frame)
        del inbox[:start]

    def _queue(self, fd: int, peer: _Peer, frame: bytes) -> None:
        outbox = peer.outbox
        if len(outbox) >= MAX_PENDING:
            # Drop the oldest frame that has not started going out (a partly written one
            # must be finished, or the stream would lose its framing).
            index = 1 if peer.sent else 0
            if len(outbox) > index:
                del outbox[index]
                peer.dropped += 1
                if peer.dropped in (1, 10, 100) or peer.dropped % 1000 == 0:
                    log.warning("bus: a worker is slow, %d frame(s) dropped", peer.dropped)
        outbox.append(frame)
        self._flush(fd, peer)

    def _flush(self, fd: int, peer: _Peer) -> None:
        outbox = peer.outbox
        while outbox:
            head = outbox[0]
            try:
                written = peer.sock.send(memoryview(head)[peer.sent :])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._drop_peer(fd)
                return
            peer.sent += written
            if peer.sent < len(head):
                return
            outbox.popleft()
            peer.sent = 0

    def _drop_peer(self, fd: int) -> None:
        peer = self.peers.pop(fd, None)
        if peer is not None:
            peer.sock.close()
