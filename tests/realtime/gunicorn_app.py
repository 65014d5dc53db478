"""A WSGI app for the gunicorn (gthread) tests: ``/ws`` echoes, ``/events`` streams until
the client leaves, ``/cleaned`` reports how many streams ran their ``finally``,
``/channel`` streams channel ``news`` (``/publish?text``, ``/listeners``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.scope import sleep
from kettle.realtime.sse import ChannelStream, EventStream
from kettle.realtime.websocket import ConnectionClosed, HandshakeError, accept

cleaned = 0
lock = threading.Lock()
hub = MemoryBroadcast()


def ticks(last_event_id: str | None) -> Iterator[str]:
    global cleaned
    try:
        yield "first"
        while True:
            sleep(60)
    finally:
        with lock:
            cleaned += 1


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/ws":
        try:
            ws = accept(environ)
        except HandshakeError as exc:
            start_response(f"{exc.status} Refused", [("Content-Type", "text/plain"), *exc.headers])
            return [exc.reason.encode()]
        try:
            for message in ws:
                ws.send(message)
        except ConnectionClosed:
            pass
        finally:
            ws.close()
        # Like kettle.web: a status for the access log; the socket is already shut down,
        # so the server's attempt to write it fails with EPIPE, which gunicorn ignores.
        start_response("101 Switching Protocols", [])
        return []
    if path == "/events":
        return EventStream(ticks)(environ, start_response)
    if path == "/channel":
        return ChannelStream("news", broadcast=hub, initial=["joined"])(environ, start_response)
    if path == "/publish":
        hub.publish("news", environ["QUERY_STRING"])
    if path == "/listeners":
        body = str(hub.subscriber_count("news")).encode()
    else:
        body = str(cleaned).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
