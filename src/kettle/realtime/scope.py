"""Cancellation for blocking waits inside a long-lived response.

A Server-Sent Events generator or a WebSocket handler usually spends its life blocked:
waiting for the next broadcast message, or sleeping until the next tick. When the client
goes away the reactor notices at once, but it cannot raise inside another thread. So the
thread that serves the connection binds a :class:`CancelScope`, and the waits that
``kettle.realtime`` offers (:meth:`Subscription.get`, :func:`sleep`) register with the
current scope: cancelling it wakes them and they raise :class:`Disconnected`. The
exception unwinds the user's generator, so its ``finally`` blocks run and the server
thread is freed.

Rules: a scope is bound to one thread at a time (a thread-local); cancelling is
idempotent and thread-safe; a waiter registered on an already cancelled scope is woken
immediately.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Disconnected(ConnectionError):
    """The client of the current stream or WebSocket went away while we were waiting."""


class CancelScope:
    """A flag plus the wake-up callbacks of whoever is currently waiting under it."""

    __slots__ = ("_lock", "_waiters", "cancelled", "error")

    def __init__(self, error: Callable[[], Disconnected] | None = None) -> None:
        self.cancelled = False
        self.error = error
        self._lock = threading.Lock()
        self._waiters: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake()

    def add_waiter(self, wake: Callable[[], None]) -> None:
        with self._lock:
            if not self.cancelled:
                self._waiters.append(wake)
                return
        wake()

    def remove_waiter(self, wake: Callable[[], None]) -> None:
        with self._lock:
            if wake in self._waiters:
                self._waiters.remove(wake)

    def check(self) -> None:
        """Raise the scope's error (``Disconnected`` unless given) if it was cancelled."""
        if self.cancelled:
            if self.error is not None:
                raise self.error()
            raise Disconnected("the client disconnected")


_local = threading.local()


def current_scope() -> CancelScope | None:
    """The scope bound to this thread, if a stream or WebSocket is being served on it."""
    scope: CancelScope | None = getattr(_local, "scope", None)
    return scope


def bind_scope(scope: CancelScope | None) -> CancelScope | None:
    """Bind ``scope`` to this thread; return the previously bound one."""
    previous = current_scope()
    _local.scope = scope
    return previous


@contextmanager
def bound(scope: CancelScope) -> Iterator[CancelScope]:
    previous = bind_scope(scope)
    try:
        yield scope
    finally:
        bind_scope(previous)


def sleep(seconds: float) -> None:
    """Sleep like :func:`time.sleep`, but raise :class:`Disconnected` as soon as the client
    of the current stream or WebSocket goes away."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    scope = current_scope()
    if scope is None:
        threading.Event().wait(seconds)
        return
    event = threading.Event()
    scope.add_waiter(event.set)
    try:
        event.wait(seconds)
    finally:
        scope.remove_waiter(event.set)
    scope.check()
