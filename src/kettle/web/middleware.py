"""WSGI middleware with Werkzeug's API: ``DispatcherMiddleware`` and ``SharedDataMiddleware``.

Owns: mounting several WSGI apps under path prefixes, and serving static files from
folders, single files or package data in front of an app.

Rules: the dispatcher moves the matched prefix from ``PATH_INFO`` to ``SCRIPT_NAME``
(PEP 3333) and falls back to the main app. Shared data never serves a path that could
leave its folder (``safe_join``); a miss goes to the wrapped app unchanged; files are sent
with ``Last-Modified``, an ``ETag`` and ``Cache-Control: max-age`` and answer a matching
conditional GET with 304.
"""

from __future__ import annotations

import importlib.util
import mimetypes
import os
import posixpath
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from fnmatch import fnmatch
from time import time
from typing import IO, Any

from kettle.http.conditional import is_environ_modified
from kettle.http.dates import format_http_date

from .files import safe_join
from .response import get_content_type
from .wsgi import get_path_info, wrap_file

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
# A loader maps a path below its mount point to (file name, opener) or (None, None).
Opener = Callable[[], tuple[IO[bytes], datetime, int]]
Loader = Callable[[str | None], tuple[str | None, Opener | None]]


class DispatcherMiddleware:
    """Send requests under each mount prefix to its app; everything else to ``app``."""

    def __init__(self, app: WSGIApp, mounts: dict[str, WSGIApp] | None = None) -> None:
        self.app = app
        self.mounts = mounts or {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        script = environ.get("PATH_INFO", "")
        path_info = ""
        while "/" in script:
            if script in self.mounts:
                app = self.mounts[script]
                break
            script, last = script.rsplit("/", 1)
            path_info = f"/{last}{path_info}"
        else:
            app = self.mounts.get(script, self.app)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
        environ["PATH_INFO"] = path_info
        return app(environ, start_response)


def _file_opener(filename: str) -> Opener:
    def open_file() -> tuple[IO[bytes], datetime, int]:
        modified = datetime.fromtimestamp(os.path.getmtime(filename), tz=UTC)
        return open(filename, "rb"), modified, int(os.path.getsize(filename))

    return open_file


class SharedDataMiddleware:
    """Serve files under URL prefixes before falling back to ``app``.

    ``exports`` maps a prefix to a folder, a file, or a ``(package, folder)`` pair (as a
    dict or a list of pairs).
    """

    def __init__(
        self,
        app: WSGIApp,
        exports: dict[str, Any] | Iterable[tuple[str, Any]],
        disallow: str | None = None,
        cache: bool = True,
        cache_timeout: int = 60 * 60 * 12,
        fallback_mimetype: str = "application/octet-stream",
    ) -> None:
        self.app = app
        self.exports: list[tuple[str, Loader]] = []
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.fallback_mimetype = fallback_mimetype
        pairs = exports.items() if isinstance(exports, dict) else exports
        for key, value in pairs:
            if isinstance(value, tuple):
                loader = self.get_package_loader(*value)
            elif isinstance(value, str | os.PathLike):
                path = os.fspath(value)
                loader = (
                    self.get_file_loader(path)
                    if os.path.isfile(path)
                    else self.get_directory_loader(path)
                )
            else:
                raise TypeError(f"unknown def {value!r}")
            self.exports.append((key, loader))
        if disallow is not None:
            pattern = disallow
            self.is_allowed = lambda x: not fnmatch(x, pattern)  # type: ignore[method-assign, assignment]

    def is_allowed(self, filename: str) -> bool:
        """Whether ``filename`` may be served (all files unless ``disallow`` was given)."""
        return True

    def get_file_loader(self, filename: str) -> Loader:
        def loader(path: str | None) -> tuple[str | None, Opener | None]:
            return os.path.basename(filename), _file_opener(filename)

        return loader

    def get_package_loader(self, package: str, package_path: str) -> Loader:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        base = os.path.join(os.path.dirname(origin), package_path) if origin else None

        def loader(path: str | None) -> tuple[str | None, Opener | None]:
            if path is None or base is None:
                return None, None
            found = safe_join(base, path)
            if found is None or not os.path.isfile(found):
                return None, None
            return os.path.basename(found), _file_opener(found)

        return loader

    def get_directory_loader(self, directory: str) -> Loader:
        def loader(path: str | None) -> tuple[str | None, Opener | None]:
            if path is None:
                return None, None
            found = safe_join(directory, path)
            if found is None or not os.path.isfile(found):
                return None, None
            return os.path.basename(found), _file_opener(found)

        return loader

    def generate_etag(self, mtime: datetime, file_size: int, real_filename: str) -> str:
        name = real_filename.encode(errors="surrogateescape")
        checksum = zlib.adler32(name) & 0xFFFFFFFF
        return f"wzsdm-{mtime.timestamp()}-{file_size}-{checksum}"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = get_path_info(environ)
        cleaned = "/".join(x for x in path.split("/") if x and x != "..")
        cleaned = posixpath.normpath("/" + cleaned) if cleaned else "/"
        opener: Opener | None = None
        real_filename: str | None = None
        for search_path, loader in self.exports:
            if search_path == cleaned:
                real_filename, opener = loader(None)
            elif cleaned.startswith(search_path.rstrip("/") + "/"):
                real_filename, opener = loader(cleaned[len(search_path.rstrip("/")) + 1 :])
            if opener is not None:
                break
        if opener is None or real_filename is None or not self.is_allowed(real_filename):
            return self.app(environ, start_response)
        mimetype = mimetypes.guess_type(real_filename)[0] or self.fallback_mimetype
        stream, modified, size = opener()
        headers = [("Date", format_http_date(time()))]
        if self.cache:
            etag = self.generate_etag(modified, size, real_filename)
            headers.append(("Etag", f'"{etag}"'))
            headers.append(("Cache-Control", f"max-age={self.cache_timeout}, public"))
            if not is_environ_modified(environ, etag, last_modified=modified):
                stream.close()
                start_response("304 Not Modified", headers)
                return []
            headers.append(("Expires", format_http_date(time() + self.cache_timeout)))
        else:
            headers.append(("Cache-Control", "public"))
        headers.extend(
            (
                ("Content-Type", get_content_type(mimetype, "utf-8")),
                ("Content-Length", str(size)),
                ("Last-Modified", format_http_date(modified)),
            )
        )
        start_response("200 OK", headers)
        return wrap_file(environ, stream)  # type: ignore[no-any-return]


__all__ = ["DispatcherMiddleware", "SharedDataMiddleware"]
