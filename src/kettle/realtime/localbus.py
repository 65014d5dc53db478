"""The local-bus broadcast backend: channels shared by every worker process of one
``kettle serve --workers N`` master, with no Redis.

The master relays frames among its workers over a Unix socket and names it in
``KETTLE_BROADCAST_BUS`` (see ``DEVELOPERS.md``); this module is the worker's side.

Rules:
- The constructor connects and waits for the relay's hello (an empty frame), so a message
  any worker publishes after ``subscribe()`` returns here is never missed.
- ``publish`` goes through the relay even for this process's subscribers (the relay sends
  every frame back to its sender too), so every worker sees one order per channel. A
  broken bus reaches the caller of ``publish`` as ``ConnectionError``.
- One listener thread per backend reads the bus and fans each message out to this
  process's subscribers through a :class:`MemoryBroadcast`: the same bounded queues and
  drop-oldest policy as in one process. The relay itself drops a slow worker's oldest
  frames rather than wait for it.
- Frame payload: a 4-byte big-endian length of the UTF-8 channel name, the name, then the
  UTF-8 message.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading

from .channels import DEFAULT_MAXSIZE, MemoryBroadcast, Sink, Subscription, check_message

__all__ = ["LocalBusBroadcast"]

log = logging.getLogger("kettle.realtime")

_LENGTH = struct.Struct(">I")


def encode_frame(channel: str, message: str) -> bytes:
    name = channel.encode("utf-8")
    body = message.encode("utf-8", "surrogatepass")
    payload_length = 4 + len(name) + len(body)
    return b"".join((_LENGTH.pack(payload_length), _LENGTH.pack(len(name)), name, body))


def decode_payload(payload: bytes) -> tuple[str, str]:
    (name_length,) = _LENGTH.unpack_from(payload)
    name = payload[4 : 4 + name_length].decode("utf-8")
    return name, payload[4 + name_length :].decode("utf-8", "surrogatepass")


class LocalBusBroadcast:
    """Broadcast through the worker master's relay at the Unix socket ``path``."""

    def __init__(self, path: str, *, connect_timeout: float = 5.0) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(connect_timeout)
        try:
            self._sock.connect(path)
            self._buffer = bytearray()
            if self._read_frame() != b"":
                raise ConnectionError(f"the broadcast bus at {path} sent no hello")
        except (OSError, ValueError) as exc:
            self._sock.close()
            raise ConnectionError(f"cannot join the broadcast bus at {path}: {exc}") from exc
        self._sock.settimeout(None)
        self._send_lock = threading.Lock()
        self._local = MemoryBroadcast()
        self._closed = False
        self._thread = threading.Thread(
            target=self._listen, name="kettle-localbus-broadcast", daemon=True
        )
        self._thread.start()

    def _read_frame(self) -> bytes | None:
        """The next payload from the bus; ``None`` at its end."""
        buffer = self._buffer
        while True:
            if len(buffer) >= 4:
                (length,) = _LENGTH.unpack_from(buffer)
                if len(buffer) >= 4 + length:
                    payload = bytes(buffer[4 : 4 + length])
                    del buffer[: 4 + length]
                    return payload
            data = self._sock.recv(1 << 16)
            if not data:
                return None
            buffer += data

    def publish(self, channel: str, message: str) -> None:
        check_message(channel, message)
        frame = encode_frame(channel, message)
        try:
            with self._send_lock:
                self._sock.sendall(frame)
        except OSError as exc:
            raise ConnectionError(f"the broadcast bus at {self.path} is gone: {exc}") from exc

    def subscribe(self, channel: str, *, maxsize: int = DEFAULT_MAXSIZE) -> Subscription:
        return self._local.subscribe(channel, maxsize=maxsize)

    def attach(self, sink: Sink) -> None:
        self._local.attach(sink)

    def detach(self, sink: Sink) -> None:
        self._local.detach(sink)

    def _listen(self) -> None:
        while True:
            try:
                payload = self._read_frame()
            except OSError:
                payload = None
            if payload is None:
                if not self._closed:
                    log.warning("the broadcast bus at %s closed; no more messages", self.path)
                return
            try:
                channel, message = decode_payload(payload)
            except (UnicodeDecodeError, struct.error):
                log.warning("dropped a malformed frame from the broadcast bus")
                continue
            self._local.deliver(channel, message)

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(timeout=2)
        self._sock.close()
        self._local.close()
