"""The Redis pub/sub broadcast backend: channels shared by every process (and machine)
that points ``KETTLE_BROADCAST_URL`` at the same Redis.

Rules:
- One pattern subscription (``<prefix>*``) per process, made and confirmed in the
  constructor, so a message published after ``subscribe()`` returns is never missed.
  One listener thread per backend reads Redis and fans each message out to this process's
  subscribers through a :class:`MemoryBroadcast`, with the same bounded queues and
  drop-oldest policy.
- ``publish`` goes through Redis even for local subscribers, so every process sees one
  order per channel. Redis connection errors reach the caller of ``publish``; the listener
  reconnects on its own (messages published while it is disconnected are lost, as with
  any Redis pub/sub).
- ``redis`` (the optional ``kettle[redis]`` extra) is loaded when a Redis backend is
  created, not when Kettle is imported: it costs ~80 ms that apps without Redis never pay.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

from .channels import DEFAULT_MAXSIZE, MemoryBroadcast, Sink, Subscription, check_message

__all__ = ["RedisBroadcast"]


class RedisBroadcast:
    """Broadcast through Redis pub/sub."""

    def __init__(self, url: str, *, prefix: str = "kettle:", connect_timeout: float = 5.0):
        try:
            redis: Any = importlib.import_module("redis")
        except ImportError as exc:
            raise RuntimeError(
                "the Redis broadcast backend needs: pip install 'kettle[redis]'"
            ) from exc
        self._errors = (redis.ConnectionError, redis.TimeoutError, OSError, ValueError)
        self.url = url
        self.prefix = prefix
        self._client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=connect_timeout
        )
        self._local = MemoryBroadcast()
        self._stopping = threading.Event()
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=False)
        self._pubsub.psubscribe(prefix + "*")
        self._await_confirmation(connect_timeout)
        self._thread = threading.Thread(
            target=self._listen, name="kettle-redis-broadcast", daemon=True
        )
        self._thread.start()

    def _await_confirmation(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._pubsub.get_message(timeout=deadline - time.monotonic())
            if message is not None and message["type"] == "psubscribe":
                return
        raise ConnectionError(f"Redis at {self.url} did not confirm the subscription")

    def publish(self, channel: str, message: str) -> None:
        check_message(channel, message)
        self._client.publish(self.prefix + channel, message)

    def subscribe(self, channel: str, *, maxsize: int = DEFAULT_MAXSIZE) -> Subscription:
        return self._local.subscribe(channel, maxsize=maxsize)

    def attach(self, sink: Sink) -> None:
        self._local.attach(sink)

    def detach(self, sink: Sink) -> None:
        self._local.detach(sink)

    def _listen(self) -> None:
        skip = len(self.prefix)
        while not self._stopping.is_set():
            try:
                message = self._pubsub.get_message(timeout=0.5)
            except self._errors:
                if self._stopping.wait(0.5):
                    return
                continue
            if message is None or message["type"] != "pmessage":
                continue
            self._local.deliver(str(message["channel"])[skip:], str(message["data"]))

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)
        self._pubsub.close()
        self._client.close()
        self._local.close()
