"""CSRF protection for form posts: a secret in the session, a masked token in each form.

Owns ``CSRFProtect`` (an extension: ``CSRFProtect(app)`` or ``csrf.init_app(app)``),
``generate_csrf``/``validate_csrf`` and ``CSRFError``. Flask leaves this to extensions
(Flask-WTF); Kettle ships it. The rules it keeps:

- The secret is 32 random bytes kept in the session under ``_csrf_token`` (so it needs
  ``SECRET_KEY``; the signed session cookie carries it, never the page).
- ``csrf_token()`` (a template global, and ``generate_csrf()`` in Python) returns the
  secret XOR-masked with a fresh random pad on every call, so the token in a compressed
  page changes each render (a BREACH defence) while any issued token stays valid for the
  life of the session.
- When enabled (``CSRF_ENABLED``, default True once the extension is installed) every
  request whose method is not GET, HEAD, OPTIONS or TRACE must carry a valid token in the
  form field ``csrf_token`` or the ``X-CSRFToken``/``X-CSRF-Token`` header; otherwise the
  request stops with ``CSRFError``, a 400 whose description says what was wrong. Views or
  blueprints marked with ``csrf.exempt`` are not checked.
- Tokens are compared in constant time; malformed tokens are refused, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .blueprints import Blueprint
from .exceptions import BadRequest
from .globals import get_current_app, get_request, get_session

if TYPE_CHECKING:
    from .app import Kettle

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "_csrf_token"
FIELD_NAME = "csrf_token"
HEADER_NAMES = ("X-CSRFToken", "X-CSRF-Token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SECRET_BYTES = 32


class CSRFError(BadRequest):
    """The CSRF token of an unsafe request is missing or does not match the session."""

    description = "The CSRF token is missing or invalid."


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _session_secret(create: bool) -> bytes | None:
    session = get_session()
    stored = session.get(SESSION_KEY)
    if isinstance(stored, str):
        secret = _decode(stored)
        if secret is not None and len(secret) == _SECRET_BYTES:
            return secret
    if not create:
        return None
    secret = secrets.token_bytes(_SECRET_BYTES)
    # A NullSession (no SECRET_KEY) raises here with its own message: CSRF needs sessions.
    session[SESSION_KEY] = _encode(secret)
    return secret


def generate_csrf() -> str:
    """Return a token for the current session, creating the session's secret if needed."""
    secret = _session_secret(create=True)
    if secret is None:  # pragma: no cover - _session_secret(create=True) always returns one
        raise RuntimeError("could not create a CSRF secret")
    pad = secrets.token_bytes(_SECRET_BYTES)
    return _encode(pad + bytes(a ^ b for a, b in zip(pad, secret, strict=True)))


def validate_csrf(token: str | None) -> None:
    """Raise ``CSRFError`` unless ``token`` was issued by ``generate_csrf`` for this session."""
    if not token:
        raise CSRFError("The CSRF token is missing.")
    secret = _session_secret(create=False)
    if secret is None:
        raise CSRFError("The CSRF session token is missing.")
    raw = _decode(token) if len(token) <= 128 else None
    if raw is None or len(raw) != 2 * _SECRET_BYTES:
        raise CSRFError("The CSRF token is invalid.")
    pad, masked = raw[:_SECRET_BYTES], raw[_SECRET_BYTES:]
    unmasked = bytes(a ^ b for a, b in zip(pad, masked, strict=True))
    if not hmac.compare_digest(unmasked, secret):
        raise CSRFError("The CSRF tokens do not match.")


class CSRFProtect:
    """Checks unsafe requests of the apps it is installed on; see the module docstring."""

    def __init__(self, app: Kettle | None = None) -> None:
        self._exempt_views: set[str] = set()
        self._exempt_blueprints: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Kettle) -> None:
        app.config.setdefault("CSRF_ENABLED", True)
        app.extensions["csrf"] = self
        app.add_template_global(generate_csrf, "csrf_token")
        app.before_request(self._protect)

    @overload
    def exempt(self, view: Blueprint) -> Blueprint: ...
    @overload
    def exempt(self, view: F) -> F: ...
    def exempt(self, view: F | Blueprint) -> F | Blueprint:
        """Mark a view function (or a whole blueprint) as not needing a token."""
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view.name)
        else:
            self._exempt_views.add(f"{view.__module__}.{view.__name__}")
        return view

    def _is_exempt(self) -> bool:
        request = get_request()
        if any(name in self._exempt_blueprints for name in request.blueprints):
            return True
        endpoint = request.endpoint
        if endpoint is None:
            # No route matched: let routing answer 404/405 rather than a CSRF 400.
            return True
        view = get_current_app().view_functions.get(endpoint)
        return view is not None and f"{view.__module__}.{view.__name__}" in self._exempt_views

    def _protect(self) -> None:
        if not get_current_app().config.get("CSRF_ENABLED", True):
            return
        request = get_request()
        if request.method in SAFE_METHODS or self._is_exempt():
            return
        validate_csrf(self._token_from(request))

    @staticmethod
    def _token_from(request: Any) -> str | None:
        for name in HEADER_NAMES:
            value = request.headers.get(name)
            if value:
                return str(value)
        value = request.form.get(FIELD_NAME)
        return str(value) if value else None
