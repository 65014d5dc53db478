"""The debug error page: the traceback of an unhandled exception with source lines, shown
only when the app runs in debug mode. There is no interactive console.

Rules: every frame is listed innermost last with its file, line, function and five lines of
source around the failing line; frames of compiled templates are recognised by their file
name (the template's path, as the template engine maps generated code back to template
lines) and marked as template frames. All text is HTML-escaped. The page is a plain 500
response and never raises itself: if formatting fails, a minimal page is returned.
"""

from __future__ import annotations

import linecache
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from markupsafe import escape

if TYPE_CHECKING:
    from .wrappers import Response

_TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".j2", ".jinja", ".jinja2", ".svg")

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{color:#a00}pre{background:#f6f6f6;padding:.6em;overflow:auto}"
    ".frame{border:1px solid #ddd;margin:1em 0;padding:.5em}"
    ".template{border-color:#c80}.current{background:#fdd;display:block}"
    ".where{font-family:monospace}"
)


def _is_template_frame(filename: str) -> bool:
    return filename.endswith(_TEMPLATE_SUFFIXES) or filename == "<template>"


def _source_lines(filename: str, lineno: int, around: int = 2) -> str:
    first = max(1, lineno - around)
    pieces: list[str] = []
    for number in range(first, lineno + around + 1):
        line = linecache.getline(filename, number)
        if not line and number > lineno:
            break
        text = f"{number:>5} {escape(line.rstrip())}"
        if number == lineno:
            text = f'<span class="current">{text}</span>'
        pieces.append(text)
    return "\n".join(pieces)


def _frames(tb: TracebackType | None) -> list[str]:
    rendered: list[str] = []
    for frame in traceback.extract_tb(tb):
        lineno = frame.lineno or 0
        template = _is_template_frame(frame.filename)
        kind = "template" if template else "frame"
        label = "Template" if template else "File"
        rendered.append(
            f'<div class="frame {kind}"><div class="where">{label} "{escape(frame.filename)}",'
            f" line {lineno}, in {escape(frame.name)}</div>"
            f"<pre>{_source_lines(frame.filename, lineno)}</pre></div>"
        )
    return rendered


def debug_page_html(error: BaseException) -> str:
    """The HTML of the debug page for ``error`` (with its chained causes)."""
    sections: list[str] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        title = f"{type(current).__name__}: {current}"
        sections.insert(
            0,
            f"<h2>{escape(title)}</h2>{''.join(_frames(current.__traceback__))}",
        )
        current = current.__cause__ or current.__context__
    name = f"{type(error).__name__}: {error}"
    return (
        f"<!doctype html><html><head><title>{escape(name)} // Kettle debugger</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(type(error).__name__)}</h1>"
        f"<p>{escape(str(error))}</p>"
        f"<p>Traceback <em>(most recent call last)</em>:</p>{''.join(sections)}"
        "<p>This page is shown because the app runs in debug mode. Never run a production"
        " app in debug mode.</p></body></html>"
    )


class DebugMiddleware:
    """Wraps a WSGI app: an exception that escapes it becomes the debug page (500).

    ``app.run(debug=True)`` and ``kettle run --debug`` install it around ``app.wsgi_app``;
    in debug mode the app lets exceptions propagate (as Flask does), and this shows them.
    An error after the response started cannot be shown and is re-raised to the server.
    """

    def __init__(self, app: Callable[[dict[str, Any], Any], Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started: list[bool] = []

        def tracking_start_response(*args: Any) -> Any:
            started.append(True)
            return start_response(*args)

        try:
            return self.app(environ, tracking_start_response)
        except Exception as error:
            if started:
                raise
            html = debug_page_html(error).encode("utf-8")
            start_response(
                "500 INTERNAL SERVER ERROR",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html)))],
            )
            return [html]


def render_debug_page(error: BaseException, response_class: type[Response]) -> Response:
    """A 500 response showing ``error``'s traceback."""
    try:
        html = debug_page_html(error)
    except Exception:
        html = f"<!doctype html><h1>Internal Server Error</h1><pre>{escape(repr(error))}</pre>"
    return response_class(html, status=500, mimetype="text/html")
