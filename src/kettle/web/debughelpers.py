"""Debug-mode explanations (``flask.debughelpers``): errors and log lines that say why a
common mistake failed instead of leaving a bare ``KeyError``, redirect or missing template.

Owns ``UnexpectedUnicodeError``, ``DebugFilesKeyError``, ``FormDataRoutingRedirect``,
``attach_enctype_error_multidict`` and ``explain_template_loading_attempts``.

Rules:
- Nothing here runs unless the app asks for it: the request calls
  ``attach_enctype_error_multidict`` only in debug mode for a form body that was not sent
  as ``multipart/form-data``; the app raises ``FormDataRoutingRedirect`` only in debug mode
  for a redirect that would lose the body; the template loader explains its attempts only
  when ``EXPLAIN_TEMPLATE_LOADING`` is set. So the hot path never enters this module.
- The request module imports this one, so this module imports no other part of the web
  layer at run time except ``globals`` (the request, the app and the routing exception are
  used through their attributes).
- The explanations are for people: full sentences naming the request's values, and for
  templates one INFO record on ``app.logger`` per lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .globals import _cv_request

if TYPE_CHECKING:
    from kettle.templates import BaseLoader

    from .appbase import App
    from .request import Request

    # What a loader's ``get_source`` returns: source, file name, up-to-date check.
    SourceTuple = tuple[str, str | None, Callable[[], bool] | None]

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]

_BLUEPRINT_DOCS = "https://flask.palletsprojects.com/blueprints/#templates"


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where text or bytes of an unexpected kind deserve a clearer report than a
    plain ``UnicodeError``."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` in debug mode when ``key`` came in the form as a plain field:
    the form was not sent as ``multipart/form-data``, so the browser sent only file names."""

    def __init__(self, request: Request, key: str) -> None:
        super().__init__(key)
        names = request.form.getlist(key)
        text = (
            f"The view asked for the uploaded file {key!r} in request.files, but there is no"
            f" such file: the request's mimetype is {request.mimetype!r}, not"
            " 'multipart/form-data', so no file contents were transmitted. Add"
            ' enctype="multipart/form-data" to the HTML form that sends the file.'
        )
        if names:
            submitted = ", ".join(repr(name) for name in names)
            text += (
                "\n\nWhat the browser sent under that name is the file name, as a plain form"
                f" field. This was submitted: {submitted}"
            )
        self.msg = text

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """Debug mode: routing answered a request whose method is not GET, HEAD or OPTIONS with
    a redirect other than 307/308, which makes browsers repeat it as a GET without its body.
    """

    def __init__(self, request: Request) -> None:
        new_url = getattr(request.routing_exception, "new_url", None)
        if not isinstance(new_url, str):
            raise TypeError(
                "FormDataRoutingRedirect needs a request whose routing_exception is a"
                f" RequestRedirect, not {request.routing_exception!r}."
            )
        text = (
            f"The request to '{request.url}' was answered by routing with a redirect to the"
            f" canonical URL '{new_url}'."
        )
        if new_url.partition("?")[0] == request.base_url + "/":
            text += (
                " That rule is defined with a trailing slash, and a URL without it redirects"
                " to the one with it."
            )
        text += (
            " Browsers follow this redirect without the form data. Send the request to the"
            " canonical URL, or make routing redirects use 307 or 308, which keep the"
            " method and body.\n\nThis error is raised in debug mode only."
        )
        super().__init__(text)


class _EnctypeCheckedFiles:
    """Mixed into the class of ``request.files``: a missing key that the form holds raises
    ``DebugFilesKeyError``. Subclasses are made per files class by ``_checked_class``."""

    __slots__ = ()
    _request: Request

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)  # type: ignore[misc]
        except KeyError as error:
            request = self._request
            if key not in request.form:
                raise
            raise DebugFilesKeyError(request, key).with_traceback(error.__traceback__) from None


_checked_classes: dict[type, type] = {}


def _checked_class(base: type) -> type:
    checked = _checked_classes.get(base)
    if checked is None:
        # Keep the name and module so reprs and error pages show the usual class.
        namespace = {"__module__": base.__module__, "__qualname__": base.__qualname__}
        checked = type(base.__name__, (_EnctypeCheckedFiles, base), namespace)
        _checked_classes[base] = checked
    return checked


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise ``DebugFilesKeyError`` (explaining the missing
    ``enctype="multipart/form-data"``) when ``key`` is a field of ``request.form``."""
    files = request.files
    files.__class__ = _checked_class(type(files))
    files._request = request  # type: ignore[attr-defined]


def _describe_loader(loader: BaseLoader) -> Iterator[str]:
    """The loader's class and its public plain-valued attributes, one line each."""
    kind = type(loader)
    yield f"class: {kind.__module__}.{kind.__qualname__}"
    for name, value in sorted(vars(loader).items()):
        if name.startswith("_"):
            continue
        if isinstance(value, (list, tuple)):
            if all(isinstance(item, str) for item in value):
                yield f"{name}:"
                yield from (f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            yield f"{name}: {value!r}"


def _describe_source(app: App, source: object) -> str:
    if source is app:
        return f"application {app.import_name!r}"
    name = getattr(source, "name", None)
    import_name = getattr(source, "import_name", None)
    if isinstance(name, str) and isinstance(import_name, str):
        return f"blueprint {name!r} ({import_name})"
    return repr(source)


def explain_template_loading_attempts(
    app: App,
    template: str,
    attempts: Sequence[tuple[BaseLoader, object, SourceTuple | None]],
) -> None:
    """Log on ``app.logger`` (INFO) which loaders were asked for ``template``, in order,
    and what each found; ``attempts`` holds ``(loader, app or blueprint, result or None)``.
    """
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, source, result) in enumerate(attempts, 1):
        lines.append(f"{number:5}: trying loader of {_describe_source(app, source)}")
        lines.extend(f"       {line}" for line in _describe_loader(loader))
        if result is None:
            lines.append("       -> no match")
        else:
            found += 1
            lines.append(f"       -> found ({result[1] or '<string>'!r})")
    if found == 1:
        app.logger.info("\n".join(lines))
        return
    if found == 0:
        lines.append("Error: the template could not be found.")
    else:
        lines.append(f"Warning: {found} loaders found the template; the first one wins.")
    ctx = _cv_request.get(None)
    blueprint = ctx.request.blueprint if ctx is not None else None
    if blueprint is not None:
        lines.append(
            "  The template was looked up from an endpoint that belongs to the blueprint"
            f" {blueprint!r}; a blueprint's templates are searched in its template_folder"
            " after the application's."
        )
        lines.append("  Is the template in the right folder?")
        lines.append(f"  See {_BLUEPRINT_DOCS}")
    app.logger.info("\n".join(lines))
