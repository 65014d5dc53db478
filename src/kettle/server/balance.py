"""Spreading connections over the worker processes that share one listening socket.

Owns ``WorkerLoads``: a small table in shared memory (an anonymous shared ``mmap`` the
master creates before it forks) where every serving worker publishes how many connections
it holds, with a timestamp. Every worker is woken when a connection arrives, and the first
to call ``accept`` gets it, which on a busy machine is often the same process for a whole
burst: keep-alive connections (a proxy's pool, a load generator) would then stick to one
worker while the others idle. Rules kept:

- A worker accepts when it holds no more than the least loaded live sibling plus a slack
  (``2 + lowest // 8``); otherwise it leaves the connection to that sibling. The least
  loaded worker always accepts, so some worker always does.
- A slot whose timestamp is older than ``STALE`` seconds is ignored: a hung or stopped
  worker (which stops publishing) never makes its siblings wait for it. Workers publish on
  every accept decision and every heartbeat.
- The master clears a slot (``-1``) when its worker retires or exits; a worker clears its
  own when it stops accepting. Slots are per process, not per worker number, so an old
  and a new worker of the same number (during a reload) do not mix their counts.
"""

from __future__ import annotations

import mmap
import struct
import time

CAPACITY = 64
STALE = 1.0
_SLOT = struct.Struct("=qq")  # connections (-1: free), monotonic milliseconds
_TABLE = struct.Struct("=" + "qq" * CAPACITY)


def _now_ms() -> int:
    return int(time.monotonic() * 1000)


class WorkerLoads:
    """The shared table; create it in the master before forking."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _TABLE.size)
        for slot in range(CAPACITY):
            self.clear(slot)

    def clear(self, slot: int) -> None:
        if 0 <= slot < CAPACITY:
            _SLOT.pack_into(self._memory, slot * _SLOT.size, -1, 0)

    def publish(self, slot: int, connections: int) -> None:
        if 0 <= slot < CAPACITY:
            _SLOT.pack_into(self._memory, slot * _SLOT.size, connections, _now_ms())

    def may_accept(self, slot: int, connections: int) -> bool:
        """Publish ``connections`` for ``slot``; True when this worker should accept."""
        if not 0 <= slot < CAPACITY:
            return True
        now = _now_ms()
        _SLOT.pack_into(self._memory, slot * _SLOT.size, connections, now)
        table = _TABLE.unpack_from(self._memory)
        oldest = now - int(STALE * 1000)
        lowest = -1
        for other in range(CAPACITY):
            count, stamp = table[2 * other], table[2 * other + 1]
            live = other != slot and count >= 0 and stamp >= oldest
            if live and (lowest < 0 or count < lowest):
                lowest = count
        return lowest < 0 or connections <= lowest + 2 + lowest // 8

    def close(self) -> None:
        self._memory.close()
