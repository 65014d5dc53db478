"""The Autobahn echo endpoint: every message comes back unchanged. A plain WSGI app on
``kettle.realtime.websocket.accept``, served by kettle.server and by gunicorn (gthread)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kettle.realtime.websocket import ConnectionClosed, HandshakeError, accept


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    try:
        ws = accept(environ, allowed_origins=["*"], max_message_size=64 << 20, ping_interval=None)
    except HandshakeError as exc:
        start_response(f"{exc.status} Refused", [("Content-Type", "text/plain")])
        return [exc.reason.encode()]
    try:
        for message in ws:
            ws.send(message)
    except ConnectionClosed:
        pass
    finally:
        ws.close()
    start_response("101 Switching Protocols", [])
    return []
