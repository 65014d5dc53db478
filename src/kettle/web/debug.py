"""The debug error page: what an unhandled exception was, where, and with what data, shown
only when the app runs in debug mode. There is no console and nothing is executed.

Owns ``DebugMiddleware`` (installed by ``app.run(debug=True)`` and ``kettle run --debug``),
the collection of an error's report (``error_report``) and ``prefers_json``; the HTML is
drawn by ``debug_html``.

Rules:
- Every unhandled error is logged with its traceback on ``app.logger`` (as Flask's
  ``log_exception``), so the terminal shows it even when the page is never seen; wrapping
  a plain WSGI app (no Kettle app given), the traceback goes to ``wsgi.errors``.
- Frames are split into the user's (expanded, first) and the framework's (Kettle itself,
  installed packages, the standard library; folded). A template frame (the template engine
  maps generated code back to the template file and line) counts as the user's.
- Each frame shows its local variables: reprs are capped at ``REPR_LIMIT`` characters and
  the values of names that look secret (``SECRET_NAME``: password, secret, token, key, ...)
  are masked, in locals, form fields, query arguments and the Cookie/Authorization headers.
- The request is shown from the request object the app built (``werkzeug.request`` in the
  environ) and the session keys captured when the app reported the error
  (``got_request_exception``); session values are never shown.
- A template error puts the template name, line and surrounding source at the top.
- The body is JSON instead of HTML when the Accept header's best match between
  ``text/html`` and ``application/json`` is JSON (text/html wins ties, so ``*/*`` gets HTML).
- The page never raises: if building it fails, a minimal page is returned.
"""

from __future__ import annotations

import json
import linecache
import os
import re
import sysconfig
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from kettle.http.accept import MIMEAccept, parse_accept_header
from kettle.templates import TemplateSyntaxError

from . import signals
from .debug_html import debug_page_html_from_report
from .globals import _cv_request

if TYPE_CHECKING:
    from .appbase import App

REPR_LIMIT = 300
MASK = "******"
SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api_?key|^key$|_key$|^key_|auth|credential|cookie"
    r"|private|signature|salt|session_?id|csrf",
    re.IGNORECASE,
)
SECRET_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization", "x-api-key"})
SESSION_KEYS_ENVIRON = "kettle.debug.session_keys"
_TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".j2", ".jinja", ".jinja2", ".svg")
_KETTLE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_STDLIB_DIRS = tuple(
    os.path.abspath(path) + os.sep
    for key in ("stdlib", "platstdlib")
    if (path := sysconfig.get_paths().get(key))
)


@dataclass(slots=True)
class FrameReport:
    """One traceback entry as the page shows it."""

    filename: str
    lineno: int
    function: str
    user: bool
    template: bool
    source: list[tuple[int, str]]
    locals: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ErrorReport:
    """Everything the page shows about one unhandled error."""

    kind: str
    message: str
    chain: list[tuple[str, list[FrameReport]]]
    template: dict[str, Any] | None
    request: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        frames = self.chain[-1][1] if self.chain else []
        return {
            "error": self.kind,
            "message": self.message,
            "template": self.template,
            "frames": [
                {
                    "file": frame.filename,
                    "line": frame.lineno,
                    "function": frame.function,
                    "user": frame.user,
                    "code": dict(frame.source).get(frame.lineno, ""),
                    "locals": frame.locals if frame.user else {},
                }
                for frame in frames
            ],
            "request": self.request,
        }


def is_secret_name(name: str) -> bool:
    """Whether a variable, field or header named ``name`` probably holds a secret."""
    return bool(SECRET_NAME.search(name))


def safe_repr(value: Any, limit: int = REPR_LIMIT) -> str:
    """``repr(value)`` capped at ``limit`` characters; a failing ``__repr__`` is named."""
    try:
        text = repr(value)
    except Exception as error:  # a broken __repr__ must not break the page
        text = f"<repr failed: {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _masked(name: str, value: Any) -> str:
    return MASK if is_secret_name(name) else safe_repr(value)


def is_framework_file(filename: str) -> bool:
    """Kettle's own modules, installed packages and the standard library."""
    if filename.startswith("<"):
        return filename.startswith("<frozen")
    path = os.path.abspath(filename)
    if path.startswith(_KETTLE_DIR) and not path.endswith(_TEMPLATE_SUFFIXES):
        return True
    if f"{os.sep}site-packages{os.sep}" in path or f"{os.sep}dist-packages{os.sep}" in path:
        return True
    return path.startswith(_STDLIB_DIRS)


def _source_lines(filename: str, lineno: int, around: int = 2) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for number in range(max(1, lineno - around), lineno + around + 1):
        line = linecache.getline(filename, number)
        if not line and number > lineno:
            break
        lines.append((number, line.rstrip()))
    return lines


# Names every template sees (Flask's context processors and the engine's globals): not
# worth a row among a template frame's variables.
_TEMPLATE_NOISE = frozenset({"config", "request", "session", "g", "self", "loop"})


def _frame_locals(names: dict[str, Any], template: bool) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in names.items():
        if name.startswith("__"):
            continue
        if template and (name in _TEMPLATE_NOISE or callable(value)):
            continue
        shown[name] = _masked(name, value)
    return shown


def _frame_source(frame: Any, lineno: int) -> list[tuple[int, str]]:
    lines = _source_lines(frame.f_code.co_filename, lineno)
    source = frame.f_globals.get("__jinja_source__")
    if not any(text for _, text in lines) and isinstance(source, str):
        numbered = list(enumerate(source.splitlines(), 1))
        lines = numbered[max(0, lineno - 3) : lineno + 2]
    return lines


def _frames(tb: TracebackType | None) -> list[FrameReport]:
    frames: list[FrameReport] = []
    while tb is not None:
        frame = tb.tb_frame
        filename = frame.f_code.co_filename
        template = "__jinja_exception__" in frame.f_globals
        user = template or not is_framework_file(filename)
        frames.append(
            FrameReport(
                filename=filename,
                lineno=tb.tb_lineno,
                function=frame.f_code.co_name,
                user=user,
                template=template,
                source=_frame_source(frame, tb.tb_lineno),
                locals=_frame_locals(frame.f_locals, template) if user else {},
            )
        )
        tb = tb.tb_next
    return frames


def _template_section(error: BaseException, frames: list[FrameReport]) -> dict[str, Any] | None:
    """The template name, line and source around it, for an error raised in a template."""
    if isinstance(error, TemplateSyntaxError):
        name = error.name or error.filename or "<template>"
        source = (error.source or "").splitlines()
        numbered = list(enumerate(source, 1))[max(0, error.lineno - 3) : error.lineno + 2]
        return {"name": name, "line": error.lineno, "source": numbered}
    for frame in reversed(frames):
        if frame.template:
            location = getattr(error, "_kettle_template_location", None)
            name = location[0] if location else frame.filename
            return {"name": name, "line": frame.lineno, "source": frame.source}
    return None


def _request_section(environ: dict[str, Any] | None) -> dict[str, Any] | None:
    if environ is None:
        return None
    request = environ.get("werkzeug.request")
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    section: dict[str, Any] = {
        "method": environ.get("REQUEST_METHOD", ""),
        "url": getattr(request, "url", None) or environ.get("PATH_INFO", ""),
        "headers": {
            name: MASK if name.lower() in SECRET_HEADERS else value
            for name, value in sorted(headers.items())
        },
        "args": {},
        "form": {},
        "session_keys": environ.get(SESSION_KEYS_ENVIRON),
    }
    if request is not None:
        section["args"] = _masked_multidict(getattr(request, "args", {}))
        form = request.__dict__.get("form")  # only a form the app already parsed
        if form is not None:
            section["form"] = _masked_multidict(form)
    return section


def _masked_multidict(data: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        shown = [MASK if is_secret_name(key) else str(value)[:REPR_LIMIT] for value in values]
        result[key] = shown[0] if len(shown) == 1 else shown
    return result


def error_report(error: BaseException, environ: dict[str, Any] | None = None) -> ErrorReport:
    """Collect what the debug page shows about ``error`` (and its chained causes)."""
    chain: list[tuple[str, list[FrameReport]]] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.insert(0, (f"{type(current).__name__}: {current}", _frames(current.__traceback__)))
        current = current.__cause__ or current.__context__
    return ErrorReport(
        kind=type(error).__name__,
        message=str(error),
        chain=chain,
        template=_template_section(error, chain[-1][1]),
        request=_request_section(environ),
    )


def debug_page_html(error: BaseException, environ: dict[str, Any] | None = None) -> str:
    """The HTML of the debug page for ``error``."""
    return debug_page_html_from_report(error_report(error, environ))


def prefers_json(accept: str) -> bool:
    """Whether an Accept header's best match between HTML and JSON is JSON."""
    try:
        best: str | None = parse_accept_header(accept, MIMEAccept).best_match(
            ["text/html", "application/json"]
        )
    except ValueError:
        return False
    return best == "application/json"


def _fallback_page(error: BaseException) -> str:
    return f"<!doctype html><h1>Internal Server Error</h1><pre>{escape(safe_repr(error))}</pre>"


def debug_response_body(error: BaseException, environ: dict[str, Any] | None) -> tuple[bytes, str]:
    """The body and content type of the debug page for ``error``, HTML or JSON."""
    as_json = environ is not None and prefers_json(environ.get("HTTP_ACCEPT", ""))
    try:
        report = error_report(error, environ)
        if as_json:
            return json.dumps(report.as_json()).encode(), "application/json"
        return debug_page_html_from_report(report).encode(), "text/html; charset=utf-8"
    except Exception:
        if as_json:
            document = {"error": type(error).__name__, "message": safe_repr(str(error))}
            return json.dumps(document).encode(), "application/json"
        return _fallback_page(error).encode(), "text/html; charset=utf-8"


class DebugMiddleware:
    """Wraps a WSGI app: an exception that escapes it is logged and becomes the debug page.

    ``app.run(debug=True)`` and ``kettle run --debug`` install it around ``app.wsgi_app``;
    in debug mode the app lets exceptions propagate (as Flask does), and this shows them.
    An error after the response started cannot be shown and is re-raised to the server.
    """

    def __init__(self, app: Callable[[dict[str, Any], Any], Any], kettle_app: App | None = None):
        self.app = app
        self.kettle_app = kettle_app
        if kettle_app is not None:
            signals.got_request_exception.connect(self._capture, sender=kettle_app)

    def _capture(self, sender: Any, **extra: Any) -> None:
        """While the request context is still active, note the session's keys."""
        ctx = _cv_request.get(None)
        if ctx is None:
            return
        try:
            keys = sorted(str(key) for key in ctx.session)
        except Exception:  # a broken session must not hide the original error
            keys = []
        ctx.request.environ[SESSION_KEYS_ENVIRON] = keys
        try:
            ctx.request.form  # noqa: B018 - parse the body now, while it can be read
        except Exception:  # a malformed body: the page shows no form
            pass

    def _log(self, error: Exception, environ: dict[str, Any]) -> None:
        where = f"{environ.get('PATH_INFO', '?')} [{environ.get('REQUEST_METHOD', '?')}]"
        if self.kettle_app is not None:
            self.kettle_app.logger.error(f"Exception on {where}", exc_info=error)
            return
        # A plain WSGI app (Werkzeug's DebuggedApplication does the same): wsgi.errors.
        stream = environ.get("wsgi.errors")
        if stream is not None:
            text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            try:
                stream.write(f"Exception on {where}\n{text}")
            except (OSError, ValueError):  # a closed or broken stream must not hide the page
                pass

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started: list[bool] = []

        def tracking_start_response(*args: Any) -> Any:
            started.append(True)
            return start_response(*args)

        try:
            return self.app(environ, tracking_start_response)
        except Exception as error:
            self._log(error, environ)
            if started:
                raise
            body, content_type = debug_response_body(error, environ)
            start_response(
                "500 INTERNAL SERVER ERROR",
                [("Content-Type", content_type), ("Content-Length", str(len(body)))],
            )
            return [body]
