"""One worker process of ``kettle serve --workers N``: the child side of the master.

Owns importing the application from its import string, and the life of a worker after
the master forked it: serve on the inherited listening socket, beat, count requests for
``max_requests``, drain on SIGTERM. Rules kept:

- The app is imported here, in the child, never in the master: every new worker (after a
  SIGHUP, a crash or a recycle) runs the code on disk at that moment.
- The child talks to the master through one pipe, one byte a message: ``R`` ready (the app
  is imported and the server listens), ``.`` heartbeat (every ``beat`` seconds from the
  main thread; a process stuck in C holding the GIL, stopped or swapped out stops beating),
  ``M`` asks to be replaced (``max_requests`` reached; it keeps serving until the master
  sends SIGTERM once the replacement is ready).
- SIGTERM drains: stop accepting (the siblings take new connections), serve what was
  accepted, then ``Server.stop(grace)``; SIGINT, SIGHUP, SIGTTIN and SIGTTOU are left to
  the master (a Ctrl+C reaches the whole process group; the master then stops the workers
  in order). A worker whose master is gone stops by itself.
- With every beat, and before every ``accept``, the worker publishes its connection count
  in the master's shared load table (``kettle.server.balance``), which decides whether it
  takes a new connection or leaves it to a less loaded sibling.
- A worker that cannot import its app exits with ``BOOT_ERROR`` before saying ready.
- Log records of a worker start with ``[worker INDEX pid PID]``.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from .affinity import cpu_for_worker
from .balance import WorkerLoads
from .server import Server
from .wsgi import WSGIApp

log = logging.getLogger("kettle.server")

BOOT_ERROR = 3
DRAIN_SETTLE = 0.2
READY, BEAT, RECYCLE = b"R", b".", b"M"


class AppImportError(ValueError):
    """An import string that does not name a WSGI callable (the message says why)."""


def import_app(target: str) -> WSGIApp:
    """Import ``module:attribute`` (``module`` alone means ``module:app``).

    ``module:factory()`` calls a factory with no arguments. The current directory is
    importable, as with ``python -m``. Raises :class:`AppImportError`.
    """
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "app"
    if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise AppImportError(f"{target!r} is not MODULE:APP")
    call = attribute.endswith("()")
    if call:
        attribute = attribute[:-2]
    if not all(part.isidentifier() for part in attribute.split(".")):
        raise AppImportError(f"{attribute!r} is not an attribute name")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppImportError(f"cannot import {module_name!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppImportError(
                f"module {module_name!r} has no attribute {attribute!r}"
            ) from None
    if call:
        obj = obj()
    if not callable(obj):
        raise AppImportError(f"{target!r} is not a WSGI callable")
    return obj  # type: ignore[no-any-return]


class _WorkerTag(logging.Filter):
    """Prefixes every record that passes a handler with the worker's index and pid."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.prefix = f"[worker {index} pid {os.getpid()}] "

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "_kettle_worker_tagged", False):
            record.msg = self.prefix + str(record.msg)
            record._kettle_worker_tagged = True
        return True


def _counting(app: WSGIApp, limit: int, reached: threading.Event) -> WSGIApp:
    """``app``, counting calls; sets ``reached`` at the ``limit``-th request."""
    counter = itertools.count(1)

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if next(counter) == limit:
            reached.set()
        return app(environ, start_response)

    return counted


class WorkerSettings:
    """What the master hands every worker (fixed for the master's life)."""

    __slots__ = ("app", "beat", "grace", "jitter", "max_requests")

    def __init__(
        self, app: str, *, beat: float, grace: float, max_requests: int, jitter: int
    ) -> None:
        self.app = app
        self.beat = beat
        self.grace = grace
        self.max_requests = max_requests
        self.jitter = jitter


def place_worker(server: Server, index: int) -> None:
    """Give worker ``index`` its CPU: with ``cpu_affinity="auto"`` one CPU each, in turn.

    A worker does not follow load to another CPU (``CpuFollower``) as a single process
    does: the busiest other CPU is usually a sibling worker's, which the follower counts
    as foreign work, so two workers would end up sharing one core and the other idle."""
    server.cpu_affinity = cpu_for_worker(server.cpu_affinity, index)
    server.follow_load = False


def run_worker(
    server: Server,
    settings: WorkerSettings,
    index: int,
    pipe: int,
    master: int,
    loads: WorkerLoads,
    slot: int,
) -> int:
    """The body of a forked worker; returns its exit status (the caller ``_exit``s)."""
    stopping = threading.Event()
    recycle = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_term)
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    tag = _WorkerTag(index)
    for handler in logging.getLogger().handlers:
        handler.addFilter(tag)
    try:
        app = import_app(settings.app)
    except Exception as exc:
        log.error("cannot load the app %s: %s", settings.app, exc, exc_info=True)
        return BOOT_ERROR
    if settings.max_requests > 0:
        limit = settings.max_requests + random.randint(0, settings.jitter)
        app = _counting(app, limit, recycle)
    server.app = app
    server.multiprocess = True
    place_worker(server, index)
    server.start()
    count = server.connection_count
    server.set_accept_gate(lambda: loads.may_accept(slot, count()))
    loads.publish(slot, count())  # siblings count this worker from now on
    log.info("booted, serving %s", settings.app)
    try:
        _beat(pipe, READY)
        beat = _Beat(pipe, master, lambda: loads.publish(slot, count()))
        beat.until_stopped(settings.beat, stopping, recycle)
    finally:
        log.info("draining")
        # Siblings take new connections from now on; one accepted a moment ago has its
        # request bytes still on the way, and is served before the drain closes idle ones.
        loads.clear(slot)
        server.stop_accepting()
        time.sleep(min(DRAIN_SETTLE, settings.grace))
        server.stop(settings.grace)
        log.info("stopped")
    return 0


def _beat(pipe: int, message: bytes) -> bool:
    try:
        os.write(pipe, message)
    except BlockingIOError:
        return True  # the master is behind reading; the next beat will do
    except OSError:
        return False
    return True


class _Beat:
    """The main thread's loop: heartbeat, publish the load, notice a lost master."""

    def __init__(self, pipe: int, master: int, publish: Callable[[], None]) -> None:
        self.pipe = pipe
        self.master = master
        self.publish = publish

    def until_stopped(
        self, interval: float, stopping: threading.Event, recycle: threading.Event
    ) -> None:
        asked = False
        while not stopping.wait(interval):
            self.publish()
            if os.getppid() != self.master:
                log.warning("the master is gone; stopping")
                return
            if recycle.is_set() and not asked:
                asked = True
                log.info("served its max requests; asking to be replaced")
                if not _beat(self.pipe, RECYCLE):
                    return
            if not _beat(self.pipe, BEAT):
                log.warning("lost the pipe to the master; stopping")
                return
