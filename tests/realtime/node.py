"""A one-file Kettle realtime process (kettle.server) for the cross-process broadcast test.

Run as ``python -m realtime.node`` with ``tests`` on ``sys.path``: serves
``GET /events`` (an event stream of channel ``room``) and ``GET /publish?m=...``, and
prints its port on stdout. The backend comes from ``KETTLE_BROADCAST_URL``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from kettle.realtime.broadcast import get_broadcast, publish, subscribe
from kettle.realtime.sse import EventStream
from kettle.server import Server


def room(last_event_id: str | None) -> Iterator[str]:
    with subscribe("room") as subscription:
        yield "subscribed"
        yield from subscription


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/events":
        return EventStream(room)(environ, start_response)
    message = parse_qs(environ["QUERY_STRING"])["m"][0]
    publish("room", message)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"published"]


def main() -> None:
    get_broadcast()  # connect (and subscribe to Redis) before announcing the port
    server = Server(app, "127.0.0.1", 0, threads=8).start()
    print(server.port, flush=True)
    sys.stdin.read()  # run until the test closes our stdin
    server.stop(grace=1)


if __name__ == "__main__":
    main()
