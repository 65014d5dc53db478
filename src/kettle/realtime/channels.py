"""In-process channels: :class:`Subscription` (a bounded queue) and
:class:`MemoryBroadcast` (the fan-out), shared by every broadcast backend.

Rules:
- Messages are ``str``. ``publish`` never blocks on a subscriber: each subscription has a
  bounded queue (``maxsize``, default 1,000); when a subscriber falls that far behind, the
  *oldest* queued message is dropped and counted in :attr:`Subscription.dropped`. A slow
  reader therefore sees the newest state and can tell it missed some (for example to
  reload the full page); the publisher and every other subscriber are unaffected.
- Waiting in :meth:`Subscription.get` honours the current cancel scope: when the client of
  the event stream or WebSocket being served leaves, the wait raises ``Disconnected``.
- A broadcast wakes blocked subscribers one after another, not all at once
  (:class:`WakeChain`): each woken thread wakes the next before it handles its message.
  Waking a thousand threads together makes all of them wait for the GIL at once, and
  CPython's GIL waiters poll every switch interval, which burns a core on futex wake-ups
  and delays every other thread (ordinary requests included). The chain keeps the number
  of threads wanting the GIL small; a subscriber that is not blocked is never waited for.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Protocol

from .scope import current_scope

__all__ = [
    "DEFAULT_MAXSIZE",
    "Broadcast",
    "CachedEncoder",
    "ConnectionSink",
    "MemoryBroadcast",
    "Sink",
    "Subscription",
    "SubscriptionClosed",
    "WakeChain",
]

DEFAULT_MAXSIZE = 1000


class SubscriptionClosed(Exception):
    """``get`` on a subscription that was closed."""


class WakeChain:
    """Wakes blocked subscribers in turn: at most ``width`` woken threads are on their way
    to the GIL at any time; each one, once running, wakes the next in line."""

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self._lock = threading.Lock()
        self._line: deque[Subscription] = deque()
        self._running = 0

    def schedule(self, subscription: Subscription) -> None:
        """Queue a subscription whose reader is blocked; wake it now if a turn is free."""
        with self._lock:
            if self._running >= self.width:
                self._line.append(subscription)
                return
            self._running += 1
        if not subscription._wake():
            self.advance()

    def advance(self) -> None:
        """A woken reader is running (or a turn was not needed): wake the next one."""
        while True:
            with self._lock:
                if not self._line:
                    self._running -= 1
                    return
                subscription = self._line.popleft()
            if subscription._wake():
                return


_chain = WakeChain()


class Subscription:
    """One subscriber's bounded queue on one channel. Use it as a context manager."""

    def __init__(self, hub: MemoryBroadcast, channel: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.channel = channel
        self.maxsize = maxsize
        self.dropped = 0
        self.closed = False
        self._hub = hub
        self._queue: deque[str] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._interrupted = False
        # Wake-chain state, guarded by ``_ready``: readers blocked in get(), in the chain's
        # line, and woken by the chain (that reader passes the turn on).
        self._waiting = 0
        self._scheduled = False
        self._woken = False

    def deliver(self, message: str) -> None:
        """Queue ``message`` (dropping the oldest when full); never blocks on the reader."""
        with self._ready:
            if len(self._queue) >= self.maxsize:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(message)
            if not self._waiting or self._scheduled or self._woken:
                return  # nobody blocked, or a wake-up is already on its way
            self._scheduled = True
        _chain.schedule(self)

    def _wake(self) -> bool:
        """Called by the chain: wake a blocked reader; False if none is blocked now."""
        with self._ready:
            self._scheduled = False
            if not self._waiting:
                return False
            self._woken = True
            self._ready.notify()
            return True

    def _wait(self, remaining: float | None) -> None:
        """Block until notified (lock held); pass the chain's turn on if it woke us."""
        self._waiting += 1
        try:
            self._ready.wait(remaining)
        finally:
            self._waiting -= 1
            passing, self._woken = self._woken, False
        if passing:
            # Wake the next reader before handling our message. The lock is held here, and
            # advance() takes other subscriptions' locks: release ours around it.
            self._ready.release()
            try:
                _chain.advance()
            finally:
                self._ready.acquire()

    def _interrupt(self) -> None:
        with self._ready:
            self._interrupted = True
            self._ready.notify_all()

    def get(self, timeout: float | None = None) -> str:
        """The next message. Raises ``TimeoutError`` after ``timeout`` seconds,
        :class:`SubscriptionClosed` once closed, ``Disconnected`` if the client of the
        current stream leaves while waiting."""
        scope = current_scope()
        deadline = None if timeout is None else time.monotonic() + timeout
        if scope is not None:
            scope.add_waiter(self._interrupt)
        try:
            with self._ready:
                while not self._queue:
                    if self.closed:
                        raise SubscriptionClosed(f"subscription to {self.channel!r} is closed")
                    if self._interrupted:
                        self._interrupted = False
                        if scope is not None:
                            scope.check()
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise TimeoutError(f"no message on {self.channel!r} within the timeout")
                    self._wait(remaining)
                return self._queue.popleft()
        finally:
            if scope is not None:
                scope.remove_waiter(self._interrupt)

    def get_nowait(self) -> str | None:
        with self._ready:
            return self._queue.popleft() if self._queue else None

    def __iter__(self) -> Iterator[str]:
        """Messages until the subscription is closed."""
        while True:
            try:
                yield self.get()
            except SubscriptionClosed:
                return

    def close(self) -> None:
        """Unsubscribe and discard what is queued; a blocked ``get`` raises
        :class:`SubscriptionClosed`."""
        self._hub.detach(self)
        with self._ready:
            self.closed = True
            self._queue.clear()
            self._ready.notify_all()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Sink(Protocol):
    """Anything a channel can deliver to: a :class:`Subscription`, or a connection that
    writes each message straight to its socket (``WebSocket.attach``, ``channel_stream``).
    ``deliver`` runs in the publisher's thread and must never block."""

    channel: str

    def deliver(self, message: str) -> None: ...

    def close(self) -> None: ...


class CachedEncoder:
    """Wire bytes of a message, computed once per message for all connections: a
    broadcast hands the same ``str`` object to every sink of a channel in turn."""

    __slots__ = ("_encode", "_last")

    def __init__(self, encode: Callable[[str], bytes]) -> None:
        self._encode = encode
        self._last: tuple[str, bytes] | None = None

    def __call__(self, message: str) -> bytes:
        last = self._last
        if last is not None and last[0] is message:
            return last[1]
        data = self._encode(message)
        self._last = (message, data)
        return data


class ConnectionSink:
    """A sink that encodes each message and pushes it to one connection without blocking
    (no thread wakes per message: the publisher's thread does a non-blocking send)."""

    __slots__ = ("_encode", "_push", "channel")

    def __init__(
        self, channel: str, push: Callable[[bytes], None], encode: Callable[[str], bytes]
    ) -> None:
        self.channel = channel
        self._push = push
        self._encode = encode

    def deliver(self, message: str) -> None:
        self._push(self._encode(message))

    def close(self) -> None:
        """Closing a backend detaches sinks; the connection itself stays up."""


class Broadcast(Protocol):
    """What every backend offers."""

    def publish(self, channel: str, message: str) -> None: ...

    def subscribe(self, channel: str, *, maxsize: int = DEFAULT_MAXSIZE) -> Subscription: ...

    def attach(self, sink: Sink) -> None: ...

    def detach(self, sink: Sink) -> None: ...

    def close(self) -> None: ...


def check_message(channel: str, message: str | None = None) -> None:
    if not isinstance(channel, str) or not channel:
        raise ValueError("a channel name must be a non-empty str")
    if message is not None and not isinstance(message, str):
        raise TypeError(f"broadcast messages are str, not {type(message).__name__}")


class MemoryBroadcast:
    """Channels within one process. Also the local fan-out of the Redis backend."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, dict[Sink, None]] = {}

    def publish(self, channel: str, message: str) -> None:
        check_message(channel, message)
        self.deliver(channel, message)

    def deliver(self, channel: str, message: str) -> int:
        """Hand ``message`` to this process's subscribers; return how many got it."""
        with self._lock:
            sinks = tuple(self._channels.get(channel, ()))
        for sink in sinks:
            sink.deliver(message)
        return len(sinks)

    def subscribe(self, channel: str, *, maxsize: int = DEFAULT_MAXSIZE) -> Subscription:
        check_message(channel)
        subscription = Subscription(self, channel, maxsize)
        self.attach(subscription)
        return subscription

    def attach(self, sink: Sink) -> None:
        check_message(sink.channel)
        with self._lock:
            self._channels.setdefault(sink.channel, {})[sink] = None

    def detach(self, sink: Sink) -> None:
        with self._lock:
            sinks = self._channels.get(sink.channel)
            if sinks is not None:
                sinks.pop(sink, None)
                if not sinks:
                    del self._channels[sink.channel]

    def subscriber_count(self, channel: str) -> int:
        with self._lock:
            return len(self._channels.get(channel, ()))

    def close(self) -> None:
        with self._lock:
            everyone = [sink for sinks in self._channels.values() for sink in sinks]
        for sink in everyone:
            sink.close()
