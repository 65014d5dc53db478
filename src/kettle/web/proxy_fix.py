"""ProxyFix: trust ``X-Forwarded-*`` headers set by a known number of reverse proxies.

Owns the WSGI middleware Flask deployments wrap around ``app.wsgi_app`` when they run
behind nginx or a load balancer, with Werkzeug's name and arguments:
``ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)``.

Rules: each number says how many proxies in front of the app set that header; the value
is taken that many entries from the right of the comma-separated list, because only
entries appended by your own proxies can be trusted (a client can send any header it
likes). A header with fewer entries than expected is ignored. The environ values it
replaces are kept in ``environ["werkzeug.proxy_fix.orig"]`` (the key add-ons look for).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

WSGIApp = Any


class ProxyFix:
    """Rewrite REMOTE_ADDR, scheme, host, port and script root from trusted proxy headers."""

    def __init__(
        self,
        app: WSGIApp,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        for name, value in (
            ("x_for", x_for),
            ("x_proto", x_proto),
            ("x_host", x_host),
            ("x_port", x_port),
            ("x_prefix", x_prefix),
        ):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    @staticmethod
    def _trusted(value: str | None, trusted: int) -> str | None:
        """The entry ``trusted`` places from the right, if the header has that many."""
        if not (trusted and value):
            return None
        values = [item.strip() for item in value.split(",")]
        if len(values) >= trusted:
            return values[-trusted] or None
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["werkzeug.proxy_fix.orig"] = {
            key: environ.get(key)
            for key in (
                "REMOTE_ADDR",
                "wsgi.url_scheme",
                "HTTP_HOST",
                "SERVER_NAME",
                "SERVER_PORT",
                "SCRIPT_NAME",
            )
        }
        remote = self._trusted(environ.get("HTTP_X_FORWARDED_FOR"), self.x_for)
        if remote:
            environ["REMOTE_ADDR"] = remote
        proto = self._trusted(environ.get("HTTP_X_FORWARDED_PROTO"), self.x_proto)
        if proto:
            environ["wsgi.url_scheme"] = proto
        host = self._trusted(environ.get("HTTP_X_FORWARDED_HOST"), self.x_host)
        if host:
            environ["HTTP_HOST"] = environ["SERVER_NAME"] = host
            if ":" in host and not host.endswith("]"):
                environ["SERVER_NAME"], environ["SERVER_PORT"] = host.rsplit(":", 1)
        port = self._trusted(environ.get("HTTP_X_FORWARDED_PORT"), self.x_port)
        if port:
            current = environ.get("HTTP_HOST")
            if current:
                if ":" in current and not current.endswith("]"):
                    current = current.rsplit(":", 1)[0]
                environ["HTTP_HOST"] = f"{current}:{port}"
            environ["SERVER_PORT"] = port
        prefix = self._trusted(environ.get("HTTP_X_FORWARDED_PREFIX"), self.x_prefix)
        if prefix:
            environ["SCRIPT_NAME"] = prefix
        result: Iterable[bytes] = self.app(environ, start_response)
        return result
