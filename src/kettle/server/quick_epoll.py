"""epoll calls that cannot wait, made without releasing the GIL.

Owns the engine's two quick epoll calls: re-arming a connection (``modify``, epoll_ctl,
once per request) and reading the events already waiting when the selector's watch fires
(``events_now``, epoll_wait with a timeout of 0). Releasing the GIL for a call that
returns at once hands the interpreter to another thread and costs a thread switch to get
it back. Rules kept:

- libc is called through ``ctypes.PyDLL`` (the GIL stays held) only on little-endian
  Linux, where the layout of ``struct epoll_event`` is known (packed on x86-64, as the
  kernel's header declares it); elsewhere the ``select.epoll`` methods are used.
- ``events_now`` never blocks; a blocking wait goes through ``select.epoll.poll``, which
  releases the GIL.
- Each thread reads events into its own buffer.
"""

from __future__ import annotations

import ctypes
import platform
import select
import struct
import sys
import threading
from typing import Any

from .connection import gil_holding_libc

EPOLL_EVENT = struct.Struct("=IQ" if platform.machine() in ("x86_64", "AMD64") else "@IQ")
EPOLL_CTL_MOD = 3


def _libc(name: str, argtypes: tuple[Any, ...], *, errno: bool = True) -> Any:
    if sys.byteorder != "little" or not sys.platform.startswith("linux"):
        return None
    return gil_holding_libc(name, argtypes, ctypes.c_int, errno=errno)


_CTL_ARGUMENTS = (ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)
epoll_ctl = _libc("epoll_ctl", _CTL_ARGUMENTS)
# The same without errno kept, for re-arming a connection (``Engine.park``), which only
# asks whether the call worked.
epoll_ctl_quiet = _libc("epoll_ctl", _CTL_ARGUMENTS, errno=False)
epoll_wait = _libc("epoll_wait", (ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int))
_buffers = threading.local()


def packed_event(mask: int, fd: int) -> bytes:
    """The ``struct epoll_event`` for ``fd``: data.fd is the low half of the 64-bit data
    field (little-endian)."""
    return EPOLL_EVENT.pack(mask, fd)


def modify(epoll: select.epoll, fd: int, mask: int, event: bytes = b"") -> None:
    """``epoll.modify(fd, mask)``; ``event`` is ``packed_event(mask, fd)`` if the caller
    keeps one. Raises OSError or ValueError as ``epoll.modify`` does."""
    if epoll_ctl is None or epoll.closed:
        epoll.modify(fd, mask)
        return
    if epoll_ctl(epoll.fileno(), EPOLL_CTL_MOD, fd, event or EPOLL_EVENT.pack(mask, fd)):
        raise OSError(ctypes.get_errno(), "epoll_ctl failed")


def events_now(epoll: select.epoll, most: int) -> list[tuple[int, int]]:
    """Up to ``most`` (fd, mask) events already waiting in ``epoll``; none if there are
    none (or it is closed)."""
    if epoll_wait is None:
        try:
            return epoll.poll(0, most)
        except (OSError, ValueError):
            return []
    if epoll.closed:
        return []
    size = EPOLL_EVENT.size
    try:
        buffer = _buffers.events
    except AttributeError:
        buffer = _buffers.events = ctypes.create_string_buffer(size * 64)
    count = epoll_wait(epoll.fileno(), buffer, min(most, 64), 0)
    unpack = EPOLL_EVENT.unpack_from
    events = []
    for index in range(count):  # -1 (an error) reads as no events
        mask, data = unpack(buffer, index * size)
        events.append((data & 0xFFFFFFFF, mask))  # data.fd: the low 32 bits
    return events
