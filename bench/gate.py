"""The ``compute_threads`` gate of ``kettle serve`` on apps that wait, compute, or both.

docs/server.md ("Threads and the GIL") describes the gate: on one CPU, two pool threads
serve while they compute, and more as soon as they wait. This measures what it costs
where it should cost nothing: views that wait (``bench/gate_app.py``: /wait5, /mixed,
/long, /hello). It serves that app with ``kettle serve`` twice, one process each: with
``--compute-threads 2`` (the default) and without the gate (``--compute-threads 0``: every
thread takes requests). Both run under ``taskset -c 1``, ``wrk -t2 -c64`` under ``taskset -c 0``;
rounds interleave the two after a one-second warm-up, each server measured alone (the other
stopped, ``bench/alone.py``); the table shows medians of req/s and wrk's p99 and the ratio
gated / open.

``--hog`` also runs a busy loop on CPU 1 for the whole run: other work sharing the
servers' core, where the gate's idle watch can't see the pool wait and the gate opens.

Run: .venv/bin/python bench/gate.py [--rounds 3] [--duration 5] [--routes ...] [--hog]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from alone import alone  # bench/, this script's folder
from wrk import wrk

HERE = Path(__file__).resolve().parent
ROUTES = ("/wait5", "/mixed", "/long", "/hello")
SERVERS = {"gated": "2", "open": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(compute_threads: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{HERE.parent / 'src'}{os.pathsep}{HERE}"}
    command = [
        "taskset",
        "-c",
        "1",
        sys.executable,
        "-c",
        "from kettle.web.cli import main; main()",
    ]
    command += ["serve", "gate_app:app", "--port", str(port), "--no-access-log"]
    command += ["--compute-threads", compute_threads]
    process = subprocess.Popen(
        command,
        cwd=HERE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a process group of its own, for ``alone``
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"the server with --compute-threads {compute_threads} did not start"
                )
            time.sleep(0.1)


def measure(
    ports: dict[str, int],
    groups: dict[str, int],
    routes: list[str],
    rounds: int,
    duration: float,
) -> dict[tuple[str, str], list[tuple[float, float]]]:
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    names = list(ports)
    for route in routes:
        for turn in range(rounds + 1):
            order = names[turn % len(names) :] + names[: turn % len(names)]
            for name in order:
                with alone(group for other, group in groups.items() if other != name):
                    rate, p99, errors, _ = wrk(
                        ports[name], route, 1 if turn == 0 else duration, True
                    )
                if errors:
                    raise SystemExit(f"{name} {route}: {errors} errors")
                if turn:
                    samples.setdefault((name, route), []).append((rate, p99))
    return samples


def table(samples: dict[tuple[str, str], list[tuple[float, float]]], routes: list[str]) -> str:
    lines = [
        "| route | gated req/s | p99 | open req/s | p99 | gated / open |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for route in routes:
        row = [f"`{route}`"]
        rates = []
        for name in SERVERS:
            rate = statistics.median(s[0] for s in samples[(name, route)])
            p99 = statistics.median(s[1] for s in samples[(name, route)])
            rates.append(rate)
            row += [f"{rate:,.0f}", f"{p99:.1f} ms"]
        row.append(f"{rates[0] / rates[1]:.2f}x")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--routes", default=",".join(ROUTES))
    parser.add_argument("--hog", action="store_true", help="a busy loop on the servers' CPU")
    args = parser.parse_args()
    routes = [r for r in args.routes.split(",") if r]
    if unknown := set(routes) - set(ROUTES):
        parser.error(f"unknown routes: {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("wrk and taskset are needed (make system-deps)")
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two CPUs: the servers on CPU 1, wrk on CPU 0")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if args.hog:
            hog = ["taskset", "-c", "1", sys.executable, "-c", "while True: pass"]
            processes.append(subprocess.Popen(hog))
        ports = {name: free_port() for name in SERVERS}
        servers = {name: start(value, ports[name]) for name, value in SERVERS.items()}
        processes += servers.values()
        groups = {name: server.pid for name, server in servers.items()}
        samples = measure(ports, groups, routes, args.rounds, args.duration)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    hog = ", a busy loop sharing CPU 1" if args.hog else ""
    print(f"# bench/gate.py: kettle serve on CPU 1{hog}; wrk -t2 -c64 on CPU 0;")
    print(f"# {args.rounds} rounds of {args.duration:g} s, medians; gated = --compute-threads 2")
    print(table(samples, routes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
