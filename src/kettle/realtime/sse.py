"""Server-Sent Events: the ``text/event-stream`` framing and :class:`EventStream`, a WSGI
app that streams the items of a generator to an ``EventSource``.

Rules:
- Framing follows the HTML Living Standard's event-stream section: every line of ``data``
  becomes its own ``data:`` line (``\\r\\n``, ``\\r`` and ``\\n`` all split), an event ends
  with a blank line, ``event`` and ``id`` may not contain line breaks (``id`` no NUL),
  ``retry`` is a non-negative integer of milliseconds. Comments (``:``) are heartbeats.
- Responses carry ``Cache-Control: no-cache``, ``X-Accel-Buffering: no`` and no
  ``Content-Length`` or ``Content-Encoding``, so no proxy buffers or compresses them.
- On kettle.server and gunicorn the stream takes the connection over: the reactor watches
  the socket, sends heartbeats while the generator is blocked, and on a disconnect cancels
  the stream's scope, so a generator waiting in ``Subscription.get`` or
  ``kettle.realtime.sleep`` gets :class:`Disconnected` at once; the generator is closed
  (its ``finally`` runs) and the thread returns to the server.
- On other WSGI servers the stream is an ordinary iterable: heartbeats go out when the
  generator yields ``None``, and a disconnect is noticed at the next write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .broadcast import get_broadcast
from .capacity import CapacityError, refuse
from .channels import Broadcast, CachedEncoder, ConnectionSink, check_message
from .scope import CancelScope, Disconnected, bound
from .transport import Connection, can_take_over, claim, reactor

__all__ = [
    "ChannelStream",
    "Event",
    "EventStream",
    "comment",
    "format_event",
    "last_event_id",
]

DEFAULT_HEARTBEAT = 15.0


class ToEvent(Protocol):
    """Anything that knows its own SSE form, for example a pushed HTML fragment."""

    def to_event(self) -> Event: ...


def _check_field(name: str, value: str) -> None:
    if "\n" in value or "\r" in value or (name == "id" and "\0" in value):
        raise ValueError(
            f"SSE {name} may not contain line breaks{' or NUL' if name == 'id' else ''}"
        )


def format_event(
    data: str = "", *, event: str | None = None, id: str | None = None, retry: int | None = None
) -> bytes:
    """One event in wire form, ending with the blank line that dispatches it."""
    out: list[str] = []
    if event is not None:
        _check_field("event", event)
        out.append(f"event: {event}\n")
    if id is not None:
        _check_field("id", id)
        out.append(f"id: {id}\n")
    if retry is not None:
        if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
            raise ValueError("SSE retry must be a non-negative integer of milliseconds")
        out.append(f"retry: {retry}\n")
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out.extend(f"data: {line}\n" for line in lines)
    out.append("\n")
    return "".join(out).encode("utf-8")


def comment(text: str = "") -> bytes:
    """A comment line; browsers ignore it, proxies see traffic."""
    return "".join(f": {line}\n" for line in text.splitlines() or [""]).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Event:
    """One server-sent event. ``data`` may span lines."""

    data: str = ""
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def encode(self) -> bytes:
        return format_event(self.data, event=self.event, id=self.id, retry=self.retry)


def encode_item(item: Any) -> bytes | None:
    """Wire bytes for one generator item; ``None`` (a tick) gives ``None``."""
    if item is None:
        return None
    if isinstance(item, Event):
        return item.encode()
    if isinstance(item, str):
        return format_event(item)
    if isinstance(item, (dict, list)):
        return format_event(json.dumps(item, separators=(",", ":")))
    to_event = getattr(item, "to_event", None)
    if callable(to_event):
        event = to_event()
        if isinstance(event, Event):
            return event.encode()
    raise TypeError(f"cannot send {type(item).__name__} as a server-sent event")


def last_event_id(environ: dict[str, Any]) -> str | None:
    """The ``Last-Event-ID`` a reconnecting ``EventSource`` sends, if any."""
    value = environ.get("HTTP_LAST_EVENT_ID")
    return value if value else None


Source = Iterable[Any] | Callable[[str | None], Iterable[Any]]


class EventStream:
    """A WSGI app streaming ``source`` as ``text/event-stream``.

    ``source`` is an iterable of items, or a callable taking the client's
    ``Last-Event-ID`` (``None`` on a first connect) and returning one. Items are
    :class:`Event`, ``str`` (data), ``dict``/``list`` (JSON data), objects with
    ``to_event()``, or ``None`` (nothing to send; lets the stream check the client).
    """

    def __init__(
        self,
        source: Source,
        *,
        heartbeat: float = DEFAULT_HEARTBEAT,
        retry: int | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        if heartbeat <= 0:
            raise ValueError("heartbeat must be a positive number of seconds")
        self.source = source
        self.heartbeat = heartbeat
        self.retry = retry
        self.headers = [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-cache, no-transform"),
            ("X-Accel-Buffering", "no"),
            *headers,
        ]
        self.preamble = comment("stream open")
        if retry is not None:
            if isinstance(retry, bool) or not isinstance(retry, int) or retry < 0:
                raise ValueError("SSE retry must be a non-negative integer of milliseconds")
            self.preamble += f"retry: {retry}\n\n".encode()

    def _iterator(self, environ: dict[str, Any]) -> Iterator[Any]:
        source = self.source
        if callable(source) and not isinstance(source, Iterable):
            source = source(last_event_id(environ))
        return iter(source)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if can_take_over(environ):
            try:
                sock, _leftover, owned = claim(environ)
            except CapacityError as error:
                return refuse(error, start_response)
            start_response("200 OK", list(self.headers))
            stream = StreamConnection(sock, owned=owned, heartbeat=self.heartbeat)
            stream.follow_server(environ)
            stream.run(environ, self)
            return []
        start_response("200 OK", list(self.headers))
        return self._plain(environ)

    def _plain(self, environ: dict[str, Any]) -> Iterator[bytes]:
        yield self.preamble
        items = self._iterator(environ)
        last = time.monotonic()
        try:
            for item in items:
                data = encode_item(item)
                now = time.monotonic()
                if data is None:
                    if now - last < self.heartbeat:
                        continue
                    data = comment()
                last = now
                yield data
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()


def stream_head(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bytes:
    """The response head of a taken-over stream: close-delimited, no length."""
    version = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    head = f"{version} 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return (head + "Connection: close\r\n\r\n").encode("latin-1")


class StreamConnection(Connection):
    """A taken-over connection carrying one event stream."""

    def __init__(self, sock: Any, *, owned: bool, heartbeat: float) -> None:
        super().__init__(sock, owned=owned, reserved=True)
        self.heartbeat = heartbeat
        self.scope = CancelScope()
        self.on_close(self.scope.cancel)

    def open(self, environ: dict[str, Any], headers: list[tuple[str, str]], first: bytes) -> bool:
        """Write the response head and ``first`` bytes, start watching; False if gone."""
        try:
            self.write(stream_head(environ, headers) + first)
        except ConnectionError:
            return False
        reactor().watch(self)
        return True

    def run(self, environ: dict[str, Any], stream: EventStream) -> None:
        items: Iterator[Any] | None = None
        try:
            if not self.open(environ, stream.headers, stream.preamble):
                return
            with bound(self.scope):
                items = stream._iterator(environ)
                for item in items:
                    if self.closed:
                        break
                    data = encode_item(item)
                    if data is not None:
                        self.write(data)
        except (Disconnected, ConnectionError):
            pass
        finally:
            close = getattr(items, "close", None)
            try:
                if close is not None:
                    close()
            finally:
                self.abort()

    def on_data(self, data: bytes) -> None:
        # A client of an event stream sends nothing; EOF (or a read error) means it left.
        if not data:
            self.abort()

    def keepalive(self, now: float) -> None:
        self.flush(block=False)
        if not self.closed and now - self.last_write >= self.heartbeat:
            self.queue(b":\n\n")
            self.flush(block=False)


_encoders: dict[str | None, CachedEncoder] = {}


def _encoder(event: str | None) -> CachedEncoder:
    encoder = _encoders.get(event)
    if encoder is None:
        if event is not None:
            _check_field("event", event)
        encoder = _encoders.setdefault(
            event, CachedEncoder(lambda m: format_event(m, event=event))
        )
    return encoder


class ChannelStream:
    """A WSGI app streaming every message of broadcast ``channel`` as an event's data.

    On kettle.server and gunicorn no thread is woken per message: the publisher's thread
    writes an event encoded once for all clients to each socket without blocking (a client
    ``MAX_QUEUED`` events behind is dropped; ``EventSource`` reconnects). On kettle.server
    the request's thread is released at once (the reactor and the publishers own the
    stream); under gunicorn it waits for the disconnect. ``initial`` items (or a callable
    taking the client's ``Last-Event-ID`` and returning them, to replay what a
    reconnecting client missed) are sent first; the channel is joined before they are
    sent, so nothing published meanwhile is lost. On other WSGI servers this falls back to
    an :class:`EventStream` over a subscription.
    """

    def __init__(
        self,
        channel: str,
        *,
        broadcast: Broadcast | None = None,
        event: str | None = None,
        initial: Iterable[Any] | Callable[[str | None], Iterable[Any]] = (),
        heartbeat: float = DEFAULT_HEARTBEAT,
        retry: int | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        check_message(channel)
        self.channel = channel
        self.broadcast = broadcast
        self.encode = _encoder(event)
        self.event = event
        self.initial = initial if callable(initial) else list(initial)
        self.stream = EventStream(
            self._fallback, heartbeat=heartbeat, retry=retry, headers=headers
        )

    def _backend(self) -> Broadcast:
        return self.broadcast if self.broadcast is not None else get_broadcast()

    def _initial(self, last_event_id: str | None) -> Iterable[Any]:
        initial = self.initial
        return initial(last_event_id) if callable(initial) else initial

    def _fallback(self, last_event_id: str | None) -> Iterator[Any]:
        with self._backend().subscribe(self.channel) as subscription:
            yield from self._initial(last_event_id)
            for message in subscription:
                yield Event(message, event=self.event)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not can_take_over(environ):
            return self.stream(environ, start_response)
        headers = self.stream.headers
        try:
            sock, _leftover, owned = claim(environ)
        except CapacityError as error:
            return refuse(error, start_response)
        start_response("200 OK", list(headers))
        conn = StreamConnection(sock, owned=owned, heartbeat=self.stream.heartbeat)
        conn.follow_server(environ)
        backend = self._backend()
        sink = ConnectionSink(self.channel, conn.push, self.encode)
        # Queue head and initial events, then join the channel: the outbox keeps that order
        # for whatever gets published from now on.
        initial = self._initial(last_event_id(environ))
        conn.queue(stream_head(environ, headers) + self.stream.preamble)
        conn.queue(b"".join(filter(None, map(encode_item, initial))))
        backend.attach(sink)
        conn.on_close(lambda: backend.detach(sink))
        try:
            conn.flush(block=True)
        except ConnectionError:
            conn.abort()
            return []
        reactor().watch(conn)
        if not owned:
            # gunicorn closes the socket once we return: hold its thread until the end.
            conn.wait_closed()
            conn.abort()
        # kettle.server never touches a taken-over connection again, so its thread goes
        # back to the pool now: an idle stream costs a socket and a few objects, no thread.
        return []
