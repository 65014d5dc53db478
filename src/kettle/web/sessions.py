"""Signed-cookie sessions on itsdangerous, with Flask's interface and config keys.

Rules: the cookie holds the session as compact JSON (tagged so bytes, tuples, datetimes,
UUIDs and Markup survive), signed with ``SECRET_KEY`` (``SECRET_KEY_FALLBACKS`` still verify
old cookies) and timestamped; a bad or expired signature gives an empty session, never an
error. Without a secret key the session is a ``NullSession`` that refuses writes with an
error that says to set ``SECRET_KEY``. The cookie is ``HttpOnly`` and ``SameSite=Lax``
unless configured otherwise, and it is written only when the session was modified (or on
every request for a permanent session while ``SESSION_REFRESH_EACH_REQUEST`` is on).
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .json_tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from .appbase import App
    from .wrappers import Request, Response


class SessionMixin(MutableMapping[str, Any]):
    """What every session offers beside the mapping: ``permanent``, ``new``, ``modified``."""

    new = False
    modified = True
    accessed = True

    @property
    def permanent(self) -> bool:
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


def _read_permanent(session: SessionMixin) -> bool:
    """``session.permanent`` for Kettle's own cookie logic (refresh check, expiry). Reading
    it is a session read, which marks the session accessed; this runs on every save and is
    no use of the session by the app, so ``accessed`` is left as it was (False after a
    request that never touched the session, as in Flask)."""
    accessed = session.accessed
    permanent = session.permanent
    if not accessed and session.accessed:
        session.accessed = False
    return permanent


class SecureCookieSession(dict[str, Any], SessionMixin):
    """A dict that records whether it was read or changed."""

    modified = False
    accessed = False

    def __init__(self, initial: Any = None) -> None:
        super().__init__(initial or ())

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.accessed = self.modified = True
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.accessed = self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self.accessed = self.modified = True
        return super().popitem()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.accessed = self.modified = True
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.accessed = self.modified = True
        super().clear()


class NullSession(SecureCookieSession):
    """The session when no secret key is set: readable, empty, and every write fails."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the secret_key"
            " on the application to something unique and secret."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class SessionInterface:
    """The hooks an app uses to load and store sessions; subclass to store them elsewhere."""

    null_session_class = NullSession
    pickle_based = False

    def make_null_session(self, app: App) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: App) -> str:
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: App) -> str | None:
        return app.config["SESSION_COOKIE_DOMAIN"] or None

    def get_cookie_path(self, app: App) -> str:
        return str(app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: App) -> bool:
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: App) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: App) -> str | None:
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: App) -> bool:
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED", False))

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        if _read_permanent(session):
            lifetime: timedelta = app.permanent_session_lifetime
            return datetime.now(UTC) + lifetime
        return None

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        if session.modified:
            return True
        return bool(app.config["SESSION_REFRESH_EACH_REQUEST"]) and _read_permanent(session)

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        raise NotImplementedError("subclasses of SessionInterface must implement open_session")

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        raise NotImplementedError("subclasses of SessionInterface must implement save_session")


session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """Stores the session in a signed cookie (the default)."""

    salt = "cookie-session"
    digest_method = staticmethod(hashlib.sha1)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: App) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys: list[str] = [app.secret_key]
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS")
        if fallbacks:
            keys = [*reversed(fallbacks), app.secret_key]  # itsdangerous signs with the last
        return URLSafeTimedSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except BadSignature:
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(
                    name, domain=domain, path=path, secure=secure,
                    partitioned=partitioned, samesite=samesite, httponly=httponly,
                )  # fmt: skip
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return
        value = serializer.dumps(dict(session))
        response.set_cookie(
            name, value, expires=self.get_expiration_time(app, session), httponly=httponly,
            domain=domain, path=path, secure=secure, partitioned=partitioned, samesite=samesite,
        )  # fmt: skip
        response.vary.add("Cookie")
