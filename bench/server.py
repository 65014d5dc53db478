"""HTTP server benchmark: kettle.server against Werkzeug, waitress and gunicorn, driven by wrk.

Every server runs in its own process on 127.0.0.1 and serves the same WSGI app from this
file. Scenarios:

  hello        GET / -> "Hello, World!", keep-alive (wrk -c 32)
  hello-close  the same with "Connection: close" on every request (wrk -c 32)
  sleep50      GET /sleep sleeps 50 ms, 64 concurrent connections (kettle with threads=64)

Peers: Werkzeug ``run_simple(threaded=True)``, waitress with 8 threads, gunicorn with the
gthread worker (1 worker, 8 threads); kettle runs with threads=64. Before timing, every
server's response body is checked. Rounds interleave the servers (the order rotates);
each run is preceded by a short warm-up and the table shows the median requests/s and
p99 latency per server and the ratio of kettle to each peer.

Run: .venv/bin/python bench/server.py [--rounds N] [--duration S] [--scenario NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
BIN = Path(sys.executable).parent


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The benchmarked WSGI app: / says hello, /sleep sleeps 50 ms first."""
    if environ["PATH_INFO"] == "/sleep":
        time.sleep(0.05)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, World!"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_in_this_process(name: str, port: int) -> None:
    """Entry point of the server subprocesses (``--serve NAME PORT``)."""
    if name == "kettle":
        sys.path.insert(0, str(SRC))
        from kettle.server import serve

        serve(app, "127.0.0.1", port, threads=64)
    elif name == "werkzeug":
        import logging

        from werkzeug.serving import run_simple

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        run_simple("127.0.0.1", port, app, threaded=True)
    elif name == "waitress":
        import waitress

        waitress.serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)
    else:
        raise SystemExit(f"unknown server {name!r}")


def start(name: str, port: int) -> subprocess.Popen[bytes]:
    if name == "gunicorn":
        command = [
            str(BIN / "gunicorn"),
            "--chdir",
            str(HERE),
            "-k",
            "gthread",
            "-w",
            "1",
            "--threads",
            "8",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "server:app",
        ]
    else:
        command = [sys.executable, __file__, "--serve", name, str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                reply = b""
                while chunk := sock.recv(4096):
                    reply += chunk
            if not reply.startswith(b"HTTP/1.") or b"Hello, World!" not in reply:
                raise SystemExit(f"{name} answered wrongly: {reply!r}")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{name} did not start on port {port}")


SCENARIOS: dict[str, tuple[str, list[str]]] = {
    "hello": ("/", ["-t", "1", "-c", "32"]),
    "hello-close": ("/", ["-t", "1", "-c", "32", "-H", "Connection: close"]),
    "sleep50": ("/sleep", ["-t", "2", "-c", "64"]),
}
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(port: int, scenario: str, seconds: int) -> tuple[float, float, int]:
    """Run wrk; return (requests/s, p99 in ms, error count)."""
    path, args = SCENARIOS[scenario]
    output = subprocess.run(
        ["wrk", *args, "-d", f"{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    latency = float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return rate, latency, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--servers", default="kettle,werkzeug,waitress,gunicorn")
    parser.add_argument("--serve", nargs=2, metavar=("NAME", "PORT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve_in_this_process(options.serve[0], int(options.serve[1]))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench-server installs it)")
    names = options.servers.split(",")
    scenarios = options.scenario or list(SCENARIOS)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports: dict[str, int] = {}
    try:
        for name in names:
            ports[name] = free_port()
            processes[name] = start(name, ports[name])
        print(f"cpus={os.cpu_count()} rounds={options.rounds} duration={options.duration}s")
        for scenario in scenarios:
            results: dict[str, list[tuple[float, float, int]]] = {n: [] for n in names}
            for round_index in range(options.rounds):
                order = names[round_index % len(names) :] + names[: round_index % len(names)]
                for name in order:
                    wrk(ports[name], scenario, options.warmup)
                    results[name].append(wrk(ports[name], scenario, options.duration))
            report(scenario, names, results)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def report(scenario: str, names: list[str], results: dict[str, list[Any]]) -> None:
    print(f"\n{scenario}")
    print(f"  {'server':<10} {'req/s':>10} {'p99 ms':>9} {'errors':>7} {'kettle x':>9}")
    medians = {n: statistics.median(r[0] for r in results[n]) for n in names}
    for name in names:
        p99 = statistics.median(r[1] for r in results[name])
        errors = sum(r[2] for r in results[name])
        ratio = medians.get("kettle", float("nan")) / medians[name] if medians[name] else 0.0
        print(f"  {name:<10} {medians[name]:>10.0f} {p99:>9.2f} {errors:>7} {ratio:>8.2f}x")


if __name__ == "__main__":
    main()
