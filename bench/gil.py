"""GIL benchmark: kettle.server on a SQLite app, one process, unpinned against pinned.

Reproduces the "thread collapse" of issue 12: an app whose code releases the GIL often
(Python's sqlite3 releases it around every statement) served by one threaded process on a
multi-core machine. Routes, in the TechEmpower style:

  /queries?queries=20   20 single-row SELECTs by random id, JSON list of rows
  /fortunes             all rows of a 12-row table plus one, sorted, escaped into HTML

Each configuration runs ``serve(app, threads=N)`` (what ``kettle serve`` runs) in its own
process, driven by ``wrk -t2 -c64``, in three variants: ``default`` (the server's own
settings), ``taskset`` (the same under ``taskset -c <cpu>``: the pinned figure) and
``no-pin`` (``cpu_affinity=None``: the scheduler spreads the threads over every core).
Rounds interleave all configurations; the table shows the median requests/s, the
server's CPU time per request and its threads' context switches per request.

Run: .venv/bin/python bench/gil.py [--rounds N] [--duration S] [--threads 1,32]
     [--routes queries,fortunes] [--variants default,taskset,no-pin] [--src TREE]
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from proc_cpu import process_cpu  # bench/, this script's folder

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DB_PATH = Path(tempfile.gettempdir()) / f"kettle-gil-bench-{os.getuid()}.sqlite"
FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]


def make_db() -> None:
    if DB_PATH.exists():
        DB_PATH.unlink()
    db = sqlite3.connect(DB_PATH)
    db.execute("CREATE TABLE world (id INTEGER PRIMARY KEY, randomNumber INTEGER)")
    db.executemany(
        "INSERT INTO world VALUES (?, ?)", [(i, random.randint(1, 10000)) for i in range(1, 10001)]
    )
    db.execute("CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT)")
    db.executemany("INSERT INTO fortune VALUES (?, ?)", list(enumerate(FORTUNES, 1)))
    db.commit()
    db.close()


_local = threading.local()


def _db() -> sqlite3.Connection:
    try:
        return _local.db  # type: ignore[no-any-return]
    except AttributeError:
        _local.db = sqlite3.connect(DB_PATH, check_same_thread=False)
        return _local.db  # type: ignore[no-any-return]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    db = _db()
    if environ["PATH_INFO"] == "/queries":
        query = environ.get("QUERY_STRING", "")
        match = re.search(r"queries=(\d+)", query)
        count = min(500, max(1, int(match.group(1)))) if match else 1
        rows = []
        for _ in range(count):
            row = db.execute(
                "SELECT id, randomNumber FROM world WHERE id = ?", (random.randint(1, 10000),)
            ).fetchone()
            rows.append({"id": row[0], "randomNumber": row[1]})
        body = json.dumps(rows).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if environ["PATH_INFO"] == "/fortunes":
        fortunes = db.execute("SELECT id, message FROM fortune").fetchall()
        fortunes.append((0, "Additional fortune added at request time."))
        fortunes.sort(key=lambda item: item[1])
        rows = "".join(
            f"<tr><td>{ident}</td><td>{html.escape(message)}</td></tr>"
            for ident, message in fortunes
        )
        page = (
            "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
            f"<tr><th>id</th><th>message</th></tr>{rows}</table></body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_here(port: int, threads: int, extra: str) -> None:
    sys.path.insert(0, os.environ.get("KETTLE_BENCH_SRC", str(SRC)))
    from kettle.server import serve

    options: dict[str, Any] = {"threads": threads}
    for item in filter(None, extra.split(",")):
        key, _, value = item.partition("=")
        options[key] = ast.literal_eval(value)
    serve(app, "127.0.0.1", port, **options)


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def process_counters(pid: int) -> tuple[float, int]:
    """CPU seconds used by the process and context switches of all its threads."""
    cpu = process_cpu(pid)
    switches = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as file:
                for line in file:
                    if line.endswith("ctxt_switches:\t" + line.rsplit("\t", 1)[-1]):
                        switches += int(line.rsplit("\t", 1)[-1])
        except OSError:
            continue
    return cpu, switches


def run_wrk(port: int, path: str, duration: float, pid: int) -> tuple[float, float, float]:
    """(requests/s, server CPU microseconds per request, context switches per request)"""
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run(["wrk", "-t2", "-c64", "-d1s", url], capture_output=True, check=True)
    cpu_before, switches_before = process_counters(pid)
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{duration:g}s", url], capture_output=True, text=True, check=True
    ).stdout
    cpu_after, switches_after = process_counters(pid)
    if "Non-2xx" in out or "Socket errors" in out:
        print(out, file=sys.stderr)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if match is None or count is None:
        raise RuntimeError(out)
    requests = max(1, int(count.group(1)))
    return (
        float(match.group(1)),
        (cpu_after - cpu_before) * 1e6 / requests,
        (switches_after - switches_before) / requests,
    )


def one_run(
    threads: int, pin: str | None, path: str, duration: float, extra: str
) -> tuple[float, float, float]:
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port), str(threads), extra]
    if pin is not None:
        command = ["taskset", "-c", pin, *command]
    proc = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        return run_wrk(port, path, duration, proc.pid)
    finally:
        proc.terminate()
        proc.wait(15)


VARIANTS = {
    # name: (server options, run under taskset)
    "default": ("", False),
    "taskset": ("", True),
    "no-pin": ("cpu_affinity=None", False),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", nargs=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--threads", default="32")
    parser.add_argument("--routes", default="queries,fortunes")
    parser.add_argument("--variants", default="default,taskset,no-pin")
    parser.add_argument("--pin", default=str(max(os.sched_getaffinity(0))))
    parser.add_argument("--src", default=str(SRC), help="the kettle source tree to serve")
    args = parser.parse_args()
    os.environ["KETTLE_BENCH_SRC"] = args.src
    if args.serve:
        serve_here(int(args.serve[0]), int(args.serve[1]), args.serve[2])
        return
    make_db()
    paths = {"queries": "/queries?queries=20", "fortunes": "/fortunes"}
    configs = [
        (route, int(threads), variant)
        for route in args.routes.split(",")
        for threads in args.threads.split(",")
        for variant in args.variants.split(",")
    ]
    results: dict[tuple[str, int, str], list[tuple[float, float, float]]] = {
        c: [] for c in configs
    }
    for round_index in range(args.rounds):
        shift = round_index % len(configs)
        for route, threads, variant in configs[shift:] + configs[:shift]:
            extra, pinned = VARIANTS[variant]
            pin = args.pin if pinned else None
            run = one_run(threads, pin, paths[route], args.duration, extra)
            results[(route, threads, variant)].append(run)
    print(f"wrk -t2 -c64, {args.rounds} interleaved rounds x {args.duration:g} s")
    print(f"load average after the runs {os.getloadavg()}")
    print("route     threads  variant   req/s (median)  CPU us/req  switches/req  each run")
    for key in configs:
        runs = results[key]
        rps, cpu, switches = (statistics.median(r[i] for r in runs) for i in range(3))
        each = " ".join(f"{r[0]:.0f}" for r in runs)
        route, threads, variant = key
        print(
            f"{route:8s}  {threads:7d}  {variant:8s}  {rps:14.0f}  {cpu:10.0f}"
            f"  {switches:12.2f}  {each}"
        )


if __name__ == "__main__":
    main()
