"""What apps and blueprints share: route decorators, hooks, error handlers, folders.

Rules: registration only records functions in plain dicts and lists keyed by scope (``None``
for the app, the blueprint's dotted name otherwise); the app reads them on each request
without copying. Error handlers are stored by (scope, code or ``None``, exception class);
registering a handler for a code that is not an HTTP error, or for something that is not an
exception class, is an error at registration time.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, TypeVar

from kettle.templates import FileSystemLoader

from .exceptions import HTTPException, default_exceptions
from .files import send_from_directory
from .globals import _cv_app
from .templating import _default_template_ctx_processor

if TYPE_CHECKING:
    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])
ErrorHandlers = dict[str | None, dict[int | None, dict[type[BaseException], Callable[..., Any]]]]


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name`` (the cwd if it has none)."""
    module = sys.modules.get(import_name)
    if module is not None and getattr(module, "__file__", None):
        return os.path.dirname(os.path.abspath(module.__file__ or ""))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in (None, "namespace", "built-in"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin or ""))


def registering_decorator(
    register: Callable[[Any, str | None], None], name: str | None
) -> Callable[[F], F]:
    """A decorator that hands the function and ``name`` to ``register`` and returns the
    function unchanged: the shape of ``template_filter``, ``app_template_test`` and kin."""

    def decorator(f: F) -> F:
        register(f, name)
        return f

    return decorator


def _endpoint_from_view_func(view_func: Callable[..., Any]) -> str:
    if view_func is None:
        raise TypeError("expected view func if endpoint is not provided.")
    return view_func.__name__


class Scaffold:
    """Registration state and decorators common to ``Kettle`` and ``Blueprint``."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.error_handler_spec: ErrorHandlers = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[Callable[[], Any]]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[Callable[[Any], Any]]] = defaultdict(list)
        self.teardown_request_funcs: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)
        # As Flask: every app and blueprint starts with the default processor.
        self.template_context_processors: dict[str | None, list[Callable[[], dict[str, Any]]]] = (
            defaultdict(list, {None: [_default_template_ctx_processor]})
        )
        self.url_value_preprocessors: dict[str | None, list[Callable[..., Any]]] = defaultdict(
            list
        )
        self.url_default_functions: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    # -- folders -------------------------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        if self._static_url_path is not None:
            return self._static_url_path
        if self._static_folder is not None:
            basename = os.path.basename(self._static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @property
    def jinja_loader(self) -> FileSystemLoader | None:
        if self.template_folder is not None:
            return FileSystemLoader(os.path.join(self.root_path, self.template_folder))
        return None

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``SEND_FILE_MAX_AGE_DEFAULT`` of the current app (seconds), ``None`` by default."""
        ctx = _cv_app.get(None)
        value = ctx.app.config["SEND_FILE_MAX_AGE_DEFAULT"] if ctx is not None else None
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        max_age = self.get_send_file_max_age(filename)
        response: Response = send_from_directory(
            self.static_folder or "", filename, max_age=max_age
        )
        return response

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> IO[Any]:
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes --------------------------------------------------------------------------------

    # ``add_url_rule(rule, endpoint=None, view_func=None, provide_automatic_options=None,
    # **options)``: the app adds the rule at once, a blueprint records it for registration.
    add_url_rule: Callable[..., None]

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self._method_route("PUT", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self._method_route("DELETE", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self._method_route("PATCH", rule, options)

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        def decorator(f: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks ---------------------------------------------------------------------------------

    def before_request(self, f: F) -> F:
        self.before_request_funcs[None].append(f)
        return f

    def after_request(self, f: F) -> F:
        self.after_request_funcs[None].append(f)
        return f

    def teardown_request(self, f: F) -> F:
        self.teardown_request_funcs[None].append(f)
        return f

    def context_processor(self, f: F) -> F:
        self.template_context_processors[None].append(f)
        return f

    def url_value_preprocessor(self, f: F) -> F:
        self.url_value_preprocessors[None].append(f)
        return f

    def url_defaults(self, f: F) -> F:
        self.url_default_functions[None].append(f)
        return f

    def errorhandler(self, code_or_exception: type[BaseException] | int) -> Callable[[F], F]:
        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: Callable[..., Any]
    ) -> None:
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[BaseException] | int,
    ) -> tuple[type[BaseException], int | None]:
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[BaseException] = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a subclass"
                    " of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, BaseException):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            shown = exc_class.__name__ if isinstance(exc_class, type) else repr(exc_class)
            raise ValueError(
                f"'{shown}' is not a subclass of Exception. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _find_package_path(import_name: str) -> str:
    """The folder that holds the top-level package (or the module itself)."""
    root_name = import_name.partition(".")[0]
    try:
        root_spec = importlib.util.find_spec(root_name)
    except (ImportError, ValueError):
        root_spec = None
    if root_spec is None:
        return os.getcwd()
    if root_spec.submodule_search_locations:
        if root_spec.origin in (None, "namespace"):
            return os.path.dirname(next(iter(root_spec.submodule_search_locations)))
        return os.path.dirname(os.path.dirname(root_spec.origin or ""))
    return os.path.dirname(root_spec.origin or "")


def find_package(import_name: str) -> tuple[str | None, str]:
    """(install prefix or None, package folder) for ``import_name``."""
    package_path = _find_package_path(import_name)
    prefix = os.path.abspath(sys.prefix)
    if pathlib.PurePath(package_path).is_relative_to(prefix):
        return prefix, package_path
    site_parent, site_folder = os.path.split(package_path)
    if site_folder.lower() == "site-packages":
        parent, folder = os.path.split(site_parent)
        if folder.lower() == "lib":
            return parent, package_path
        if os.path.basename(parent).lower() == "lib":
            return os.path.dirname(parent), package_path
        return site_parent, package_path
    return None, package_path
