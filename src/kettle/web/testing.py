"""Testing helpers: ``EnvironBuilder`` (a WSGI environ from test arguments), the test client
(``app.test_client()``) and the CLI runner (``app.test_cli_runner()``).

Rules: the client builds a plain PEP 3333 environ and calls the app in-process; sending a
request (``_send``) is one method, so a subclass can send the same environ over a real
socket instead. Cookies set by responses are kept in a small jar and sent back on matching
paths; expired cookies are dropped. ``follow_redirects`` follows up to 20 redirects and
reports a loop as an error. ``with client:`` keeps the last request's contexts active
until the next request or the end of the block.
"""

from __future__ import annotations

import base64
import io
import json as _json
import mimetypes
import os
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import click.testing

from .cli import ScriptInfo
from .globals import _cv_app, _cv_request
from .wrappers import Request, Response

if TYPE_CHECKING:
    from .appbase import App

REDIRECT_CODES = {301, 302, 303, 305, 307, 308}


class ClientRedirectError(Exception):
    """A redirect loop (or too many redirects) while following redirects."""


def _pairs(data: Any) -> list[tuple[str, Any]]:
    if hasattr(data, "items"):
        try:
            return list(data.items(multi=True))
        except TypeError:
            pairs: list[tuple[str, Any]] = []
            for key, value in data.items():
                if isinstance(value, list):
                    pairs.extend((key, item) for item in value)
                else:
                    pairs.append((key, value))
            return pairs
    return list(data)


def _is_file(value: Any) -> bool:
    return isinstance(value, tuple) or hasattr(value, "read") or hasattr(value, "stream")


def _file_parts(value: Any) -> tuple[bytes, str, str]:
    """(content, filename, content type) from a test file value."""
    if isinstance(value, tuple):
        stream, filename, *rest = value
        content_type = rest[0] if rest else None
    elif hasattr(value, "stream"):
        stream, filename, content_type = value.stream, value.filename, value.content_type
    else:
        stream, filename, content_type = value, getattr(value, "name", "file"), None
    content = stream.read()
    if isinstance(content, str):
        content = content.encode()
    filename = os.path.basename(str(filename or ""))
    if not content_type:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return content, filename, content_type


def encode_multipart(
    pairs: list[tuple[str, Any]], boundary: str | None = None
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its boundary for fields and files."""
    boundary = boundary or f"----KettleBoundary{secrets.token_hex(12)}"
    out = io.BytesIO()
    for name, value in pairs:
        out.write(f"--{boundary}\r\n".encode())
        if _is_file(value):
            content, filename, content_type = _file_parts(value)
            out.write(
                f'Content-Disposition: form-data; name="{quote(name)}";'
                f' filename="{quote(filename)}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
            )
            out.write(content)
        else:
            out.write(f'Content-Disposition: form-data; name="{quote(name)}"\r\n\r\n'.encode())
            out.write(value if isinstance(value, bytes) else str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), boundary


class EnvironBuilder:
    """Builds the environ for one test request (the arguments of ``client.get`` and friends)."""

    def __init__(
        self,
        app: App | None = None,
        path: str = "/",
        base_url: str | None = None,
        url_scheme: str | None = None,
        query_string: str | Mapping[str, Any] | None = None,
        method: str = "GET",
        headers: Any = None,
        data: Any = None,
        json: Any = None,
        content_type: str | None = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        auth: tuple[str, str] | None = None,
        subdomain: str | None = None,
        mimetype: str | None = None,
        input_stream: Any = None,
        content_length: int | None = None,
        errors_stream: Any = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
    ) -> None:
        if base_url is None:
            base_url = self._base_url(app, url_scheme, subdomain)
        split = urlsplit(path)
        if split.scheme:
            base_url = f"{split.scheme}://{split.netloc}"
        self.base_url = base_url
        self.url_scheme = urlsplit(base_url).scheme or "http"
        self.host = urlsplit(base_url).netloc or "localhost"
        self.script_root = urlsplit(base_url).path.rstrip("/")
        self.errors_stream = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.content_length = content_length
        self.path = unquote(split.path or "/")
        if query_string is None:
            query_string = split.query
        if not isinstance(query_string, str):
            query_string = urlencode(_pairs(query_string), doseq=False)
        self.query_string = query_string
        self.method = method.upper()
        self.headers: list[tuple[str, str]] = _pairs(headers) if headers is not None else []
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        self.content_type = content_type or mimetype
        self.body = b""
        self._set_body(app, data, json)
        self.input_stream = input_stream
        self._own_stream = input_stream is None
        if self._own_stream:
            self.input_stream = io.BytesIO(self.body)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers.append(("Authorization", f"Basic {token}"))

    @staticmethod
    def _base_url(app: App | None, url_scheme: str | None, subdomain: str | None) -> str:
        host, root, scheme = "localhost", "/", "http"
        if app is not None:
            host = app.config.get("SERVER_NAME") or "localhost"
            root = app.config.get("APPLICATION_ROOT") or "/"
            scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
        if subdomain:
            host = f"{subdomain}.{host}"
        return f"{url_scheme or scheme}://{host}{root.rstrip('/')}"

    def _set_body(self, app: App | None, data: Any, json: Any) -> None:
        if json is not None:
            if data is not None:
                raise TypeError("can't provide both json and data")
            dumps = app.json.dumps if app is not None else _json_dumps
            self.body = dumps(json).encode()
            self.content_type = self.content_type or "application/json"
        elif data is not None:
            self._set_data(data)

    def _set_data(self, data: Any) -> None:
        if isinstance(data, str):
            self.body = data.encode()
        elif isinstance(data, bytes | bytearray):
            self.body = bytes(data)
        elif hasattr(data, "read"):
            self.body = data.read()
        else:
            pairs = _pairs(data)
            if any(_is_file(value) for _, value in pairs) or (self.content_type or "").startswith(
                "multipart/form-data"
            ):
                self.body, boundary = encode_multipart(pairs)
                self.content_type = f"multipart/form-data; boundary={boundary}"
            else:
                self.body = urlencode([(k, str(v)) for k, v in pairs]).encode()
                self.content_type = self.content_type or "application/x-www-form-urlencoded"

    def get_environ(self) -> dict[str, Any]:
        base = urlsplit(self.base_url)
        scheme = base.scheme or "http"
        host = base.netloc or "localhost"
        server_name, _, port = host.partition(":")
        script_name = unquote(base.path.rstrip("/"))
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": script_name.encode().decode("latin-1"),
            "PATH_INFO": self.path.encode().decode("latin-1"),
            "QUERY_STRING": self.query_string,
            "SERVER_NAME": server_name,
            "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": host,
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "Kettle-test-client/0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(self.body) if self._own_stream else self.input_stream,
            "wsgi.errors": self.errors_stream,
            "wsgi.multithread": self.multithread,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": self.run_once,
        }
        if self.environ_base:
            environ.update(self.environ_base)
        if self.content_length is not None:
            environ["CONTENT_LENGTH"] = str(self.content_length)
        elif self.body or self.method in ("POST", "PUT", "PATCH"):
            environ["CONTENT_LENGTH"] = str(len(self.body))
        if self.content_type:
            environ["CONTENT_TYPE"] = self.content_type
        for name, value in self.headers:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = str(value)
                continue
            key = f"HTTP_{key}"
            environ[key] = (
                f"{environ[key]}, {value}" if key in environ and key != "HTTP_HOST" else str(value)
            )
        if self.environ_overrides:
            environ.update(self.environ_overrides)
        return environ

    def close(self) -> None:
        """Nothing to release: bodies are built in memory."""


def _json_dumps(value: Any) -> str:
    return _json.dumps(value)


class TestResponse(Response):
    """A response the test client returned: with ``request``, ``history`` and ``text``."""

    __test__ = False
    request: Request
    history: tuple[TestResponse, ...] = ()

    @property
    def text(self) -> str:
        return self.get_data(as_text=True)  # type: ignore[no-any-return]


class Cookie:
    """One cookie in the client's jar."""

    def __init__(self, key: str, value: str, domain: str, path: str, expires: float | None):
        self.key = key
        self.value = value
        self.domain = domain
        self.path = path
        self.expires = expires

    def __repr__(self) -> str:
        return f"<Cookie {self.key}={self.value!r} path={self.path!r}>"


def parse_set_cookie(header: str, now: float) -> tuple[str, str, str | None, str, float | None]:
    """(name, value, domain, path, expiry timestamp or None) from a Set-Cookie header."""
    first, *attributes = header.split(";")
    name, _, value = first.strip().partition("=")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    domain: str | None = None
    path = "/"
    expires: float | None = None
    for attribute in attributes:
        key, _, attr_value = attribute.strip().partition("=")
        key = key.lower()
        if key == "path" and attr_value:
            path = attr_value
        elif key == "domain" and attr_value:
            domain = attr_value.lstrip(".")
        elif key == "max-age":
            expires = now + int(attr_value)
        elif key == "expires" and expires is None:
            try:
                expires = parsedate_to_datetime(attr_value).timestamp()
            except (TypeError, ValueError):
                expires = None
    return name, value, domain, path, expires


class KettleClient:
    """Calls an app with test requests: ``client.get("/")``, ``client.post(..., data=...)``."""

    __test__ = False

    def __init__(
        self,
        application: App,
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
    ) -> None:
        self.application = application
        self.response_wrapper = response_wrapper
        self._cookies: dict[tuple[str, str, str], Cookie] | None = {} if use_cookies else None
        self.environ_base: dict[str, Any] = {}
        self.preserve_context = False
        self._preserved: tuple[Any, Any] | None = None
        self._tokens: list[tuple[Any, Any]] = []

    # -- cookies -------------------------------------------------------------------------------

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies.get((domain, path, key))

    def set_cookie(
        self, key: str, value: str = "", *, domain: str = "localhost", path: str = "/",
        **kwargs: Any,
    ) -> None:  # fmt: skip
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        self._cookies[(domain, path, key)] = Cookie(key, value, domain, path, None)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        self._cookies.pop((domain, path, key), None)

    def _cookie_header(self, environ: dict[str, Any]) -> None:
        if not self._cookies:
            return
        now = time.time()
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        pairs = []
        for jar_key, cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= now:
                del self._cookies[jar_key]
            elif path.startswith(cookie.path.rstrip("/")) or cookie.path == "/":
                pairs.append(f"{cookie.key}={cookie.value}")
        if pairs:
            existing = environ.get("HTTP_COOKIE")
            environ["HTTP_COOKIE"] = "; ".join(([existing] if existing else []) + pairs)

    def _store_cookies(self, headers: Iterable[tuple[str, str]], host: str) -> None:
        if self._cookies is None:
            return
        now = time.time()
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            key, cookie_value, domain, path, expires = parse_set_cookie(value, now)
            domain = domain or host.partition(":")[0]
            jar_key = (domain, path, key)
            if expires is not None and expires <= now:
                self._cookies.pop(jar_key, None)
            else:
                self._cookies[jar_key] = Cookie(key, cookie_value, domain, path, expires)

    # -- requests ------------------------------------------------------------------------------

    def _build_environ(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args and isinstance(args[0], EnvironBuilder):
            environ = args[0].get_environ()
        elif args and isinstance(args[0], dict):
            environ = dict(args[0])
        else:
            kwargs.setdefault("environ_base", self.environ_base)
            builder = EnvironBuilder(self.application, *args, **kwargs)
            environ = builder.get_environ()
            builder.close()
        if self._cookies is not None:
            self._cookie_header(environ)
        return environ

    def _send(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Run the request through the app in-process: (status, headers, body)."""
        captured: list[Any] = []
        body: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [status, headers]
            return body.append

        iterable = self.application(environ, start_response)
        try:
            for chunk in iterable:
                if chunk:
                    body.append(chunk)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        if not captured:
            raise RuntimeError("the application did not call start_response")
        return captured[0], captured[1], b"".join(body)

    def _request_once(self, environ: dict[str, Any]) -> TestResponse:
        self._pop_preserved()
        if self.preserve_context:
            environ["kettle.preserve_context"] = self._remember_context
        status, headers, body = self._send(environ)
        self._store_cookies(headers, environ.get("HTTP_HOST", "localhost"))
        response = TestResponse([body], status=status, headers=headers)
        response.request = Request(environ)
        if self._preserved is not None:
            app_ctx, req_ctx = self._preserved
            self._preserved = None
            self._tokens.append((_cv_app.set(app_ctx), _cv_request.set(req_ctx)))
        return response

    def _remember_context(self, ctx: Any) -> None:
        self._preserved = (_cv_app.get(None), ctx)

    def _pop_preserved(self) -> None:
        while self._tokens:
            app_token, request_token = self._tokens.pop()
            _cv_request.reset(request_token)
            _cv_app.reset(app_token)

    def open(
        self, *args: Any, buffered: bool = False, follow_redirects: bool = False, **kwargs: Any
    ) -> TestResponse:
        environ = self._build_environ(*args, **kwargs)
        response = self._request_once(environ)
        if not follow_redirects:
            return response
        history: list[TestResponse] = []
        seen = {self._url_of(environ)}
        while response.status_code in REDIRECT_CODES and "Location" in response.headers:
            history.append(response)
            environ = self._redirect_environ(environ, response)
            url = self._url_of(environ)
            if url in seen or len(history) > 20:
                raise ClientRedirectError(f"loop detected: redirect to {url!r} already seen")
            seen.add(url)
            response = self._request_once(environ)
        response.history = tuple(history)
        return response

    @staticmethod
    def _url_of(environ: dict[str, Any]) -> str:
        query = environ.get("QUERY_STRING")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        return f"{environ.get('HTTP_HOST')}{path}{'?' + query if query else ''}"

    def _redirect_environ(self, environ: dict[str, Any], response: TestResponse) -> dict[str, Any]:
        current = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}"
        current += quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        target = urlsplit(urljoin(current, response.headers["Location"]))
        method = environ["REQUEST_METHOD"]
        keep_body = response.status_code in (307, 308)
        if not keep_body and method != "HEAD":
            method = "GET"
        kwargs: dict[str, Any] = {
            "method": method,
            "base_url": f"{target.scheme}://{target.netloc}",
            "query_string": target.query,
            "environ_base": self.environ_base,
        }
        if keep_body:
            environ["wsgi.input"].seek(0)
            kwargs["data"] = environ["wsgi.input"].read()
            kwargs["content_type"] = environ.get("CONTENT_TYPE")
        builder = EnvironBuilder(self.application, target.path or "/", **kwargs)
        new_environ = builder.get_environ()
        if self._cookies is not None:
            self._cookie_header(new_environ)
        return new_environ

    def get(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="GET", **kw)

    def post(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="POST", **kw)

    def put(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="PUT", **kw)

    def patch(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="PATCH", **kw)

    def delete(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="DELETE", **kw)

    def head(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="HEAD", **kw)

    def options(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="OPTIONS", **kw)

    def trace(self, *args: Any, **kw: Any) -> TestResponse:
        return self.open(*args, method="TRACE", **kw)

    # -- contexts and sessions -----------------------------------------------------------------

    def __enter__(self) -> KettleClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.preserve_context = False
        self._pop_preserved()

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Open the session the next request would see, let the test change it, store it."""
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        app = self.application
        environ = self._build_environ(*args, **kwargs)
        ctx = app.request_context(environ)
        interface = app.session_interface
        with ctx:
            session = interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("Session backend did not open a session.")
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        self._store_cookies(
            [(name, value) for name, value in response.headers.items() if name == "Set-Cookie"],
            environ.get("HTTP_HOST", "localhost"),
        )


class KettleCliRunner(click.testing.CliRunner):
    """Invokes the app's CLI commands in isolation: ``runner.invoke(args=["hello"])``."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> click.testing.Result:
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


FlaskClient = KettleClient
FlaskCliRunner = KettleCliRunner
