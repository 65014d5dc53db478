"""The worker master (arbiter) of ``kettle serve --workers N``, and ``serve()`` itself.

Owns the processes: the master binds once, forks N workers (``kettle.server.worker``) that
each run the threaded engine on the inherited socket, and supervises them. Rules kept:

- The master never imports the app, and stays single-threaded (so forking is safe): one
  selector loop over the signal wake-up pipe, the workers' pipes and the local bus.
- Every worker has an index (1..N). Per index the master keeps exactly one serving
  worker: a worker that dies is replaced; one that misses its heartbeat for
  ``worker_timeout`` (from its fork, so a hung import counts) is SIGKILLed and replaced.
- Replacing a live worker (SIGHUP reload, ``max_requests`` recycle) is make-before-break:
  the new worker boots and says ready, and only then the old one gets SIGTERM and drains.
  A new worker that fails to boot leaves the old one serving (logged); if no worker ever
  booted the master stops and ``serve`` raises ``RuntimeError``.
- Signals: SIGHUP reloads, SIGTTIN/SIGTTOU add/remove a worker (never below one),
  SIGTERM/SIGINT stop every worker with SIGTERM and SIGKILL what is left after ``grace``.
- The master creates the shared load table (``kettle.server.balance``) that spreads new
  connections over the workers, and frees a worker's slot when it retires or exits.
- The master runs the local bus (``kettle.server.bus``) and names its socket in the
  workers' ``KETTLE_BROADCAST_BUS``: the default broadcast of ``kettle.realtime`` then
  reaches every worker.
- Every log line about a worker names its index and pid.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from .balance import CAPACITY, WorkerLoads
from .bus import BusRelay
from .server import DEFAULT_COMPUTE_THREADS, Server, require_main_thread, signals_to_pipe
from .worker import BEAT, BOOT_ERROR, READY, RECYCLE, WorkerSettings, import_app, run_worker
from .wsgi import WSGIApp

log = logging.getLogger("kettle.server")

BUS_ENV = "KETTLE_BROADCAST_BUS"
_HANDLED = (
    signal.SIGHUP,
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGCHLD,
)
_TICK = 0.2


def resolve_workers(workers: int | str) -> int:
    """``"auto"`` is the number of cores this process may run on; else an int >= 1."""
    if workers == "auto":
        return len(os.sched_getaffinity(0))
    count = int(workers) if isinstance(workers, str) and workers.isdigit() else workers
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"workers must be an int >= 1 or 'auto', got {workers!r}")
    return count


def _not_loaded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raise RuntimeError("the master process never serves the app")


class _Child:
    """The master's record of one worker process."""

    __slots__ = (
        "born",
        "index",
        "killed",
        "last_beat",
        "pid",
        "pipe",
        "ready",
        "retiring",
        "serial",
        "slot",
    )

    def __init__(self, index: int, pid: int, pipe: int, serial: int, slot: int) -> None:
        self.index = index
        self.slot = slot  # in the shared load table (-1: none free)
        self.pid = pid
        self.pipe = pipe
        self.serial = serial  # spawn order: a higher serial replaces a lower one
        self.born = self.last_beat = time.monotonic()
        self.ready = False
        self.killed = False
        self.retiring = 0.0  # when SIGTERM was sent (0: serving)

    def __str__(self) -> str:
        return f"worker {self.index} (pid {self.pid})"


class Arbiter:
    """Binds once, runs ``workers`` processes of the app ``app`` (an import string)."""

    def __init__(
        self,
        app: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        workers: int | str = 2,
        worker_timeout: float = 30.0,
        max_requests: int = 0,
        max_requests_jitter: int = 0,
        grace: float = 10.0,
        on_start: Callable[[Arbiter], object] | None = None,
        **options: Any,
    ) -> None:
        if not isinstance(app, str):
            raise TypeError("workers import the app themselves: give it as 'module:app'")
        for name, value in (("max_requests", max_requests), ("jitter", max_requests_jitter)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an int >= 0, got {value!r}")
        if isinstance(worker_timeout, bool) or not isinstance(worker_timeout, (int, float)):
            raise ValueError(f"worker_timeout must be a number, got {worker_timeout!r}")
        if not worker_timeout > 0 or not grace >= 0:
            raise ValueError("worker_timeout must be > 0 and grace >= 0")
        self.target = resolve_workers(workers)
        self.worker_timeout = float(worker_timeout)
        self.grace = float(grace)
        self.on_start = on_start
        self.settings = WorkerSettings(
            app,
            # Frequent enough for the load table (kettle.server.balance) to stay fresh.
            beat=min(0.25, self.worker_timeout / 4),
            grace=self.grace,
            max_requests=max_requests,
            jitter=max_requests_jitter,
        )
        self.server = Server(_not_loaded, host, port, **options)
        self.children: dict[int, _Child] = {}
        self.loads = WorkerLoads()
        self._serial = 0
        self._signals: list[int] = []
        self._stopping = False
        self._ever_ready = False
        self._boot_failed = False
        self._respawn_after = 0.0
        self._bus: BusRelay | None = None
        self._wake: tuple[int, ...] = ()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT (main thread only); raises ``RuntimeError`` if no
        worker could boot."""
        require_main_thread()
        with signals_to_pipe(self._on_signal, _HANDLED) as self._wake:
            wake_r = self._wake[0]
            os.set_blocking(wake_r, False)
            self._serve(wake_r)
        if self._boot_failed and not self._ever_ready:
            raise RuntimeError(f"no worker could load {self.settings.app!r} (see the log)")

    def _serve(self, wake_r: int) -> None:
        """The master's loop, with its signals arriving on ``wake_r``."""
        bus_dir = tempfile.mkdtemp(prefix="kettle-bus-")
        bus = self._bus = BusRelay(os.path.join(bus_dir, "bus.sock"))
        previous_env = os.environ.get(BUS_ENV)
        os.environ[BUS_ENV] = bus.path
        try:
            log.info(
                "master (pid %d) serving %s on %s with %d workers",
                os.getpid(),
                self.settings.app,
                self.server.url,
                self.target,
            )
            self._manage()
            if self.on_start is not None:
                self.on_start(self)
            while not self._stopping or self.children:
                self._poll(bus, wake_r)
                self._handle_signals()
                self._reap()
                self._manage()
        finally:
            for child in list(self.children.values()):
                self._kill(child, signal.SIGKILL)
            self._reap(block=True)
            if previous_env is None:
                os.environ.pop(BUS_ENV, None)
            else:
                os.environ[BUS_ENV] = previous_env
            bus.close()
            os.rmdir(bus_dir)
            self.loads.close()
            self.server.socket.close()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)

    def _poll(self, bus: BusRelay, wake_r: int) -> None:
        # A fresh poll set each round: descriptors come and go (workers, bus peers) and a
        # closed descriptor's number is soon reused, which a long-lived epoll set would
        # silently miss.
        poller = select.poll()
        poller.register(wake_r, select.POLLIN)
        for fd, wants_write in bus.fds():
            poller.register(fd, select.POLLIN | (select.POLLOUT if wants_write else 0))
        pipes = {c.pipe: c for c in self.children.values() if c.pipe >= 0}
        for fd in pipes:
            poller.register(fd, select.POLLIN)
        for fd, mask in poller.poll(_TICK * 1000):
            if fd == wake_r:
                _drain(fd)
            elif fd in pipes:
                self._read_pipe(pipes[fd])
            else:
                if mask & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    bus.readable(fd)
                if mask & select.POLLOUT:
                    bus.writable(fd)

    def _read_pipe(self, child: _Child) -> None:
        data, open_ = _drain(child.pipe)
        if not open_:  # the worker is gone (or going): stop watching until it is reaped
            _close_quietly(child.pipe)
            child.pipe = -1
        if not data:
            return
        child.last_beat = time.monotonic()
        if READY in data and not child.ready:
            child.ready = True
            self._ever_ready = True
            log.info("%s is ready", child)
        if RECYCLE in data and not child.retiring and not self._stopping:
            log.info("%s reached its max requests; replacing it", child)
            self._spawn(child.index)
        if BEAT not in data and READY not in data and RECYCLE not in data:
            log.warning("%s sent an unknown message %r", child, data[:20])

    # -- signals ----------------------------------------------------------------------------

    def _handle_signals(self) -> None:
        pending, self._signals = self._signals, []
        for signum in pending:
            if signum in (signal.SIGTERM, signal.SIGINT):
                self._stop(signal.Signals(signum).name)
            elif self._stopping or signum == signal.SIGCHLD:
                continue
            elif signum == signal.SIGHUP:
                self._reload()
            elif signum == signal.SIGTTIN:
                self.target += 1
                log.info("SIGTTIN: now %d workers", self.target)
            elif signum == signal.SIGTTOU:
                if self.target > 1:
                    self.target -= 1
                log.info("SIGTTOU: now %d workers", self.target)

    def _stop(self, reason: str) -> None:
        if self._stopping:
            return
        self._stopping = True
        log.info("%s: stopping %d workers (grace %.1f s)", reason, len(self.children), self.grace)
        for child in self.children.values():
            self._retire(child)

    def _reload(self) -> None:
        serving = sorted({c.index for c in self.children.values() if not c.retiring})
        log.info("SIGHUP: starting %d new workers with fresh code", len(serving))
        for index in serving:
            self._spawn(index)

    # -- processes ----------------------------------------------------------------------------

    def _manage(self) -> None:
        """Keep one serving worker per index; retire what was replaced or is surplus."""
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.retiring:
                if now - child.retiring > self.grace + 1.0 and not child.killed:
                    log.warning("%s did not drain within the grace period; killing it", child)
                    self._kill(child, signal.SIGKILL)
            elif now - child.last_beat > self.worker_timeout and not child.killed:
                log.error(
                    "%s missed its heartbeat for %.1f s; killing it", child, self.worker_timeout
                )
                self._kill(child, signal.SIGKILL)
        if self._stopping:
            return
        for index in range(1, self.target + 1):
            live = [c for c in self.children.values() if c.index == index and not c.retiring]
            if not live:
                if now >= self._respawn_after:
                    self._spawn(index)
                continue
            newest_ready = max((c.serial for c in live if c.ready), default=0)
            for child in live:
                if child.serial < newest_ready:
                    self._retire(child)
        for child in list(self.children.values()):
            if child.index > self.target and not child.retiring:
                self._retire(child)

    def _spawn(self, index: int) -> None:
        booting = [c for c in self.children.values() if c.index == index and not c.ready]
        if any(not c.retiring for c in booting):
            return  # a replacement is already on its way
        self._serial += 1
        used = {c.slot for c in self.children.values()}
        slot = next((n for n in range(CAPACITY) if n not in used), -1)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            read_end, write_end = os.pipe()
        except OSError as exc:
            log.error("cannot start worker %d: %s; retrying in 1 s", index, exc)
            self._respawn_after = time.monotonic() + 1.0
            return
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(read_end)
            os.close(write_end)
            log.error("cannot fork worker %d: %s; retrying in 1 s", index, exc)
            self._respawn_after = time.monotonic() + 1.0
            return
        if pid == 0:  # the worker
            os.close(read_end)
            status = 1
            try:
                status = self._become_worker(index, write_end, slot)
            except BaseException:
                log.exception("worker %d failed", index)
            finally:
                logging.shutdown()
                os._exit(status)
        os.set_blocking(read_end, False)
        os.close(write_end)
        child = _Child(index, pid, read_end, self._serial, slot)
        self.children[pid] = child
        log.info("%s spawned", child)

    def _become_worker(self, index: int, pipe: int, slot: int) -> int:
        master = os.getppid()
        signal.set_wakeup_fd(-1)
        for signum in _HANDLED:
            signal.signal(signum, signal.SIG_DFL)
        for fd in [c.pipe for c in self.children.values() if c.pipe >= 0] + list(self._wake):
            _close_quietly(fd)
        if self._bus is not None:
            self._bus.forget()
        os.set_blocking(pipe, False)
        return run_worker(self.server, self.settings, index, pipe, master, self.loads, slot)

    def _retire(self, child: _Child) -> None:
        if not child.retiring:
            child.retiring = time.monotonic()
            self.loads.clear(child.slot)
            log.info("%s: stopping gracefully", child)
            self._kill(child, signal.SIGTERM)

    def _kill(self, child: _Child, signum: int) -> None:
        if signum == signal.SIGKILL:
            child.killed = True
        try:
            os.kill(child.pid, signum)
        except ProcessLookupError:
            pass

    def _reap(self, block: bool = False) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            if child.pipe >= 0:
                _close_quietly(child.pipe)
            self.loads.clear(child.slot)
            self._exited(child, status)

    def _exited(self, child: _Child, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        if child.retiring:
            log.info("%s exited (%s)", child, _describe(code))
            return
        if not child.ready:  # never booted: do not respawn in a tight loop
            self._boot_failed = True
            why = (
                "could not load the app"
                if code == BOOT_ERROR
                else f"failed to boot ({_describe(code)})"
            )
            if not self._ever_ready:
                log.error("%s %s; stopping", child, why)
                self._stop("boot failure")
                return
            log.error("%s %s; the running workers keep serving", child, why)
            self._respawn_after = time.monotonic() + 1.0
            return
        log.error("%s died (%s); replacing it", child, _describe(code))


def _describe(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def _drain(fd: int) -> tuple[bytes, bool]:
    """Everything readable now from a non-blocking pipe, and whether it is still open."""
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return b"".join(chunks), True
        except InterruptedError:
            continue
        except OSError:
            return b"".join(chunks), False
        if not data:
            return b"".join(chunks), False
        chunks.append(data)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def serve(
    app: WSGIApp | str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int | str = 1,
    grace: float = 10.0,
    on_start: Any = None,
    worker_timeout: float = 30.0,
    max_requests: int = 0,
    max_requests_jitter: int = 0,
    **options: Any,
) -> None:
    """Serve ``app`` in the foreground until SIGINT/SIGTERM; see ``Server`` for options.

    ``app`` is a WSGI callable or an import string (``"module:app"``). With ``workers``
    above 1 (or ``"auto"``: one per usable core) a master runs that many processes, each
    importing the app itself, so ``app`` must then be an import string. ``on_start``, if
    given, is called with the started ``Server`` (one process) or ``Arbiter`` (workers).
    """
    require_main_thread()
    # A serving process pins its threads to one CPU and gates its pool unless told otherwise
    # (docs/server.md, "Threads and the GIL"); an embedded Server does neither.
    options.setdefault("cpu_affinity", "auto")
    options.setdefault("compute_threads", DEFAULT_COMPUTE_THREADS)
    count = resolve_workers(workers)
    if count == 1:
        if max_requests or max_requests_jitter:
            raise ValueError("max_requests needs workers > 1")
        loaded = import_app(app) if isinstance(app, str) else app
        Server(loaded, host, port, **options).serve_forever(grace, on_start)
        return
    if not isinstance(app, str):
        raise TypeError(
            "with workers > 1 each worker imports the app: give it as an import string,"
            " e.g. serve('myproject.wsgi:app', workers=4)"
        )
    Arbiter(
        app,
        host,
        port,
        workers=count,
        worker_timeout=worker_timeout,
        max_requests=max_requests,
        max_requests_jitter=max_requests_jitter,
        grace=grace,
        on_start=on_start,
        **options,
    ).run()
