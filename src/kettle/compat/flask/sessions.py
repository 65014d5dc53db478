"""Mirror of ``flask.sessions``: the session interface and the signed-cookie session."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

from kettle.web.json_tag import TaggedJSONSerializer
from kettle.web.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)

from ..werkzeug.datastructures import CallbackDict

__all__ = [
    "BadSignature",
    "CallbackDict",
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "TaggedJSONSerializer",
    "URLSafeTimedSerializer",
    "session_json_serializer",
]
