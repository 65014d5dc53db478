"""Where a slow request's time goes under load: inside the app call, or before it.

Serves bench/tfb_apps' Kettle app from this process with kettle.server (the ``Server``
that ``kettle serve`` runs), the whole process on one CPU and wrk (``-t2 -c64``) on
another, and wraps the app to time every call from the server calling it to its return:
the time its thread spends in the app, waiting for the GIL included. It also counts the
pool threads inside the app as each request enters. Printed: wrk's latency percentiles
(what the client waited), the app-time percentiles, the share of requests that took
more than 1 ms in the app, and how many threads were in the app as requests entered.

With ``/queries?queries=20`` (20 SQLite reads; Python's sqlite3 releases the GIL around
every statement) most requests take their 0.2 ms of CPU in the app and a few percent take
tens of milliseconds: see docs/server.md, "Threads and the GIL".

Run: .venv/bin/python bench/app_time.py [--path /queries?queries=20] [--threads N]
     [--duration S] [--cpu N] [--wrk-cpu N]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TimedApp:
    """A WSGI app that times each call of ``app`` and counts the threads inside it.

    Only while ``recording``: ``samples`` gets each call's seconds and ``entered`` counts,
    by the number of threads in the app (this one included) as a request entered, the
    requests that found that many. A set's ``add``/``discard`` hold the GIL, so the count
    is exact at each entry."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.recording = False
        self.samples: list[float] = []
        self.entered: Counter[int] = Counter()
        self._inside: set[int] = set()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        ident = threading.get_ident()
        inside = self._inside
        inside.add(ident)
        found = len(inside)
        started = time.perf_counter()
        try:
            return self.app(environ, start_response)
        finally:
            elapsed = time.perf_counter() - started
            inside.discard(ident)
            if self.recording:
                self.samples.append(elapsed)
                self.entered[found] += 1


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile of ``samples`` (sorted or not); ``share`` in (0, 1]."""
    ordered = sorted(samples)
    # (rounded first so that 0.9 * 10, 9.000000000000002 in floats, is rank 9)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[min(rank, len(ordered)) - 1]


def app_time_lines(samples: list[float], entered: Counter[int]) -> list[str]:
    """The report of a recording: percentiles in ms and the threads-in-app shares."""
    if not samples:
        return ["no request was recorded"]
    ms = [1e3 * value for value in samples]
    slow = sum(1 for value in ms if value > 1.0) / len(ms)
    total = sum(entered.values())
    shares = " ".join(f"{n}: {count / total:.0%}" for n, count in sorted(entered.items()))
    return [
        f"app time  p50 {percentile(ms, 0.5):.2f} ms  p90 {percentile(ms, 0.9):.2f} ms  "
        f"p99 {percentile(ms, 0.99):.2f} ms  max {max(ms):.2f} ms  "
        f"over 1 ms: {slow:.1%} of {len(ms)} requests",
        f"threads in the app as a request entered (share of requests): {shares}",
    ]


def run_wrk(port: int, path: str, duration: float, cpu: int | None) -> str:
    command = ["wrk", "-t2", "-c64", f"-d{duration:g}s", "--latency"]
    command.append(f"http://127.0.0.1:{port}{path}")
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout


def wrk_line(output: str) -> str:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    marks = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.M))
    return (
        f"wrk       {float(rate.group(1)) if rate else float('nan'):,.0f} req/s  "
        f"p50 {marks.get('50', '?')}  p90 {marks.get('90', '?')}  p99 {marks.get('99', '?')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/queries?queries=20")
    parser.add_argument("--threads", type=int, default=None, help="the server's default")
    parser.add_argument("--duration", type=float, default=5.0)
    usable = sorted(os.sched_getaffinity(0))
    parser.add_argument("--cpu", type=int, default=usable[-1], help="the server's CPU")
    parser.add_argument("--wrk-cpu", type=int, default=usable[0] if len(usable) > 1 else None)
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    os.environ.setdefault("TFB_DB", "/tmp/kettle_request_cost.sqlite")
    from tfb_apps import common
    from tfb_apps.kettle_app import app

    from kettle.server.server import Server

    if not os.path.exists(os.environ["TFB_DB"]):
        common.create_database(os.environ["TFB_DB"])
    os.sched_setaffinity(0, {args.cpu})  # before the server's threads start: they inherit it
    timed = TimedApp(app)
    options: dict[str, Any] = {"cpu_affinity": None}
    if args.threads is not None:
        options["threads"] = args.threads
    server = Server(timed, "127.0.0.1", 0, **options).start()
    port = server.port
    try:
        run_wrk(port, args.path, 1, args.wrk_cpu)  # warm-up
        timed.recording = True
        output = run_wrk(port, args.path, args.duration, args.wrk_cpu)
        timed.recording = False
    finally:
        server.stop(1.0)
    print(f"{args.path}, server on CPU {args.cpu}, wrk on CPU {args.wrk_cpu}")
    print(wrk_line(output))
    for line in app_time_lines(timed.samples, timed.entered):
        print(line)


if __name__ == "__main__":
    main()
