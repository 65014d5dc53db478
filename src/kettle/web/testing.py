"""Testing helpers: the test client (``app.test_client()``) and the CLI runner
(``app.test_cli_runner()``); ``EnvironBuilder`` lives in ``environ_builder`` and is
re-exported here, where Flask users import it.

Rules: the client builds a plain PEP 3333 environ and calls the app in-process; sending a
request (``_send``) is one method, so a subclass can send the same environ over a real
socket instead. ``client.environ_base`` applies to every request, below the request's own
values (also for a ready environ, builder or request, as in Werkzeug); it starts as Flask's
(``REMOTE_ADDR`` and a ``Werkzeug/<version>`` User-Agent). Cookies set by responses are
kept in a ``CookieJar`` (``cookiejar.py``) and sent back as Werkzeug's client sends them.
By default (``buffered=None``) a response is read whole before ``open()`` returns, yet
its body is an iterator (``is_streamed``), as the response of Werkzeug's default unbuffered
client is; ``buffered=True`` gives a list, ``buffered=False`` the app's unread iterable.
``follow_redirects`` follows up to 20 redirects and reports a loop as an error.
``with client:`` pushes the last request's contexts again after it ended, until the next
request or the end of the block, as Flask 3.1 does: the teardown functions run when the
request ends and again when those contexts are popped.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import click.testing

from kettle.http.parts import ResponseParts, as_wsgi, direct_entry

from .cli import ScriptInfo
from .cookiejar import Cookie, CookieJar
from .environ_builder import REQUEST_KEYS, EnvironBuilder, encode_multipart
from .globals import _cv_app
from .wrappers import Request, Response

#: Call a Kettle app through ``kettle_direct``, the entry kettle.server uses, instead of
#: as WSGI: set by ``KETTLE_TEST_DIRECT=1`` in the environment (the compatibility runs
#: run Flask's and the extensions' suites both ways), or assigned by a test.
CALL_DIRECT = os.environ.get("KETTLE_TEST_DIRECT") == "1"

if TYPE_CHECKING:
    from .appbase import App
    from .ctx import AppContext, RequestContext

__all__ = [
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "KettleCliRunner",
    "KettleClient",
    "TestResponse",
    "encode_multipart",
]

REDIRECT_CODES = {301, 302, 303, 305, 307, 308}


class ClientRedirectError(Exception):
    """A redirect loop (or too many redirects) while following redirects."""


class TestResponse(Response):
    """A response the test client returned: with ``request``, ``history`` and ``text``."""

    __test__ = False
    request: Request
    history: tuple[TestResponse, ...] = ()
    # As Werkzeug's: the headers are the app's, never a Content-Type added here.
    default_mimetype = None

    @property
    def text(self) -> str:
        return self.get_data(as_text=True)  # type: ignore[no-any-return]


#: The Werkzeug release whose API Kettle's test client follows; its User-Agent names the
#: installed Werkzeug instead when there is one, as Flask's client does.
WERKZEUG_API_VERSION = "3.1.9"


@functools.cache
def werkzeug_user_agent() -> str:
    """The User-Agent Flask's test client sends: ``Werkzeug/<version>``."""
    try:
        version = importlib.metadata.version("werkzeug")
    except importlib.metadata.PackageNotFoundError:
        version = WERKZEUG_API_VERSION
    return f"Werkzeug/{version}"


def _host_and_path(environ: Mapping[str, Any]) -> tuple[str, str]:
    """The host name (no port, lower case) and the full path a request goes to, for
    matching cookies."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "localhost"
    name = urlsplit(f"//{host}").hostname or "localhost"
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return name, path.encode("latin-1", "replace").decode("utf-8", "replace") or "/"


def _stream(
    written: list[bytes], early: list[bytes], iterator: Iterator[bytes], close: Any
) -> Iterator[bytes]:
    """The unread body of a streamed response: what the app wrote with ``write()`` first,
    then its iterable; the iterable is closed when this ends or is closed."""
    try:
        for chunk in early:
            while written:
                yield written.pop(0)
            yield chunk
        while True:
            while written:
                yield written.pop(0)
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            yield chunk
    finally:
        if close is not None:
            close()


_WRAPPED_RESPONSES: dict[type[Any], type[TestResponse]] = {}


def _resent_headers(environ: dict[str, Any], keep_body: bool) -> list[tuple[str, str]]:
    """The request's own headers for the redirected request (Host and cookies are set
    anew; body headers only when the body is sent again)."""
    headers = []
    for key, value in environ.items():
        if not key.startswith("HTTP_") or key in ("HTTP_HOST", "HTTP_COOKIE"):
            continue
        if not keep_body and key in ("HTTP_TRANSFER_ENCODING", "HTTP_CONTENT_ENCODING"):
            continue
        headers.append((key[5:].replace("_", "-").title(), str(value)))
    return headers


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
        self.allow_subdomain_redirects = allow_subdomain_redirects
        self._cookies: CookieJar | None = CookieJar() if use_cookies else None
        # As Flask's client: applied to every request; a request's own values win.
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": werkzeug_user_agent(),
        }
        self.preserve_context = False
        self._preserved: tuple[AppContext | None, RequestContext] | None = None
        self._pushed: list[tuple[AppContext | None, RequestContext]] = []

    def _response_class(self) -> type[TestResponse]:
        """``TestResponse``, or (as Werkzeug's client does) a subclass mixing in the
        ``response_wrapper`` given to the client."""
        wrapper = self.response_wrapper
        if wrapper is None or issubclass(wrapper, TestResponse):
            return wrapper or TestResponse
        mixed = _WRAPPED_RESPONSES.get(wrapper)
        if mixed is None:
            mixed = type("WrapperTestResponse", (TestResponse, wrapper), {})
            _WRAPPED_RESPONSES[wrapper] = mixed
        return mixed

    # -- cookies -------------------------------------------------------------------------------

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The stored cookie ``(domain, path, key)`` (``key`` decoded), else ``None``."""
        return self._jar().get((domain, path, key))

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: Any,
    ) -> None:
        """Store a cookie for later requests; ``kwargs`` go to ``dump_cookie``."""
        self._jar().set_cookie(key, value, domain, origin_only, path, **kwargs)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        self._jar().pop((domain, path, key), None)

    def _jar(self) -> CookieJar:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies

    def _add_cookies_to_wsgi(self, environ: dict[str, Any]) -> None:
        """Add the stored cookies that match the request to its ``Cookie`` header (after a
        header the request brought itself)."""
        if not self._cookies:
            return
        value = self._cookies.request_header(*_host_and_path(environ))
        if value:
            existing = environ.get("HTTP_COOKIE")
            environ["HTTP_COOKIE"] = f"{existing}; {value}" if existing else value

    def _update_cookies_from_response(
        self, server_name: str, path: str, headers: Iterable[str]
    ) -> None:
        """Store what the ``Set-Cookie`` values ``headers`` of a response say."""
        if self._cookies is not None:
            self._cookies.update_from_response(server_name, path, headers)

    def _store_cookies(
        self, environ: Mapping[str, Any], headers: Iterable[tuple[str, str]]
    ) -> None:
        if self._cookies is not None:
            values = [value for name, value in headers if name.lower() == "set-cookie"]
            if values:
                self._update_cookies_from_response(*_host_and_path(environ), values)

    # -- requests ------------------------------------------------------------------------------

    def _build_environ(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The environ for ``open``'s arguments, with ``environ_base`` applied as Werkzeug
        applies it: below the builder's own ``environ_base`` and the request itself."""
        if args and isinstance(args[0], EnvironBuilder):
            builder = copy.copy(args[0])
            builder.environ_base = {**self.environ_base, **(builder.environ_base or {})}
            environ = builder.get_environ()
        elif args and isinstance(args[0], dict):
            environ = self._rebase(args[0])
        elif args and isinstance(args[0], Request):  # Werkzeug's client also takes a Request
            environ = {**self.environ_base, **args[0].environ}  # as Flask's: its keys win
        else:
            environ = self._request_from_builder_args(args, kwargs).environ
        self._add_cookies_to_wsgi(environ)
        return environ

    def _request_from_builder_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The request ``open(*args, **kwargs)`` sends (Flask's private helper, which
        Flask-SocketIO calls): built by ``EnvironBuilder`` over ``environ_base``."""
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request(getattr(self.application, "request_class", Request))
        finally:
            builder.close()

    def _rebase(self, ready: Mapping[str, Any]) -> dict[str, Any]:
        """A ready environ with ``environ_base`` applied. As Werkzeug rebuilds such an
        environ from its request line, headers and body, those stay the request's own;
        every other key (``REMOTE_ADDR``, ``wsgi.*`` flags, extensions) comes from
        ``environ_base`` when it has one."""
        environ = dict(ready)
        for key, value in self.environ_base.items():
            if key in REQUEST_KEYS or (key.startswith("HTTP_") and key in environ):
                continue
            environ[key] = value
        return environ

    def _send(
        self, environ: dict[str, Any], buffered: bool = True
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        """Run the request through the app in-process: (status, headers, body chunks).

        A list or tuple body is complete already. Any other body is read whole when
        ``buffered``; otherwise it is handed back unread, as Werkzeug's client does, so a
        streamed (even endless) response can be read piece by piece: iteration pulls
        from the app, and closing the response closes the app's iterable."""
        captured: list[Any] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [status, headers]
            return written.append

        direct = direct_entry(self.application) if CALL_DIRECT else None
        if direct is not None:
            # kettle.server's direct entry, as that server calls it (``CALL_DIRECT``): a
            # whole response comes back as parts, here handed on as WSGI would.
            iterable = direct(environ, start_response)
            if type(iterable) is ResponseParts:
                iterable = as_wsgi(iterable, start_response)
        else:
            iterable = self.application(environ, start_response)
        close = getattr(iterable, "close", None)
        if buffered or type(iterable) is list or type(iterable) is tuple:
            try:
                for chunk in iterable:
                    if chunk:  # text chunks are encoded, as Werkzeug's client does
                        written.append(chunk.encode() if isinstance(chunk, str) else chunk)
            finally:
                if close is not None:
                    close()
            if not captured:
                raise RuntimeError("the application did not call start_response")
            return captured[0], captured[1], [b"".join(written)]
        iterator = iter(iterable)
        early: list[bytes] = []
        try:
            while not captured:  # a generator app may call start_response when first read
                early.append(next(iterator))
        except StopIteration:
            pass
        except BaseException:
            if close is not None:
                close()
            raise
        if not captured:
            if close is not None:
                close()
            raise RuntimeError("the application did not call start_response")
        return captured[0], captured[1], _stream(written, early, iterator, close)

    def _request_once(self, environ: dict[str, Any], buffered: bool | None = None) -> TestResponse:
        self._pop_preserved()
        self._preserved = None
        if self.preserve_context:
            environ["kettle.preserve_context"] = self._remember_context
        status, headers, body = self._send(environ, buffered is not False)
        self._store_cookies(environ, headers)
        if isinstance(body, bytes | bytearray):
            body = [bytes(body)]  # a list keeps the app's own Content-Length header
        if buffered is not True:
            # As Werkzeug's unbuffered client: the body is an iterator (``is_streamed``),
            # here read already unless ``buffered=False``.
            body = iter(body)
        response = self._response_class()(body, status=status, headers=headers)
        response.request = Request(environ)
        if self._preserved is not None:
            self._push_preserved(*self._preserved)
            self._preserved = None
        return response

    def _remember_context(self, ctx: RequestContext) -> None:
        self._preserved = (_cv_app.get(None), ctx)

    def _push_preserved(self, app_ctx: AppContext | None, req_ctx: RequestContext) -> None:
        """Push the finished request's contexts again (as Flask 3.1 does): its teardown
        functions ran when the request ended and run once more when these are popped."""
        if app_ctx is not None:
            app_ctx.push()
        try:
            req_ctx.push()
        except BaseException:
            if app_ctx is not None:
                app_ctx.pop(None)
            raise
        self._pushed.append((app_ctx, req_ctx))

    def _pop_preserved(self) -> None:
        while self._pushed:
            app_ctx, req_ctx = self._pushed.pop()
            try:
                req_ctx.pop(None)
            finally:
                if app_ctx is not None:
                    app_ctx.pop(None)

    def open(
        self,
        *args: Any,
        buffered: bool | None = None,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        environ = self._build_environ(*args, **kwargs)
        response = self._request_once(environ, buffered)
        if not follow_redirects:
            return response
        history: list[TestResponse] = []
        seen = {self._url_of(environ)}
        while response.status_code in REDIRECT_CODES and "Location" in response.headers:
            response.history = tuple(history)  # each response knows the ones before it
            history.append(response)
            environ = self._redirect_environ(environ, response)
            url = self._url_of(environ)
            if url in seen or len(history) > 20:
                raise ClientRedirectError(f"loop detected: redirect to {url!r} already seen")
            seen.add(url)
            response.close()
            response = self._request_once(environ, buffered)
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
        self._check_redirect_host(environ, target.hostname or "")
        method = environ["REQUEST_METHOD"]
        keep_body = response.status_code in (307, 308)
        if not keep_body and method != "HEAD":
            method = "GET"
        # As Werkzeug's client: a target under the current script root stays under it.
        root = quote(environ.get("SCRIPT_NAME", ""))
        path = target.path or "/"
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root) :] or "/"
        else:
            root = ""
        kwargs: dict[str, Any] = {
            "method": method,
            "base_url": f"{target.scheme}://{target.netloc}{root}",
            "query_string": target.query,
            "environ_base": self.environ_base,
            "headers": _resent_headers(environ, keep_body),
        }
        if keep_body:
            environ["wsgi.input"].seek(0)
            kwargs["data"] = environ["wsgi.input"].read()
            kwargs["content_type"] = environ.get("CONTENT_TYPE")
        builder = EnvironBuilder(self.application, path, **kwargs)
        new_environ = builder.get_environ()
        self._add_cookies_to_wsgi(new_environ)
        return new_environ

    def _check_redirect_host(self, environ: dict[str, Any], host: str) -> None:
        """As Werkzeug's client: a redirect to another host is not followed (the app
        under test cannot serve it); a subdomain only with ``allow_subdomain_redirects``."""
        current = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
        current = current.rpartition(":")[0] if current.count(":") == 1 else current
        if not host or host == current:
            return
        to_parts, from_parts = host.split("."), current.split(".")
        if to_parts[-len(from_parts) :] != from_parts:
            raise RuntimeError("Following external redirects is not supported.")
        if not self.allow_subdomain_redirects:
            raise RuntimeError("Following subdomain redirects is not enabled.")

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
        self._jar()
        app = self.application
        # As Flask: a test request context with the client's cookies (not environ_base).
        ctx = app.test_request_context(*args, **kwargs)
        environ = ctx.request.environ
        self._add_cookies_to_wsgi(environ)
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
        self._store_cookies(environ, response.headers.items())


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
