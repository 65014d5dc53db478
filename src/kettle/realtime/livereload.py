"""Live reload for development: editing a template or static file reloads every open tab;
a Python change restarts the server (the reloader of ``kettle run``/``app.run``) and the
tabs, reconnecting, notice the new process and reload.

Rules:
- One watcher thread (watchfiles: kernel file events, no polling) per :class:`LiveReload`;
  each batch of changes becomes one ``reload`` event on an in-memory channel.
- The browser side is ``kettle.js``: an ``EventSource`` on :attr:`LiveReload.url` that
  receives ``hello`` (this process's boot id) on every connect and ``reload`` on a change.
  A different boot id after a reconnect means the server restarted, so the tab reloads.
- :meth:`LiveReload.wrap` is WSGI middleware for debug mode only: it serves the stream and
  ``kettle.js``, and injects the script tag into HTML pages (fixing ``Content-Length``;
  compressed or streamed-by-file responses are left alone).
- Where the tag goes (:func:`insert_script`): before the last ``</body>``, else before the
  last ``</html>``, else at the end of a document that starts with a doctype or ``<html>``
  (HTML5 lets a page omit both end tags). Anything else is a fragment, left untouched.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import watchfiles

from .channels import MemoryBroadcast
from .sse import Event, EventStream
from .static import static_app

__all__ = ["LiveReload", "insert_script", "script_tag"]

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
# A whole document: optional BOM, whitespace and comments, then a doctype or <html>.
_DOCUMENT_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def insert_script(body: bytes, tag: bytes) -> bytes | None:
    """``body`` with ``tag`` inserted where a browser runs it as part of the page, or None
    when ``body`` is not a whole page (an HTML fragment for ``fetch`` stays as it is)."""
    for end in (_BODY_END, _HTML_END):
        found = list(end.finditer(body))
        if found:
            at = found[-1].start()
            return body[:at] + tag + body[at:]
    if _DOCUMENT_START.match(body):
        return body + tag
    return None


def script_tag(static_url: str, stream_url: str) -> str:
    """The ``<script>`` that loads ``kettle.js`` with live reload turned on."""
    return f'<script src="{static_url}kettle.js" data-livereload="{stream_url}"></script>'


class LiveReload:
    """Watch ``paths`` and tell connected tabs to reload."""

    def __init__(
        self,
        paths: Iterable[str | Path],
        *,
        url: str = "/_kettle/livereload",
        static_url: str = "/_kettle/static/",
        heartbeat: float = 15.0,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.url = url
        self.static_url = static_url
        self.heartbeat = heartbeat
        self.boot_id = secrets.token_hex(8)
        self._hub = MemoryBroadcast()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- watching ------------------------------------------------------------------
    def start(self) -> LiveReload:
        """Start the watcher thread (idempotent); returns self."""
        if self._thread is None:
            existing = [str(p) for p in self.paths if p.exists()]
            self._thread = threading.Thread(
                target=self._watch, args=(existing,), name="kettle-livereload", daemon=True
            )
            self._thread.start()
        return self

    def _watch(self, paths: list[str]) -> None:
        if not paths:
            return
        for changes in watchfiles.watch(
            *paths, stop_event=self._stop, debounce=100, step=25, raise_interrupt=False
        ):
            self.notify(sorted(path for _, path in changes))

    def notify(self, paths: Iterable[str] = ()) -> None:
        """Tell every connected tab to reload (the watcher calls this on changes)."""
        self._hub.publish("reload", "\n".join(paths))

    def listeners(self) -> int:
        """How many tabs are connected to the live reload stream."""
        return self._hub.subscriber_count("reload")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._hub.close()

    # -- serving -------------------------------------------------------------------
    def _events(self, last_event_id: str | None) -> Iterator[Event]:
        with self._hub.subscribe("reload", maxsize=8) as subscription:
            yield Event(self.boot_id, event="hello")
            for changed in subscription:
                yield Event(changed, event="reload")

    def stream(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI app of the live reload event stream."""
        # retry: reconnect quickly after a restart, the moment the new process listens.
        stream = EventStream(self._events, heartbeat=self.heartbeat, retry=300)
        return stream(environ, start_response)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """WSGI middleware: serve the stream and ``kettle.js``, inject the script tag."""
        tag = script_tag(self.static_url, self.url).encode()

        def middleware(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if path == self.url:
                return self.stream(environ, start_response)
            if path.startswith(self.static_url):
                inner = {**environ, "PATH_INFO": path[len(self.static_url) - 1 :]}
                return static_app(inner, start_response)
            return inject(app, environ, start_response, tag)

        return middleware


def inject(
    app: WSGIApp, environ: dict[str, Any], start_response: Any, tag: bytes
) -> Iterable[bytes]:
    """Run ``app``; if it answers with an uncompressed HTML page, add ``tag`` to it
    (:func:`insert_script`).

    Other responses pass through untouched and unbuffered (streams keep streaming).
    """
    pending: list[Any] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        names = {name.lower(): value for name, value in headers}
        html = names.get("content-type", "").startswith("text/html")
        if not html or "content-encoding" in names or environ.get("REQUEST_METHOD") == "HEAD":
            return start_response(status, headers, exc_info)
        pending[:] = [status, headers, exc_info]
        return lambda data: None

    result = app(environ, capture)
    iterator = iter(result)
    # WSGI apps may call start_response lazily, but always before their first chunk.
    first = next(iterator, None)
    if not pending:
        return ChainedBody(first, iterator, result)
    try:
        body = (first or b"") + b"".join(iterator)
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


class ChainedBody:
    """The first chunk, then the rest of the app's iterator; ``close`` reaches the app."""

    def __init__(self, first: bytes | None, rest: Iterator[bytes], result: Iterable[bytes]):
        self._first = first
        self._rest = rest
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        if self._first is not None:
            yield self._first
        yield from self._rest

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()
