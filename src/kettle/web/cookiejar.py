"""The test client's cookies: ``Cookie`` (Werkzeug's test ``Cookie``, with the same
attributes) and ``CookieJar``, what the client stores from ``Set-Cookie`` and sends back.

Rules, as in Werkzeug's client: a cookie is stored under ``(domain, path, decoded key)``;
``value`` is kept as the server wrote it (quoted and escaped when it had to be) and sent back
exactly so, while ``decoded_value`` is what the app reads, so any text round-trips. A cookie
without ``Domain`` is sent to its own host only (``origin_only``); one without ``Path`` gets
the directory of the request path. ``Max-Age=0`` or an ``Expires`` at the epoch deletes it.
Beyond Werkzeug, a cookie whose ``Expires`` has passed is not sent (and is forgotten), as a
browser does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kettle.http.cookies import dump_cookie, parse_cookie
from kettle.http.dates import parse_http_date

__all__ = ["Cookie", "CookieJar"]


@dataclass
class Cookie:
    """One stored cookie (Werkzeug's attribute names; inspect it with
    ``client.get_cookie(key)``)."""

    key: str  #: the key as the client sees it on the wire
    value: str  #: the value as the client sees it on the wire (quoted if it was)
    decoded_key: str  #: the key as the app sets and reads it
    decoded_value: str  #: the value as the app sets and reads it
    expires: datetime | None
    max_age: int | None
    domain: str  #: the Domain attribute, or the request's host when it had none
    origin_only: bool  #: sent to exactly ``domain`` only (no Domain attribute was given)
    path: str
    secure: bool | None
    http_only: bool | None
    same_site: str | None

    def _matches_request(self, server_name: str, path: str) -> bool:
        domain_ok = server_name == self.domain or (
            not self.origin_only
            and server_name.endswith(self.domain)
            and server_name[: -len(self.domain)].endswith(".")
        )
        # RFC 6265 section 5.1.4: the path is equal, or a prefix ending at a "/".
        path_ok = path == self.path or (
            path.startswith(self.path)
            and path[len(self.path) - self.path.endswith("/") :].startswith("/")
        )
        return domain_ok and path_ok

    def _to_request_header(self) -> str:
        return f"{self.key}={self.value}"

    @classmethod
    def _from_response_header(cls, server_name: str, path: str, header: str) -> Cookie:
        pair, _, parameters_text = header.partition(";")
        key, _, value = pair.partition("=")
        decoded = parse_cookie(pair)
        decoded_key, decoded_value = next(iter(decoded.items()), (key.strip(" \t"), ""))
        parameters: dict[str, str | None] = {}
        for item in parameters_text.split(";"):
            name, sep, text = item.partition("=")
            parameters[name.strip(" \t").lower()] = text.strip(" \t") if sep else None
        max_age = parameters.get("max-age")
        return cls(
            key=key.strip(" \t"),
            value=value.strip(" \t"),
            decoded_key=decoded_key,
            decoded_value=decoded_value,
            expires=parse_http_date(parameters.get("expires")),
            max_age=int(max_age or 0) if "max-age" in parameters else None,
            domain=(parameters.get("domain") or server_name).lstrip("."),
            origin_only="domain" not in parameters,
            path=parameters.get("path") or path.rpartition("/")[0] or "/",
            secure="secure" in parameters,
            http_only="httponly" in parameters,
            same_site=parameters.get("samesite"),
        )

    @property
    def _storage_key(self) -> tuple[str, str, str]:
        return self.domain, self.path, self.decoded_key

    @property
    def _should_delete(self) -> bool:
        return self.max_age == 0 or (self.expires is not None and self.expires.timestamp() == 0)

    def _expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


class CookieJar(dict[tuple[str, str, str], Cookie]):
    """The cookies of one test client: a dict keyed by ``(domain, path, decoded key)``, as
    Werkzeug's ``client._cookies`` is, with the operations the client needs."""

    def set_cookie(
        self, key: str, value: str, domain: str, origin_only: bool, path: str, **kwargs: Any
    ) -> None:
        """Store a cookie as if a response on ``domain`` had set it (``dump_cookie``'s
        keyword arguments: ``max_age``, ``expires``, ``secure``, ...)."""
        header = dump_cookie(key, value, domain=domain, path=path, **kwargs)
        cookie = Cookie._from_response_header(domain, "/", header)
        cookie.origin_only = origin_only
        self.store(cookie)

    def store(self, cookie: Cookie) -> None:
        if cookie._should_delete:
            self.pop(cookie._storage_key, None)
        else:
            self[cookie._storage_key] = cookie

    def update_from_response(self, server_name: str, path: str, headers: Iterable[str]) -> None:
        """Store (or delete) what the ``Set-Cookie`` header values ``headers`` say, for a
        response to ``path`` on ``server_name``."""
        for header in headers:
            self.store(Cookie._from_response_header(server_name, path, header))

    def request_header(self, server_name: str, path: str) -> str:
        """The ``Cookie`` header for a request to ``path`` on ``server_name`` ("" if none)."""
        now = datetime.now(UTC)
        pairs = []
        for storage_key, cookie in list(self.items()):
            if cookie._expired(now):
                del self[storage_key]
            elif cookie._matches_request(server_name, path):
                pairs.append(cookie._to_request_header())
        return "; ".join(pairs)
