"""Application benchmark: Kettle against Flask, in-process and over HTTP, in one run.

(a) Framework overhead: requests per second through each framework's in-process test client,
    for a route that renders a template with a 20-item loop (``/tpl``) and a JSON route
    (``/json``). Kettle and Flask are interleaved round by round after a warm-up; the table
    shows the median requests/s and the ratio Kettle/Flask.
(b) Full stack over HTTP with wrk on 127.0.0.1: the same routes on Kettle's server
    (``kettle.server``), on Werkzeug's dev server (Flask's ``app.run``) and on gunicorn
    (gthread, 1 worker). Each server runs in its own process; wrk runs the servers one
    after the other in rotating order, several rounds per route (all three servers are up
    the whole time), and the table shows the median requests/s and Kettle's ratio to each.

Both apps are the same code with ``Flask`` spelled ``Kettle``; the bodies are checked to be
equal before anything is timed.

Run: .venv/bin/python bench/app.py [--rounds N] [--duration S] [--http-rounds N] [--skip-http]
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

ITEMS = [{"id": n, "name": f"Item <{n}> & co", "price": f"{n * 1.25:.2f}"} for n in range(20)]
PAYLOAD = {"ok": True, "count": 3, "items": [{"id": n, "name": f"item {n}"} for n in range(3)]}


def build(kind: str) -> Any:
    """The benchmark app on ``kind`` ("kettle" or "flask"): /tpl and /json."""
    if kind == "kettle":
        from kettle import Kettle as App
        from kettle import render_template
    else:
        from flask import Flask as App
        from flask import render_template
    app = App(__name__, template_folder=str(HERE / "app_templates"))

    @app.route("/tpl")
    def tpl() -> str:
        return render_template("list.html", title="Items", items=ITEMS)

    @app.route("/json")
    def json_route() -> Any:
        return PAYLOAD

    return app


# -- (a) in-process --------------------------------------------------------------------------


def client_runner(kind: str, path: str) -> Callable[[int], None]:
    client = build(kind).test_client()

    def run(n: int) -> None:
        get = client.get
        for _ in range(n):
            get(path)

    return run


def check_same_bodies() -> None:
    for path in ("/tpl", "/json"):
        bodies = {kind: build(kind).test_client().get(path).data for kind in ("kettle", "flask")}
        if bodies["kettle"] != bodies["flask"]:
            raise SystemExit(
                f"bodies differ for {path}:\n{bodies['kettle']!r}\n{bodies['flask']!r}"
            )


def in_process(rounds: int, batch: int) -> list[tuple[str, float, float]]:
    results = []
    for path in ("/tpl", "/json"):
        runners = {kind: client_runner(kind, path) for kind in ("kettle", "flask")}
        for run in runners.values():
            run(batch // 4)  # warm-up: caches, compiled templates
        rates: dict[str, list[float]] = {kind: [] for kind in runners}
        for index in range(rounds):
            order = list(runners) if index % 2 == 0 else list(reversed(runners))
            for kind in order:
                start = time.perf_counter()
                runners[kind](batch)
                rates[kind].append(batch / (time.perf_counter() - start))
        results.append(
            (path, statistics.median(rates["kettle"]), statistics.median(rates["flask"]))
        )
    return results


# -- (b) over HTTP ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(target: str, port: int) -> None:
    """Child process entry: serve the app for ``target`` on ``port`` until killed."""
    if target == "kettle":
        from kettle.server import serve as kettle_serve

        kettle_serve(build("kettle"), "127.0.0.1", port, threads=8)
    elif target == "werkzeug":
        build("flask").run("127.0.0.1", port, threaded=True)


def start_server(target: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + str(HERE))
    if target == "gunicorn":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [
            gunicorn, "-k", "gthread", "-w", "1", "--threads", "8", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "app:flask_app()",
        ]  # fmt: skip
    else:
        command = [sys.executable, str(HERE / "app.py"), "--serve", target, "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=str(HERE), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{target} did not start on port {port}")


def flask_app() -> Any:
    """gunicorn's app factory (``app:flask_app()``)."""
    return build("flask")


def wrk(port: int, path: str, duration: float) -> float:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{max(1, round(duration))}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=duration + 30, check=True,
    ).stdout  # fmt: skip
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit(f"no Requests/sec in wrk output:\n{output}")


def over_http(duration: float, rounds: int) -> dict[str, dict[str, float]]:
    """Median requests/s per server and route. All servers run at once (idle unless
    driven); for each route, every round drives each server once, in rotating order, so
    a change in the machine's load touches every server alike."""
    targets = ("kettle", "gunicorn", "werkzeug")
    ports = {target: free_port() for target in targets}
    processes = []
    try:
        for target in targets:
            processes.append(start_server(target, ports[target]))
        samples: dict[str, dict[str, list[float]]] = {t: {} for t in targets}
        for path in ("/tpl", "/json"):
            for target in targets:
                wrk(ports[target], path, 1)  # warm-up
                samples[target][path] = []
            for index in range(rounds):
                shift = index % len(targets)
                for target in targets[shift:] + targets[:shift]:
                    samples[target][path].append(wrk(ports[target], path, duration))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)
    return {
        target: {path: statistics.median(values) for path, values in by_path.items()}
        for target, by_path in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--http-rounds", type=int, default=5)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--serve", choices=("kettle", "werkzeug"))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    check_same_bodies()
    print(f"(a) in-process test client, median of {args.rounds} rounds x {args.batch} requests")
    print(f"{'route':<8}{'kettle req/s':>14}{'flask req/s':>14}{'ratio':>8}")
    for path, kettle_rate, flask_rate in in_process(args.rounds, args.batch):
        print(
            f"{path:<8}{kettle_rate:>14,.0f}{flask_rate:>14,.0f}{kettle_rate / flask_rate:>7.2f}x"
        )
    if args.skip_http:
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make system-deps)")
    results = over_http(args.duration, args.http_rounds)
    print(
        f"\n(b) over HTTP with wrk -t2 -c16, median of {args.http_rounds} interleaved runs"
        f" of {args.duration:g} s"
    )
    print(
        f"{'route':<8}{'kettle':>10}{'gunicorn':>10}{'werkzeug':>10}"
        f"{'vs gunicorn':>13}{'vs werkzeug':>13}"
    )
    for path in ("/tpl", "/json"):
        k, g, w = (results[t][path] for t in ("kettle", "gunicorn", "werkzeug"))
        print(f"{path:<8}{k:>10,.0f}{g:>10,.0f}{w:>10,.0f}{k / g:>12.2f}x{k / w:>12.2f}x")


if __name__ == "__main__":
    main()
