"""The realtime layer wired into the app: the built-in ``kettle.static`` endpoint that serves
the framework's browser client (``kettle.js``), live reload for debug mode, and fragment
helpers that render with the current app's templates and push to a broadcast channel.

Rules:
- ``kettle.static`` is not a rule of the app: ``app.url_map``, ``app.view_functions`` and
  ``kettle routes`` show only the user's own, as in Flask. A GET or HEAD for
  ``/_kettle/static/<filename>`` that no rule of the app matched (the 404 path, so a
  matched request pays nothing) is answered by :func:`match_kettle_static`, which serves
  only the files of ``kettle.realtime.static.STATIC_DIR`` through ``send_from_directory``
  (ETag, conditional GET, ``SEND_FILE_MAX_AGE_DEFAULT``). ``url_for("kettle.static",
  filename=...)`` builds that URL (:func:`build_kettle_static`) when the app has no
  ``kettle.static`` endpoint of its own; an app rule that matches the path wins.
- Live reload is on when ``LIVE_RELOAD`` is true, or when it is ``None`` (the default) and
  the app is in debug mode; ``app.run``/``kettle run`` call :func:`enable_live_reload`.
  It watches the template and static folders of the app and its blueprints, serves the
  event stream at ``/_kettle/livereload`` (an idle tab holds a socket, not a thread) and
  adds the ``kettle.js`` script tag to whole HTML pages only (before ``</body>``, else
  before ``</html>``, else at the end of a page that starts with a doctype:
  ``kettle.realtime.livereload.insert_script``): fragments, streamed (no
  ``Content-Length``), compressed and HEAD responses pass through untouched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kettle.realtime import fragments
from kettle.realtime.broadcast import Broadcast, get_broadcast
from kettle.realtime.fragments import Fragment
from kettle.realtime.livereload import ChainedBody, LiveReload, insert_script, script_tag
from kettle.realtime.sse import ChannelStream, Event
from kettle.realtime.static import STATIC_DIR

from .exceptions import HTTPException, MethodNotAllowed
from .files import send_from_directory
from .globals import get_current_app
from .routing import BuildError, Map, MapAdapter, Rule

if TYPE_CHECKING:
    from .appbase import App
    from .wrappers import Response

__all__ = [
    "KETTLE_STATIC_ENDPOINT",
    "KETTLE_STATIC_URL",
    "LIVE_RELOAD_URL",
    "AppLiveReload",
    "KettleStaticFile",
    "build_kettle_static",
    "enable_live_reload",
    "live_reload_enabled",
    "match_kettle_static",
    "push_fragment",
    "render_block",
    "render_macro",
    "send_kettle_static",
    "watched_folders",
]

KETTLE_STATIC_URL = "/_kettle/static"
KETTLE_STATIC_ENDPOINT = "kettle.static"
LIVE_RELOAD_URL = "/_kettle/livereload"
EXTENSION_KEY = "kettle.livereload"

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


# -- the kettle.static endpoint ------------------------------------------------------------
def send_kettle_static(filename: str) -> Response:
    """The view of ``kettle.static``: a file of the framework's own browser client."""
    max_age = get_current_app().get_send_file_max_age(filename)
    return send_from_directory(STATIC_DIR, filename, max_age=max_age)


class KettleStaticFile(HTTPException):
    """The routing outcome "a file of the browser client": like a routing redirect it
    carries its own answer (``code`` is ``None``, so no error handler sees it), built when
    the response is made, inside the request's contexts."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename

    def get_response(self, environ: Any = None, scope: Any = None) -> Any:
        return send_kettle_static(self.filename)


_KETTLE_FILES = frozenset(path.name for path in STATIC_DIR.iterdir() if path.is_file())
_KETTLE_PREFIX = f"{KETTLE_STATIC_URL}/"
_KETTLE_RULE = f"{_KETTLE_PREFIX}<path:filename>"


def match_kettle_static(path: str, method: str) -> HTTPException | None:
    """What to answer for ``path`` when no rule of the app matched it: a file of the
    browser client, 405 for another method than GET/HEAD, or ``None`` (a plain 404)."""
    if not path.startswith(_KETTLE_PREFIX) or path[len(_KETTLE_PREFIX) :] not in _KETTLE_FILES:
        return None
    if method not in ("GET", "HEAD"):
        return MethodNotAllowed(valid_methods=["GET", "HEAD"])
    return KettleStaticFile(path[len(_KETTLE_PREFIX) :])


def build_kettle_static(
    adapter: MapAdapter,
    values: dict[str, Any],
    method: str | None,
    url_scheme: str | None,
    external: bool,
) -> str | None:
    """The URL of ``kettle.static`` with ``values`` (``filename``, extra query arguments)
    for the host, script root and scheme ``adapter`` is bound to; ``None`` when the values
    do not suit it (no ``filename``)."""
    # A map made for this build only, never part of an app's url_map; none is kept at
    # module level, so no Rule outlives its use (Werkzeug's suite counts live rules).
    url_map = Map([Rule(_KETTLE_RULE, endpoint=KETTLE_STATIC_ENDPOINT)])
    bound = url_map.bind(
        adapter._host_for(None), script_name=adapter.script_name, url_scheme=adapter.url_scheme
    )
    try:
        return bound.build(
            KETTLE_STATIC_ENDPOINT, values, method, force_external=external, url_scheme=url_scheme
        )
    except BuildError:
        return None


# -- fragments -----------------------------------------------------------------------------
def render_block(template_name: str | list[str], block: str, /, **context: Any) -> str:
    """Render block ``block`` of one of the app's templates with ``context`` (context
    processors applied, as for ``render_template``)."""
    app = get_current_app()
    template = app.jinja_env.get_or_select_template(template_name)
    app.update_template_context(context)
    return fragments.render_block(template, block, **context)


def render_macro(template_name: str | list[str], macro: str, /, *args: Any, **kwargs: Any) -> str:
    """Call macro ``macro`` of one of the app's templates; return its output."""
    template = get_current_app().jinja_env.get_or_select_template(template_name)
    return fragments.render_macro(template, macro, *args, **kwargs)


def push_fragment(channel: str, *items: Fragment, broadcast: Broadcast | None = None) -> str:
    """Publish ``items`` on ``channel`` (of ``broadcast``, else the process's backend) as
    one message: a fragment's JSON, or a JSON list for several. Returns the message."""
    if not items:
        raise TypeError("push_fragment() needs at least one Fragment")
    for item in items:
        if not isinstance(item, Fragment):
            raise TypeError(
                f"push_fragment() takes Fragment objects, not {type(item).__name__}"
                " (build them with kettle.realtime.fragments.replace/append/prepend/remove)"
            )
    message = items[0].to_json() if len(items) == 1 else fragments.dumps(items)
    (broadcast if broadcast is not None else get_broadcast()).publish(channel, message)
    return message


# -- live reload ---------------------------------------------------------------------------
def live_reload_enabled(app: App) -> bool:
    """``LIVE_RELOAD`` if set, else whether the app is in debug mode."""
    value = app.config.get("LIVE_RELOAD")
    return app.debug if value is None else bool(value)


def watched_folders(app: App) -> list[str]:
    """The existing template and static folders of ``app`` and its blueprints."""
    found: list[str] = []
    for scaffold in (app, *app.iter_blueprints()):
        candidates = [scaffold.static_folder]
        if scaffold.template_folder is not None:
            candidates.append(os.path.join(scaffold.root_path, scaffold.template_folder))
        for folder in candidates:
            if folder is not None and os.path.isdir(folder):
                path = os.path.abspath(folder)
                if path not in found:
                    found.append(path)
    return found


class AppLiveReload(LiveReload):
    """:class:`LiveReload` whose stream releases the server's thread (the tab waits on a
    broadcast sink) and whose middleware injects the script into whole pages only."""

    def stream(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        hello = Event(self.boot_id, event="hello")
        # retry: reconnect quickly after a restart, the moment the new process listens.
        channel = ChannelStream(
            "reload",
            broadcast=self._hub,
            event="reload",
            initial=[hello],
            heartbeat=self.heartbeat,
            retry=300,
        )
        return channel(environ, start_response)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        def middleware(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if environ.get("PATH_INFO", "") == self.url:
                return self.stream(environ, start_response)
            root = environ.get("SCRIPT_NAME", "").rstrip("/")
            tag = script_tag(f"{root}{self.static_url}", f"{root}{self.url}").encode()
            return inject_into_page(app, environ, start_response, tag)

        return middleware


def enable_live_reload(app: App, paths: Iterable[str | Path] | None = None) -> LiveReload:
    """Turn live reload on for ``app`` (once; later calls return the same watcher): watch
    ``paths`` (default :func:`watched_folders`), re-read edited templates, and wrap
    ``app.wsgi_app``. The watcher is ``app.extensions["kettle.livereload"]``."""
    existing: LiveReload | None = app.extensions.get(EXTENSION_KEY)
    if existing is not None:
        return existing
    folders = watched_folders(app) if paths is None else list(paths)
    live = AppLiveReload(folders, url=LIVE_RELOAD_URL, static_url=f"{KETTLE_STATIC_URL}/").start()
    app.extensions[EXTENSION_KEY] = live
    if app.config["TEMPLATES_AUTO_RELOAD"] is None:
        app.config["TEMPLATES_AUTO_RELOAD"] = True
        if "jinja_env" in app.__dict__:
            app.jinja_env.auto_reload = True
    app.wsgi_app = live.wrap(app.wsgi_app)
    return live


def _injectable(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    names = {name.lower(): value for name, value in headers}
    return (
        names.get("content-type", "").startswith("text/html")
        and "content-length" in names
        and "content-encoding" not in names
        and environ.get("REQUEST_METHOD") != "HEAD"
    )


def inject_into_page(
    app: WSGIApp, environ: dict[str, Any], start_response: Any, tag: bytes
) -> Iterable[bytes]:
    """Run ``app``; add ``tag`` to a whole HTML page (where: :func:`insert_script`)."""
    pending: list[Any] = []
    written: list[bytes] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if not _injectable(environ, headers):
            pending.clear()
            return start_response(status, headers, exc_info)
        pending[:] = [status, headers, exc_info]
        return written.append

    result = app(environ, capture)
    iterator = iter(result)
    # WSGI apps may call start_response lazily, but always before their first chunk.
    first = next(iterator, None)
    if not pending:
        return ChainedBody(first, iterator, result)
    try:
        body = b"".join(written) + (first or b"") + b"".join(iterator)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    body = insert_script(body, tag) or body
    status, headers, exc_info = pending
    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers, exc_info)
    return [body]
