"""Per-request profiling middleware (Werkzeug's ``ProfilerMiddleware``).

Owns ``ProfilerMiddleware``: runs each request under :mod:`cProfile`, prints the sorted
statistics to a stream and/or writes one ``.prof`` file per request to a folder.

Rules: for development only: the whole response body is collected before it is returned
(so the profile covers it). ``make_profile`` creates the profiler, so a subclass or a test
can substitute it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from cProfile import Profile
from pstats import Stats
from typing import IO, Any

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class ProfilerMiddleware:
    """Profile each request of ``app``; see the module docstring for the options."""

    def __init__(
        self,
        app: WSGIApp,
        stream: IO[str] | None = sys.stdout,
        sort_by: Iterable[str] = ("time", "calls"),
        restrictions: Iterable[str | int | float] = (),
        profile_dir: str | None = None,
        filename_format: str | Callable[[dict[str, Any]], str] = (
            "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
        ),
    ) -> None:
        self._app = app
        self._stream = stream
        self._sort_by = tuple(sort_by)
        self._restrictions = tuple(restrictions)
        self._profile_dir = profile_dir
        self._filename_format = filename_format

    def make_profile(self) -> Profile:
        return Profile()

    def _filename(self, environ: dict[str, Any], elapsed_ms: float) -> str:
        now = time.time()
        if callable(self._filename_format):
            environ["werkzeug.profiler"] = {"elapsed": elapsed_ms, "time": now}
            return self._filename_format(environ)
        path = environ.get("PATH_INFO", "").strip("/").replace("/", ".") or "root"
        return self._filename_format.format(
            method=environ["REQUEST_METHOD"], path=path, elapsed=elapsed_ms, time=now
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body: list[bytes] = []

        def collecting_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            start_response(status, headers, exc_info)
            return body.append

        def run_app() -> None:
            result = self._app(environ, collecting_start_response)
            try:
                body.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

        profile = self.make_profile()
        started = time.time()
        profile.runcall(run_app)
        elapsed_ms = (time.time() - started) * 1000.0
        if self._profile_dir is not None:
            profile.dump_stats(
                os.path.join(self._profile_dir, self._filename(environ, elapsed_ms))
            )
        if self._stream is not None:
            stats = Stats(profile, stream=self._stream)
            stats.sort_stats(*self._sort_by)
            print("-" * 80, file=self._stream)
            print(f"PATH: {environ.get('PATH_INFO', '')!r}", file=self._stream)
            stats.print_stats(*self._restrictions)
            print("-" * 80 + "\n", file=self._stream)
        return [b"".join(body)]
