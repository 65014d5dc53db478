"""Broadcast: named channels that any request, event stream or WebSocket handler can
publish to and subscribe to, on the backend the deployment chose.

Rules:
- The default backend is in-memory (:class:`MemoryBroadcast`, one process).
  ``KETTLE_BROADCAST_URL=redis://host:port/db`` selects Redis pub/sub
  (:class:`RedisBroadcast`) so processes and machines share channels; ``memory://`` or no
  value keeps it in-memory.
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
from .redis_broadcast import RedisBroadcast

__all__ = [
    "Broadcast",
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


def broadcast_from_url(url: str | None) -> Broadcast:
    """A backend for ``url``: ``redis://``, ``rediss://`` or ``unix://`` selects Redis;
    ``memory://``, ``""`` or ``None`` the in-memory one."""
    if not url or url == "memory://":
        return MemoryBroadcast()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroadcast(url)
    raise ValueError(f"unknown broadcast URL {url!r} (use redis://... or memory://)")


_default: Broadcast | None = None
_default_lock = threading.Lock()


def get_broadcast() -> Broadcast:
    """The process-wide backend, chosen from ``KETTLE_BROADCAST_URL`` on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = broadcast_from_url(os.environ.get("KETTLE_BROADCAST_URL"))
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
