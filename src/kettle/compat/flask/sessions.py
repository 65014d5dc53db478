"""Mirror of ``flask.sessions``: the session interface and the signed-cookie session."""

from __future__ import annotations

from kettle.web.json_tag import TaggedJSONSerializer
from kettle.web.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "TaggedJSONSerializer",
    "session_json_serializer",
]
