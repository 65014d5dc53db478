"""The HTML of the debug page, drawn from an ``ErrorReport`` (collected by ``debug``).

Rules: every piece of text that came from the error, the code or the request is
HTML-escaped here and nowhere else; the page has no script and no form (nothing on it can
run code). Layout, top to bottom: the error, the template excerpt for a template error, each
exception of the chain (causes first) with the user's frames expanded and the framework's
folded in one ``<details>``, then the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from .debug import ErrorReport, FrameReport

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#a00;color:#fff;padding:1em 2em}header h1{margin:0;font-size:1.6em}
header p{margin:.4em 0 0;font-family:monospace;white-space:pre-wrap}
main{padding:0 2em 2em}h2{font-size:1.2em;margin:1.4em 0 .5em}
pre{background:#fff;border:1px solid #ddd;padding:.5em;overflow:auto;margin:.3em 0}
.current{background:#fdd;display:inline-block;min-width:100%;font-weight:bold}
.frame{border:1px solid #ddd;background:#fff;margin:.8em 0;padding:.5em .8em}
.frame.template{border-color:#c80}.where{font-family:monospace;font-size:.95em}
.template-error{border:2px solid #c80;background:#fff8ec;padding:.5em 1em}
details.framework{margin:1em 0}details summary{cursor:pointer;color:#555}
table{border-collapse:collapse;font-family:monospace;font-size:.9em;margin:.3em 0}
td,th{border:1px solid #e4e4e4;padding:.15em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2;font-weight:normal}.chain{color:#555;font-style:italic}
footer{color:#666;padding:1em 2em;border-top:1px solid #ddd}
"""


def _source(lines: Iterable[tuple[int, str]], current: int) -> Markup:
    rows = []
    for number, text in lines:
        row = escape(f"{number:>5}  {text}")
        if number == current:
            row = Markup('<span class="current">') + row + Markup("</span>")
        rows.append(row)
    return Markup("<pre>") + Markup("\n").join(rows) + Markup("</pre>")


def _table(rows: dict[str, Any], css: str) -> Markup:
    if not rows:
        return Markup('<p class="empty">(none)</p>')
    cells = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td></tr>").format(name, value)
        for name, value in rows.items()
    )
    return Markup('<table class="{}">{}</table>').format(css, cells)


def _frame(frame: FrameReport) -> Markup:
    kind = "frame " + ("user" if frame.user else "framework")
    if frame.template:
        kind += " template"
    label = "Template" if frame.template else "File"
    where = Markup('<div class="where">{} "{}", line {}, in {}</div>').format(
        label, frame.filename, frame.lineno, frame.function
    )
    parts = [where, _source(frame.source, frame.lineno)]
    if frame.locals:
        parts.append(Markup("<div>Local variables</div>"))
        parts.append(_table(frame.locals, "locals"))
    return Markup('<div class="{}">{}</div>').format(kind, Markup("").join(parts))


def _exception(title: str, frames: list[FrameReport]) -> Markup:
    user = [frame for frame in frames if frame.user]
    framework = [frame for frame in frames if not frame.user]
    html = Markup('<section class="exception"><h2>{}</h2>').format(title)
    if user:
        html += Markup("<p>Your code <em>(most recent call last)</em>:</p>")
        html += Markup("").join(_frame(frame) for frame in user)
    if framework:
        html += Markup(
            '<details class="framework"><summary>{} framework frames (Kettle, installed'
            " packages, the standard library)</summary>{}</details>"
        ).format(len(framework), Markup("").join(_frame(frame) for frame in framework))
    return html + Markup("</section>")


def _template(section: dict[str, Any]) -> Markup:
    return Markup(
        '<section class="template-error"><h2>Template {}, line {}</h2>{}</section>'
    ).format(section["name"], section["line"], _source(section["source"], section["line"]))


def _request(section: dict[str, Any]) -> Markup:
    keys = section["session_keys"]
    session = (
        Markup("<p>Session keys: {}</p>").format(", ".join(keys) if keys else "(none)")
        if keys is not None
        else Markup("<p>Session keys: (not opened)</p>")
    )
    return Markup(
        '<section class="request"><h2>Request</h2><p class="where">{} {}</p>'
        "<h3>Headers</h3>{}<h3>Query arguments</h3>{}<h3>Form</h3>{}{}</section>"
    ).format(
        section["method"],
        section["url"],
        _table(section["headers"], "headers"),
        _table(section["args"], "args"),
        _table(section["form"], "form"),
        session,
    )


def debug_page_html_from_report(report: ErrorReport) -> str:
    """The whole page for ``report``."""
    body = Markup("").join(
        (Markup('<p class="chain">The above exception led to the next one.</p>') if i else "")
        + _exception(title, frames)
        for i, (title, frames) in enumerate(report.chain)
    )
    if report.template is not None:
        body = _template(report.template) + body
    if report.request is not None:
        body += _request(report.request)
    page = Markup(
        "<!doctype html><html><head><meta charset=utf-8><title>{}: {} // Kettle debugger"
        "</title><style>{}</style></head><body><header><h1>{}</h1><p>{}</p></header>"
        "<main>{}</main><footer>This page is shown because the app runs in debug mode."
        " Never run a production app in debug mode.</footer></body></html>"
    ).format(report.kind, report.message, Markup(_STYLE), report.kind, report.message, body)
    return str(page)
