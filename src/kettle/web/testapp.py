"""A WSGI app that describes the request and the process serving it (Werkzeug's
``werkzeug.testapp.test_app``).

Owns ``test_app`` and ``iter_sys_path``: point any WSGI server at ``test_app`` to see that
it works and what it hands an application: the interpreter, the WSGI environ, the module
search path and the installed distributions, on one HTML page.

Rules: every path and method gets the page (200, ``text/html; charset=utf-8``); every value
shown is HTML-escaped (strings as they are, other values as their repr); ``wsgi.input`` is
never read. ``iter_sys_path`` yields, for each ``sys.path`` entry, ``(shown path, is not a
folder, was given relative)``; on POSIX the home folder is shown as ``~``.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from collections.abc import Iterator
from typing import Any

from markupsafe import escape

from .request import Request
from .wrappers import Response

_PAGE = """\
<!doctype html>
<html lang=en>
<meta charset=utf-8>
<title>Kettle test application</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; }}
  th {{ text-align: left; padding-right: 1em; vertical-align: top; }}
  td, li {{ font-family: monospace; word-break: break-all; }}
  .note {{ color: #777; }}
</style>
<h1>Kettle test application</h1>
<p>This WSGI application answered your request, so the server in front of it works. Below
is what the server passed to it and the process it runs in.</p>
<h2>Interpreter</h2>
<table>
<tr><th>Python<td>{python}
<tr><th>Executable<td>{executable}
<tr><th>Platform<td>{platform}
<tr><th>Process<td>{pid}
</table>
<h2>WSGI environment</h2>
<table>
{environ}
</table>
<h2>Module search path</h2>
<p class=note>In the order Python searches it; a note marks entries that are not folders or
were given relative to the working directory.</p>
<ol>
{sys_path}
</ol>
<h2>Installed distributions</h2>
<ul>
{distributions}
</ul>
"""


def iter_sys_path() -> Iterator[tuple[str, bool, bool]]:
    """``(path as shown, is not a folder, was relative)`` for each ``sys.path`` entry."""
    home = os.path.expanduser("~") if os.name == "posix" else None
    cwd = os.path.abspath(os.getcwd())
    for item in sys.path:
        path = os.path.normpath(os.path.join(cwd, item or os.curdir))
        shown = path
        if home and home != "~" and (path == home or path.startswith(home + os.sep)):
            shown = "~" + path[len(home) :]
        yield shown, not os.path.isdir(path), not os.path.isabs(item)


def _environ_rows(environ: dict[str, Any]) -> str:
    rows = []
    for key in sorted(environ):
        value = environ[key]
        shown = value if isinstance(value, str) else repr(value)
        rows.append(f"<tr><th>{escape(key)}<td>{escape(shown)}")
    return "\n".join(rows)


def _sys_path_items() -> str:
    items = []
    for path, not_a_folder, relative in iter_sys_path():
        notes = [
            note
            for note, applies in (("not a folder", not_a_folder), ("relative", relative))
            if applies
        ]
        suffix = f" <span class=note>({escape(', '.join(notes))})</span>" if notes else ""
        items.append(f"<li>{escape(path)}{suffix}")
    return "\n".join(items)


def _distribution_items() -> str:
    found: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(str(name), str(distribution.version))
    return "\n".join(
        f"<li>{escape(name)} {escape(version)}"
        for name, version in sorted(found.items(), key=lambda pair: pair[0].lower())
    )


def render_page(environ: dict[str, Any]) -> str:
    """The test page's HTML for one request's environ."""
    return _PAGE.format(
        python=escape(sys.version),
        executable=escape(sys.executable),
        platform=escape(platform.platform()),
        pid=os.getpid(),
        environ=_environ_rows(environ),
        sys_path=_sys_path_items(),
        distributions=_distribution_items(),
    )


@Request.application
def test_app(request: Request) -> Response:
    """Describe the request and the serving process on an HTML page (any path)."""
    return Response(render_page(request.environ), mimetype="text/html")


# Not a test, whatever its name says (pytest collects ``test_*`` names it imports).
test_app.__test__ = False  # type: ignore[attr-defined]

__all__ = ["iter_sys_path", "render_page", "test_app"]
