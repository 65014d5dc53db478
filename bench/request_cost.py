"""Per-request cost of the application layer, without a server or sockets.

Calls each framework's WSGI callable directly with a fresh environ per request, on the
TechEmpower-style apps in ``bench/tfb_apps`` (Kettle and Flask from the same
``flaskish.build``, Falcon from ``falcon_app``), drains and closes the response, and
measures process time (``time.process_time``) per request. Frameworks are interleaved
round by round so background load hits them alike; the median of the rounds is printed
with the ratio of each peer to Kettle. Each response is checked once (status 200 and
the expected body start) before anything is measured.

``--instructions`` runs each framework on each route twice under ``valgrind
--tool=callgrind`` (``--count`` requests and three times that, 1000 unless given) and
prints the difference per request: deterministic, so it is the figure to compare when the
machine is busy (``/queries`` draws random ids, so its figure varies a little).

    .venv/bin/python bench/request_cost.py                 # all routes, all frameworks
    .venv/bin/python bench/request_cost.py --routes /json --rounds 9 --count 5000
    .venv/bin/python bench/request_cost.py --instructions --routes /plaintext,/json
    .venv/bin/python bench/request_cost.py --profile kettle /plaintext

Falcon and Flask come from bench/requirements.txt (``make bench-deps``); a framework
that is not installed is skipped with a note. Numbers are for comparison within one
run only; never put timings in tests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TFB_DB", "/tmp/kettle_request_cost.sqlite")

from callgrind import instructions_per_call
from tfb_apps import common

ROUTES = ("/plaintext", "/json", "/fortunes", "/queries?queries=20")
EXPECTED_START = {
    "/plaintext": b"Hello, World!",
    "/json": b'{"message"',
    "/fortunes": b"<!",
    "/queries?queries=20": b"[",
}
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def load_apps(names: list[str]) -> dict[str, WSGIApp]:
    """Build each requested framework's app; skip (with a note) those not installed."""
    apps: dict[str, WSGIApp] = {}
    for name in names:
        try:
            if name == "falcon":
                from tfb_apps import falcon_app

                apps[name] = falcon_app.app
            else:
                from tfb_apps.flaskish import build

                apps[name] = build(name)
        except ImportError as error:
            print(f"skipping {name}: {error}", file=sys.stderr)
    return apps


def make_environ(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def call(app: WSGIApp, target: str) -> tuple[str, bytes]:
    """One request through the WSGI callable; returns (status, body)."""
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(line)
        return None

    result = app(make_environ(target), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0], body


def check(name: str, app: WSGIApp, target: str) -> None:
    status, body = call(app, target)
    if not status.startswith("200") or not body.lstrip().startswith(EXPECTED_START[target]):
        raise SystemExit(f"{name} {target}: unexpected response {status!r} {body[:60]!r}")


def time_round(app: WSGIApp, target: str, count: int) -> float:
    """Microseconds of process time per request over ``count`` requests."""
    started = time.process_time()
    for _ in range(count):
        call(app, target)
    return (time.process_time() - started) / count * 1e6


def measure(apps: dict[str, WSGIApp], routes: list[str], rounds: int, count: int) -> None:
    names = list(apps)
    print(f"process time per request, median of {rounds} interleaved rounds of {count}")
    header = f"{'route':<22}" + "".join(f"{n + ' us':>12}" for n in names)
    ratios = [n for n in names if n != "kettle" and "kettle" in apps]
    print(header + "".join(f"{n + '/kettle':>16}" for n in ratios))
    for target in routes:
        samples: dict[str, list[float]] = {name: [] for name in names}
        for name in names:
            check(name, apps[name], target)
            time_round(apps[name], target, max(count // 5, 1))  # warm up
        for _ in range(rounds):
            for name in names:
                samples[name].append(time_round(apps[name], target, count))
        medians = {name: statistics.median(values) for name, values in samples.items()}
        line = f"{target:<22}" + "".join(f"{medians[n]:>12.1f}" for n in names)
        line += "".join(f"{medians[n] / medians['kettle']:>16.2f}" for n in ratios)
        print(line, flush=True)


def profile(app: WSGIApp, target: str, count: int) -> None:
    for _ in range(count // 5):
        call(app, target)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call(app, target)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def instructions(name: str, target: str, count: int) -> int:
    """Instructions per request of ``name`` on ``target`` (see ``callgrind.py``)."""
    return instructions_per_call(__file__, ["--raw", name, target], count)


def count_instructions(names: list[str], routes: list[str], count: int) -> None:
    print(f"instructions per request (callgrind, {count} vs {3 * count} requests)")
    ratios = [n for n in names if n != "kettle" and "kettle" in names]
    print(
        f"{'route':<22}"
        + "".join(f"{n:>12}" for n in names)
        + "".join(f"{n + '/kettle':>16}" for n in ratios)
    )
    for target in routes:
        counts = {name: instructions(name, target, count) for name in names}
        line = f"{target:<22}" + "".join(f"{counts[n]:>12,}" for n in names)
        line += "".join(f"{counts[n] / counts['kettle']:>16.2f}" for n in ratios)
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default="kettle,falcon,flask")
    parser.add_argument("--routes", default=",".join(ROUTES))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--profile", nargs=2, metavar=("FRAMEWORK", "ROUTE"))
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--raw", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.path.exists(os.environ["TFB_DB"]):
        common.create_database(os.environ["TFB_DB"])
    if args.raw:  # one callgrind run of --instructions: warm up, then --count requests
        name, target = args.raw
        app = load_apps([name])[name]
        for _ in range(200):
            call(app, target)
        for _ in range(args.count):
            call(app, target)
        return
    if args.profile:
        name, target = args.profile
        app = load_apps([name])[name]
        check(name, app, target)
        profile(app, target, args.count * 5)
        return
    apps = load_apps(args.frameworks.split(","))
    routes = [route for route in args.routes.split(",") if route]
    unknown = [route for route in routes if route not in EXPECTED_START]
    if unknown:
        raise SystemExit(f"unknown routes {unknown}; known: {', '.join(ROUTES)}")
    if args.instructions:
        for name in apps:
            for target in routes:
                check(name, apps[name], target)
        count = 1000 if args.count == parser.get_default("count") else args.count
        count_instructions(list(apps), routes, count)
        return
    measure(apps, routes, args.rounds, args.count)


if __name__ == "__main__":
    main()
