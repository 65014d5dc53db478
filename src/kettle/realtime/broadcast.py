"""Broadcast: named channels that any request, event stream or WebSocket handler can
publish to and subscribe to, on the backend the deployment chose.

Rules:
- The default backend is in-memory (:class:`MemoryBroadcast`, one process). In a worker
  of ``kettle serve --workers N`` (the master names its relay in ``KETTLE_BROADCAST_BUS``)
  the default is the local bus (:class:`LocalBusBroadcast`): every worker of that master
  shares the channels, no Redis needed.
- ``KETTLE_BROADCAST_URL=redis://host:port/db`` selects Redis pub/sub
  (:class:`RedisBroadcast`) so processes and machines share channels; ``memory://`` forces
  the in-memory backend (each worker on its own).
- Every backend keeps the slow-subscriber policy of :mod:`kettle.realtime.channels`:
  bounded per-subscriber queues, the oldest message dropped and counted when one is full,
  so a publisher never waits for a reader.
"""

from __future__ import annotations

import os
import threading

from .channels import (
    DEFAULT_MAXSIZE,
    Broadcast,
    MemoryBroadcast,
    Subscription,
    SubscriptionClosed,
)
from .localbus import LocalBusBroadcast
from .redis_broadcast import RedisBroadcast

__all__ = [
    "BUS_ENV",
    "Broadcast",
    "LocalBusBroadcast",
    "MemoryBroadcast",
    "RedisBroadcast",
    "Subscription",
    "SubscriptionClosed",
    "broadcast_from_url",
    "get_broadcast",
    "publish",
    "set_broadcast",
    "subscribe",
]


# Set by the worker master (``kettle.server.workers``) in its workers' environment.
BUS_ENV = "KETTLE_BROADCAST_BUS"


def broadcast_from_url(url: str | None, bus: str | None = None) -> Broadcast:
    """A backend for ``url``: ``redis://``, ``rediss://`` or ``unix://`` selects Redis;
    ``memory://`` the in-memory one; ``""`` or ``None`` the local bus at the Unix socket
    path ``bus`` when one is given, else the in-memory one."""
    if not url:
        return LocalBusBroadcast(bus) if bus else MemoryBroadcast()
    if url == "memory://":
        return MemoryBroadcast()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroadcast(url)
    raise ValueError(f"unknown broadcast URL {url!r} (use redis://... or memory://)")


_default: Broadcast | None = None
_default_lock = threading.Lock()


def get_broadcast() -> Broadcast:
    """The process-wide backend, chosen from ``KETTLE_BROADCAST_URL`` (and, in a worker
    process, ``KETTLE_BROADCAST_BUS``) on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = broadcast_from_url(
                    os.environ.get("KETTLE_BROADCAST_URL"), os.environ.get(BUS_ENV)
                )
    return _default


def set_broadcast(backend: Broadcast | None) -> Broadcast | None:
    """Replace the process-wide backend (``None``: choose again on next use)."""
    global _default
    with _default_lock:
        previous, _default = _default, backend
    return previous


def publish(channel: str, message: str) -> None:
    """Publish on the process-wide backend."""
    get_broadcast().publish(channel, message)


def subscribe(channel: str, *, maxsize: int = DEFAULT_MAXSIZE) -> Subscription:
    """Subscribe on the process-wide backend."""
    return get_broadcast().subscribe(channel, maxsize=maxsize)
