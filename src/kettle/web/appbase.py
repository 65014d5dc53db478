"""The setup half of the application object: configuration, rule and blueprint registration,
contexts, URL building, templates, async support and the testing helpers.

Rules: everything here happens at setup time or once per context; the per-request path
lives in ``app.py`` (``Kettle``, which subclasses ``App``) and is kept lean. Adding a route
after the first request is an error, as in Flask, because the rule set is compiled once.
This module never imports ``kettle.server``: only ``app.run`` (in ``app.py``) does.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import sys
import weakref
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cached_property
from itertools import chain
from typing import IO, Any, TypeVar
from urllib.parse import quote

import click

from kettle.realtime.websocket import ConnectionClosed, HandshakeError, accept

from . import cli as cli_module
from . import signals
from .app_logging import create_logger
from .blueprints import Blueprint
from .config import Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .exceptions import Aborter
from .globals import _cv_app, _cv_request, g, request, session
from .helpers import get_flashed_messages
from .json import DefaultJSONProvider, JSONProvider
from .realtime import KETTLE_STATIC_ENDPOINT, build_kettle_static
from .routing import BuildError, Map, MapAdapter, Rule
from .scaffold import (
    Scaffold,
    _endpoint_from_view_func,
    _make_timedelta,
    find_package,
    registering_decorator,
)
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import (
    DispatchingJinjaLoader,
    Environment,
    _default_template_ctx_processor,
    only_default_processors,
)
from .testing import EnvironBuilder, KettleClient, KettleCliRunner
from .wrappers import Request, Response
from .wrappers import redirect as _redirect

F = TypeVar("F", bound=Callable[..., Any])
# An app's template_context_processors while it has only Flask's default processor.
_ONLY_DEFAULT_PROCESSOR = {None: [_default_template_ctx_processor]}

DEFAULT_CONFIG: dict[str, Any] = {
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    "LIVE_RELOAD": None,  # None: on in debug mode (kettle.web.realtime)
}


def _split_blueprint_path(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: index + 1]) for index in reversed(range(len(parts)))]


class App(Scaffold):
    """Everything of ``Kettle`` but request handling; see the module docstring."""

    wsgi_app: Callable[[dict[str, Any], Any], Any]  # defined by Kettle (app.py)
    _match: Callable[..., None]  # defined by Kettle (app.py): (ctx, plain=False)
    #: ``serves_plain``'s answer about overridden methods (kettle.web.plain_path).
    _plain_as: tuple[type, dict[str, Any], int, App, bool] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI entry point (``wsgi_app``, so middleware can wrap ``app.wsgi_app``)."""
        return self.wsgi_app(environ, start_response)

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    aborter_class = Aborter
    jinja_environment = Environment
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    url_rule_class = Rule
    url_map_class = Map
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    session_interface: SessionInterface = SecureCookieSessionInterface()
    test_client_class: type[KettleClient] | None = None
    test_cli_runner_class: type[KettleCliRunner] | None = None
    jinja_options: dict[str, Any] = {}
    default_config = DEFAULT_CONFIG

    testing = ConfigAttribute("TESTING")
    secret_key = ConfigAttribute("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError("If an instance path is provided it must be absolute.")
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.aborter_class()
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]] = []
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], None]] = []
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, Any] = {}
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._sync_cache: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.cli: click.Group = cli_module.AppGroup(self.name)
        self.name_for_cli = self.name
        if self.has_static_folder:
            if bool(static_host) != host_matching:
                # Flask's check: with host matching the static route needs a host, and a
                # static host means nothing without host matching.
                raise AssertionError("Invalid static_host/host_matching combination")
            self_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: self_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

    # -- identity and configuration -----------------------------------------------------------

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return str(os.path.splitext(os.path.basename(filename))[0])
        return self.import_name

    @property
    def debug(self) -> bool:
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @cached_property
    def logger(self) -> logging.Logger:
        return create_logger(self)

    def make_config(self, instance_relative: bool = False) -> Config:
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = os.environ.get("FLASK_DEBUG", "") not in ("", "0", "false", "no")
        return self.config_class(root_path, defaults)

    def auto_find_instance_path(self) -> str:
        """``instance`` beside the package or module; ``<prefix>/var/<name>-instance`` for an
        installed one (Flask's rule)."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> IO[Any]:
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    @property
    def got_first_request(self) -> bool:
        return self._got_first_request

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application. It"
                " has already handled its first request, any changes will not be applied"
                " consistently.\nMake sure all imports, decorators, functions, etc. needed to"
                " set up the application are done before running it."
            )

    # -- registration --------------------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        self._check_setup_finished("add_url_rule")
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        method_set = {item.upper() for item in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in method_set and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required.add("OPTIONS")
            else:
                provide_automatic_options = False
        method_set |= required
        if options.get("host") is None:
            options.pop("host", None)
        rule_obj = self.url_rule_class(rule, methods=method_set, **options)
        rule_obj.provide_automatic_options = provide_automatic_options
        self.url_map.add(rule_obj)
        if view_func is not None:
            existing = self.view_functions.get(endpoint)
            if existing is not None and existing != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        self._check_setup_finished("register_blueprint")
        blueprint.register(self, options)

    def iter_blueprints(self) -> Iterable[Blueprint]:
        return self.blueprints.values()

    def teardown_appcontext(self, f: F) -> F:
        self.teardown_appcontext_funcs.append(f)
        return f

    def shell_context_processor(self, f: F) -> F:
        self.shell_context_processors.append(f)
        return f

    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_template_filter, name)

    def add_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        self.jinja_env.filters[name or f.__name__] = f

    def template_test(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_template_test, name)

    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        self.jinja_env.tests[name or f.__name__] = f

    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_template_global, name)

    def add_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        self.jinja_env.globals[name or f.__name__] = f

    def websocket(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Route ``rule`` to ``f(ws, **view_args)`` over an accepted WebSocket connection."""
        subprotocols = tuple(options.pop("subprotocols", ()))
        allowed_origins = options.pop("allowed_origins", None)

        def decorator(f: F) -> F:
            endpoint = options.pop("endpoint", None) or f.__name__
            handler = self.ensure_sync(f)

            def websocket_view(**view_args: Any) -> Any:
                environ = _cv_request.get().request.environ
                try:
                    ws = accept(
                        environ, subprotocols=subprotocols, allowed_origins=allowed_origins
                    )
                except HandshakeError as error:
                    return self.response_class(
                        error.reason, status=error.status, headers=error.headers
                    )
                try:
                    handler(ws, **view_args)
                except ConnectionClosed:
                    pass  # the client went away: nothing left to answer
                finally:
                    ws.close()
                # The server no longer owns the connection; this response is never sent.
                return self.response_class(b"", status=101)

            websocket_view.__name__ = endpoint
            self.add_url_rule(rule, endpoint, websocket_view, methods=["GET"], **options)
            return f

        return decorator

    # -- contexts ------------------------------------------------------------------------------

    def app_context(self) -> AppContext:
        return AppContext(self)

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return RequestContext(self, environ)

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        from_builder = self._environ_builder(*args, **kwargs)
        try:
            ctx = self.request_context(from_builder.get_environ())
        finally:
            from_builder.close()
        ctx.open_session_on_push = True  # as Flask, through app.session_interface
        return ctx

    def _environ_builder(self, *args: Any, **kwargs: Any) -> EnvironBuilder:
        return EnvironBuilder(self, *args, **kwargs)

    def _matches_default_domain(self) -> bool:
        """Whether a request's adapter would match on the map's default subdomain
        whatever its Host: no host or subdomain matching, and neither the adapter factory
        nor the map's binding overridden. Then matching needs no adapter, and a request
        context binds one only when something asks for it (``url_for``, a redirect)."""
        url_map = self.url_map
        return (
            not url_map.host_matching
            and not self.subdomain_matching
            and type(self).create_url_adapter is App.create_url_adapter
            and type(url_map).bind_to_environ is Map.bind_to_environ
        )

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        if request is not None:
            # As Flask: without subdomain matching every request is on the default
            # subdomain; with it, the subdomain is what the Host has before SERVER_NAME.
            # Host matching matches the request's own Host, so SERVER_NAME is not passed.
            server_name = self.config["SERVER_NAME"]
            subdomain: str | None = None
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain
            return self.url_map.bind_to_environ(
                request.environ, server_name=server_name, subdomain=subdomain
            )
        server_name = self.config["SERVER_NAME"]
        if server_name is not None:
            return self.url_map.bind(
                server_name,
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        funcs = self.teardown_request_funcs
        if funcs:
            ctx = _cv_request.get(None)
            names: Iterable[str | None] = (None,)
            if ctx is not None:
                names = chain(ctx.request.blueprints, (None,))
            for name in names:
                for func in reversed(funcs.get(name, ())):
                    self.ensure_sync(func)(exc)
        if signals.request_tearing_down.receivers:
            signals.request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if signals.appcontext_tearing_down.receivers:
            signals.appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def make_shell_context(self) -> dict[str, Any]:
        context: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            context.update(processor())
        return context

    # -- URLs ----------------------------------------------------------------------------------

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = req_ctx.request.blueprint
            if endpoint[:1] == ".":
                endpoint = f"{blueprint_name}{endpoint}" if blueprint_name else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            url_adapter = app_ctx.url_adapter if app_ctx is not None else None
            if url_adapter is None:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        try:
            url = url_adapter.build(  # type: ignore[union-attr]
                endpoint, values, method=_method, url_scheme=_scheme, force_external=_external
            )
        except BuildError as error:
            kettle_url = None
            if endpoint == KETTLE_STATIC_ENDPOINT:  # Kettle's browser client (realtime.py)
                kettle_url = build_kettle_static(
                    url_adapter,  # type: ignore[arg-type]  # not None: build() just ran on it
                    values,
                    _method,
                    _scheme,
                    _external,
                )
            if kettle_url is None:
                values.update(
                    _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external
                )
                return self.handle_url_build_error(error, endpoint, values)
            url = kettle_url
        if _anchor is not None:
            url = f"{url}#{_quote_anchor(_anchor)}"
        return url

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        names: Iterable[str | None] = (None,)
        if "." in endpoint:
            names = chain(names, reversed(_split_blueprint_path(endpoint.rpartition(".")[0])))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        for handler in self.url_build_error_handlers:
            try:
                url = handler(error, endpoint, values)
            except BuildError as new_error:
                error = new_error
                continue
            if url is not None:
                return url
        if error is sys.exc_info()[1]:
            raise
        raise error

    def redirect(self, location: str, code: int = 302) -> Response:
        response: Response = _redirect(location, code=code, Response=self.response_class)
        return response

    # -- templates -----------------------------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        env = self.jinja_environment(self, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, Any]) -> None:
        processors = self.template_context_processors
        req_ctx = _cv_request.get(None)
        # One C comparison for the common table ({None: [the default]}): the lists' items
        # are compared by identity first, so the default processor is never asked.
        if processors == _ONLY_DEFAULT_PROCESSOR or only_default_processors(processors):
            # The default processor alone: its g and request, below the caller's values.
            app_ctx = _cv_app.get(None)
            if app_ctx is not None and "g" not in context:
                context["g"] = app_ctx.g
            if req_ctx is not None and "request" not in context:
                context["request"] = req_ctx.request
            return
        names: Iterable[str | None] = (None,)
        if req_ctx is not None:
            names = chain(names, reversed(req_ctx.request.blueprints))
        original = context.copy()
        for name in names:
            for processor in self.template_context_processors.get(name, ()):
                context.update(self.ensure_sync(processor)())
        context.update(original)

    # -- testing and running -------------------------------------------------------------------

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> KettleClient:
        cls = self.test_client_class or KettleClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: Any) -> KettleCliRunner:
        cls = self.test_cli_runner_class or KettleCliRunner
        return cls(self, **kwargs)

    # -- async -----------------------------------------------------------------------------------

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` itself, or for a coroutine function a wrapper that runs it to completion."""
        cached = self._sync_cache.get(func)
        if cached is not None:
            return cached
        wrapped = self.async_to_sync(func) if inspect.iscoroutinefunction(func) else func
        try:
            self._sync_cache[func] = wrapped
        except TypeError:
            pass
        return wrapped

    def async_to_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Run the coroutine function to completion in the calling (worker) thread."""

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            return asyncio.run(func(*args, **kwargs))

        return run


def _quote_anchor(anchor: str) -> str:
    return quote(anchor, safe="%!#$&'()*+,/:;=?@")
