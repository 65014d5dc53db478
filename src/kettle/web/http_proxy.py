"""A reverse proxy as WSGI middleware, with Werkzeug's ``ProxyMiddleware`` API.

Owns: sending requests whose path starts with a configured prefix to another HTTP server
(over ``http.client``) and streaming that server's answer back; every other request goes
to the wrapped app.

Rules:
- ``targets`` maps a path prefix to its options. A prefix is a whole segment: ``"/api"``
  (or ``"/api/"``) matches ``/api/users``, never ``/apis`` nor ``/api`` alone. The first
  listed prefix that matches wins.
- Options: ``target`` (an ``http://`` or ``https://`` URL, required); ``remove_prefix``
  (default False: the upstream sees the path as the client sent it; True: the prefix is cut
  and the rest is put below the target URL's own path); ``host`` (``"<auto>"``, the default,
  sends the target's host; ``None`` keeps the client's Host; a string is sent as is);
  ``headers`` (a dict added to every forwarded request); ``ssl_context`` (for ``https``
  targets). Unknown option keys are ignored, as Werkzeug ignores them.
- The request keeps its method, its path (percent-encoded again from ``PATH_INFO``), its
  raw query string and its end-to-end headers. Hop-by-hop headers, and the ones a
  ``Connection`` header names, are not forwarded (RFC 9110 section 7.6.1); the upstream
  connection is ``Connection: close``. A body with a Content-Length is sent with exactly
  that length; a chunked body (a server that sets ``wsgi.input_terminated``) is sent chunked
  (RFC 9112 section 7.1); any other request has no body.
- The answer keeps the upstream's status line, headers (minus hop-by-hop ones, names in
  title case as Werkzeug gives them) and body, streamed in ``chunk_size`` pieces; closing
  the response iterable closes the upstream connection. Redirects and errors pass through.
- An upstream that cannot be reached, or that answers with something that is not HTTP, is
  a 502 Bad Gateway whose text says why; an upstream slower than ``timeout`` seconds is a
  504 Gateway Timeout. A malformed Content-Length from the client is a 400.
- Differences from Werkzeug, both RFC 9110: the automatic Host keeps a non-default port
  (section 7.2), and a ``%`` in the decoded path is sent as ``%25``.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any
from urllib.parse import SplitResult, quote, urlsplit

from kettle.http.fieldutils import is_hop_by_hop_header
from kettle.http.headers import EnvironHeaders

from .exceptions import BadGateway, BadRequest, GatewayTimeout, HTTPException
from .wsgi import get_host

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
# Characters a path segment may carry unescaped (RFC 3986 section 3.3 pchar, plus "/").
_PATH_SAFE = "/!$&'()*+,;=:@~"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class ProxyTarget:
    """One prefix's options, checked once when the middleware is built."""

    __slots__ = ("headers", "host", "prefix", "remove_prefix", "ssl_context", "url")

    def __init__(self, prefix: str, options: Mapping[str, Any]) -> None:
        self.prefix = f"/{prefix.strip('/')}/".replace("//", "/")
        if "target" not in options:
            raise ValueError(f"ProxyMiddleware: the options of {prefix!r} have no 'target' URL")
        self.url: SplitResult = urlsplit(str(options["target"]))
        if self.url.scheme not in _DEFAULT_PORTS or not self.url.hostname:
            raise ValueError(
                f"ProxyMiddleware: the target of {prefix!r} must be an http:// or https:// URL"
                f" with a host, got {options['target']!r}"
            )
        self.remove_prefix = bool(options.get("remove_prefix", False))
        self.host: str | None = options.get("host", "<auto>")
        self.headers: dict[str, str] = dict(options.get("headers") or {})
        self.ssl_context: ssl.SSLContext | None = options.get("ssl_context")

    @property
    def port(self) -> int:
        return self.url.port or _DEFAULT_PORTS[self.url.scheme]

    @property
    def hostname(self) -> str:
        """The target's host, IDNA-encoded: a header must be ASCII."""
        name = self.url.hostname or ""
        return name.encode("idna").decode("ascii")

    def host_header(self, environ: dict[str, Any]) -> str:
        if self.host is None:
            # The client's Host verbatim; an HTTP/1.0 request without one gets the server's.
            return str(environ.get("HTTP_HOST") or get_host(environ))
        if self.host != "<auto>":
            return self.host
        host = self.hostname
        if ":" in host:
            host = f"[{host}]"  # an IPv6 literal (RFC 3986 section 3.2.2)
        if self.url.port is not None and self.url.port != _DEFAULT_PORTS[self.url.scheme]:
            host = f"{host}:{self.url.port}"
        return host

    def remote_path(self, path: str) -> str:
        if self.remove_prefix:
            rest = path[len(self.prefix) :].lstrip("/")
            path = f"{self.url.path.rstrip('/')}/{rest}"
        # PATH_INFO is the decoded path's bytes as latin-1 (PEP 3333): quote those bytes.
        return quote(path.encode("latin-1"), safe=_PATH_SAFE)

    def connect(self, timeout: float) -> http.client.HTTPConnection:
        if self.url.scheme == "https":
            return http.client.HTTPSConnection(
                self.hostname, self.port, timeout=timeout, context=self.ssl_context
            )
        return http.client.HTTPConnection(self.hostname, self.port, timeout=timeout)


class ProxyMiddleware:
    """Forward requests under each prefix of ``targets`` to its upstream server."""

    def __init__(
        self,
        app: WSGIApp,
        targets: Mapping[str, Mapping[str, Any]],
        chunk_size: int = 2 << 13,
        timeout: float = 10,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"ProxyMiddleware: chunk_size must be positive, got {chunk_size}")
        self.app = app
        self.targets = {
            target.prefix: target
            for target in (ProxyTarget(prefix, options) for prefix, options in targets.items())
        }
        self.chunk_size = chunk_size
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for prefix, target in self.targets.items():
            if path.startswith(prefix):
                return self.forward(target, environ, start_response)
        return self.app(environ, start_response)

    def forward(
        self, target: ProxyTarget, environ: dict[str, Any], start_response: Any
    ) -> Iterable[bytes]:
        """Send this request to ``target`` and answer with its response."""
        try:
            length, chunked = _body_framing(environ)
        except HTTPException as error:
            return error(environ, start_response)
        url = target.remote_path(environ.get("PATH_INFO", ""))
        if environ.get("QUERY_STRING"):
            url = f"{url}?{environ['QUERY_STRING']}"
        connection = target.connect(self.timeout)
        try:
            connection.putrequest(
                environ["REQUEST_METHOD"], url, skip_host=True, skip_accept_encoding=True
            )
            for name, value in _request_headers(target, environ, length, chunked):
                connection.putheader(name, value)
            connection.endheaders()
            body = environ["wsgi.input"]
            if chunked:
                self._send_chunked(connection, body)
            elif length:
                self._send_exactly(connection, body, length)
            response = connection.getresponse()
        except HTTPException as error:
            connection.close()
            return error(environ, start_response)
        except ValueError as error:
            # http.client refuses a method or header value that cannot go on the wire.
            connection.close()
            return BadRequest(f"The request cannot be forwarded: {error}")(environ, start_response)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            return _upstream_error(target, error)(environ, start_response)
        headers = [
            (name.title(), value)
            for name, value in response.getheaders()
            if not is_hop_by_hop_header(name)
        ]
        start_response(f"{response.status} {response.reason}", headers)
        return ProxiedBody(connection, response, self.chunk_size)

    def _send_exactly(
        self, connection: http.client.HTTPConnection, body: IO[bytes], length: int
    ) -> None:
        remaining = length
        while remaining > 0:
            data = body.read(min(self.chunk_size, remaining))
            if not data:
                raise BadRequest(
                    f"The request body ended after {length - remaining} of the"
                    f" {length} bytes its Content-Length announced."
                )
            connection.send(data)
            remaining -= len(data)

    def _send_chunked(self, connection: http.client.HTTPConnection, body: IO[bytes]) -> None:
        while True:
            data = body.read(self.chunk_size)
            if not data:
                break
            connection.send(b"%x\r\n%s\r\n" % (len(data), data))
        connection.send(b"0\r\n\r\n")


class ProxiedBody:
    """The upstream's body as a WSGI response iterable; ``close()`` ends the connection."""

    def __init__(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        chunk_size: int,
    ) -> None:
        self.connection = connection
        self.response = response
        self.chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        # A read error mid-body propagates: the server then cuts the client's connection,
        # so a truncated body is never passed off as a whole one.
        while True:
            data = self.response.read(self.chunk_size)
            if not data:
                return
            yield data

    def close(self) -> None:
        self.response.close()
        self.connection.close()


def _body_framing(environ: dict[str, Any]) -> tuple[int | None, bool]:
    """``(content length, chunked)`` of the request body to forward."""
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if text:
        if not text.isdigit():
            raise BadRequest(f"The request's Content-Length {text!r} is not a number.")
        return int(text), False
    coding = str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return None, "chunked" in coding and bool(environ.get("wsgi.input_terminated"))


def _request_headers(
    target: ProxyTarget, environ: dict[str, Any], length: int | None, chunked: bool
) -> list[tuple[str, str]]:
    """The headers to send upstream, in the client's order, then the target's own."""
    client_headers = EnvironHeaders(environ)
    named = {
        token.strip().lower()
        for token in str(environ.get("HTTP_CONNECTION", "")).split(",")
        if token.strip()
    }
    headers = [
        (name, value)
        for name, value in client_headers.items()
        if not is_hop_by_hop_header(name)
        and name.lower() not in named
        and name.lower() not in ("host", "content-length")
    ]
    headers.append(("Host", target.host_header(environ)))
    headers.append(("Connection", "close"))
    if length is not None:
        headers.append(("Content-Length", str(length)))
    elif chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    headers.extend(target.headers.items())
    return headers


def _upstream_error(target: ProxyTarget, error: BaseException) -> HTTPException:
    where = f"{target.url.scheme}://{target.url.netloc}"
    if isinstance(error, TimeoutError):
        return GatewayTimeout(f"The upstream server {where} did not answer in time.")
    if isinstance(error, http.client.HTTPException) and not isinstance(error, OSError):
        return BadGateway(f"The upstream server {where} sent an invalid answer ({error!r}).")
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return BadGateway(f"The upstream server {where} could not be reached: {reason}.")
