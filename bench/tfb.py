"""TechEmpower-style benchmark: Kettle and the Python field on the same six test types.

Routes (bench/tfb_apps, one module per framework, each written the way its documentation
writes an app): ``/plaintext``, ``/json``, ``/db``, ``/queries?queries=20``, ``/fortunes`` and
``/updates?queries=20`` on one SQLite file (``tfb_apps.common`` creates it: 10,000 worlds,
the specification's 12 fortunes).

Two modes:

``--mode single`` (issue 13): one process each. Kettle on ``kettle serve`` (default
threads; ``--no-batch-responses``, ``--threads 1``, ``--threads 2``, ``--compute-threads
0`` and ``--compute-threads 1``), Falcon on granian (WSGI) and on bjoern, Starlette on
uvicorn (httptools, uvloop), Emmett on granian (RSGI), Flask on gunicorn (gthread) and on
granian (WSGI). Every server is measured twice, as two processes: one started under ``taskset -c
1`` (its whole process tree on core 1, wrk on core 0) and one started plain (placing its
threads as it does for a user; ``kettle serve`` pins its own threads to one CPU by default,
see docs/server.md).

``--mode workers`` (issue 12): two processes each where the server has workers.
``kettle serve --workers 2``, Flask on gunicorn gthread (2 workers) and on granian (WSGI,
2 workers), Starlette on uvicorn (2 workers, httptools, uvloop); plus ``kettle serve`` with
one process, unpinned and pinned, to show the single process does not collapse.

Method: every server is started once and stopped (SIGSTOP, ``bench/alone.py``) while the
others run, so that each is measured alone on the machine. Before anything is
timed, each route of each server is fetched and checked against the test type's rules
(``tfb_apps.common.check``: status, Server/Date/Content-Type headers, exact bodies, the
fortunes table escaped and sorted); a pair that fails is reported and left out. Then, for
each route, one warm-up run per server, and ``--rounds`` rounds in which every server runs
once in rotating order (wrk -t2 -c64), so a change in the machine's load touches all alike.
Tables show the median requests/s, Kettle's ratio to each peer (Kettle / peer, above 1 means
Kettle is faster) and the median p99 latency. A second table gives the CPU time each request
cost the server's process tree and wrk (``bench/proc_cpu.py``; medians of the rounds):
steadier than throughput on a shared machine, and in ``--mode workers`` it gives the most a
second process can add while wrk shares the two cores, ``2S / (S + W)`` for one pinned
process's S and W.

``--hold-read-lock`` (a diagnostic, docs/benchmarks.md): every server's process keeps one
SQLite read transaction open, so that no statement pays the database file's lock calls
whatever the server's threads do.

Run: make bench-tfb  (or .venv/bin/python bench/tfb.py --mode single --rounds 3 --duration 5)
Peers come from bench/requirements.txt (the Makefile installs them).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from alone import alone, settle  # noqa: E402
from proc_cpu import children_cpu, tree_cpu, two_process_ceiling  # noqa: E402
from tfb_apps import common  # noqa: E402
from wrk import wrk  # noqa: E402


@dataclass
class Target:
    label: str
    argv: list[str]  # "{port}" is replaced
    pinned: bool = False  # measured with its process tree pinned to one core
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    port: int = 0


def _granian(interface: str, app: str, workers: int) -> list[str]:
    return [
        str(BIN / "granian"), "--interface", interface, "--host", "127.0.0.1", "--port",
        "{port}", "--workers", str(workers), "--no-access-log", "--log-level", "warning", app,
    ]  # fmt: skip


def _uvicorn(workers: int) -> list[str]:
    return [
        str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", "{port}", "--http", "httptools",
        "--loop", "uvloop", "--no-access-log", "--log-level", "warning", "--workers",
        str(workers), "tfb_apps.starlette_app:app",
    ]  # fmt: skip


def _gunicorn(workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"), "-k", "gthread", "-w", str(workers), "--threads", "8", "-b",
        "127.0.0.1:{port}", "--log-level", "warning", "tfb_apps.flask_app:app",
    ]  # fmt: skip


def _kettle(*extra: str) -> list[str]:
    return [
        str(BIN / "kettle"), "serve", "--no-access-log", "-p", "{port}", *extra,
        "tfb_apps.kettle_app:app",
    ]  # fmt: skip


BJOERN = (
    "import bjoern, sys; from tfb_apps.falcon_app import app, with_server_headers; "
    "bjoern.run(with_server_headers(app), '127.0.0.1', int(sys.argv[1]))"
)


FALCON, EMMETT, FLASK = (f"tfb_apps.{name}_app:app" for name in ("falcon", "emmett", "flask"))


def single_targets() -> dict[str, Target]:
    targets = {
        "kettle": Target("Kettle (kettle serve)", _kettle()),
        # Batching off; one or two threads instead of the pool of 32; and the pool without
        # the compute_threads gate of the default (docs/server.md, "Threads and the GIL").
        "kettle-unbatched": Target(
            "Kettle (kettle serve --no-batch-responses)", _kettle("--no-batch-responses")
        ),
        "kettle-threads1": Target("Kettle (kettle serve --threads 1)", _kettle("--threads", "1")),
        "kettle-threads2": Target("Kettle (kettle serve --threads 2)", _kettle("--threads", "2")),
        "kettle-open": Target(
            "Kettle (kettle serve --compute-threads 0)", _kettle("--compute-threads", "0")
        ),
        # One computing thread, more only while they wait (the gate at 1).
        "kettle-compute1": Target(
            "Kettle (kettle serve --compute-threads 1)", _kettle("--compute-threads", "1")
        ),
        "falcon-granian": Target("Falcon (granian WSGI)", _granian("wsgi", FALCON, 1)),
        "falcon-bjoern": Target("Falcon (bjoern)", [sys.executable, "-c", BJOERN, "{port}"]),
        "starlette-uvicorn": Target("Starlette (uvicorn)", _uvicorn(1)),
        "emmett-granian": Target("Emmett (granian RSGI)", _granian("rsgi", EMMETT, 1)),
        "flask-gunicorn": Target("Flask (gunicorn gthread)", _gunicorn(1)),
        "flask-granian": Target("Flask (granian WSGI)", _granian("wsgi", FLASK, 1)),
    }  # fmt: skip
    return targets


def worker_targets() -> dict[str, Target]:
    return {
        "kettle-w2": Target("kettle serve --workers 2", _kettle("--workers", "2")),
        "kettle-w1": Target("kettle serve (1 process)", _kettle()),
        "kettle-w1-pinned": Target("kettle serve (1 process, pinned)", _kettle(), pinned=True),
        "flask-gunicorn-w2": Target("Flask (gunicorn gthread, 2 workers)", _gunicorn(2)),
        "flask-granian-w2": Target("Flask (granian WSGI, 2 workers)", _granian("wsgi", FLASK, 2)),
        "starlette-uvicorn-w2": Target("Starlette (uvicorn, 2 workers)", _uvicorn(2)),
    }  # fmt: skip


# -- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(target: Target, db_path: str, hold_read_lock: bool = False) -> None:
    target.port = free_port()
    argv = [part.replace("{port}", str(target.port)) for part in target.argv]
    if target.pinned:
        # The whole process tree on core 1 from its start (wrk then runs on core 0); an
        # unpinned server is left to place its threads as it does for a user.
        argv = ["taskset", "-c", "1", *argv]
    env = dict(
        os.environ, TFB_DB=db_path, PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT / "src")])
    )
    if hold_read_lock:
        env["TFB_HOLD_READ_LOCK"] = "1"  # tfb_apps.common.hold_read_lock, in every server
    target.process = subprocess.Popen(
        argv, cwd=str(HERE), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if target.process.poll() is not None:
            error = target.process.stderr.read().decode() if target.process.stderr else ""
            raise SystemExit(f"{target.label} exited at start:\n{error[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", target.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{target.label} did not start on port {target.port}")


def stop(target: Target) -> None:
    if target.process is None or target.process.poll() is not None:
        return
    try:
        os.killpg(target.process.pid, 15)
        target.process.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(target.process.pid, 9)
        target.process.wait(5)


# -- checking and measuring ------------------------------------------------------------------


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, body
    finally:
        connection.close()


def validate(targets: dict[str, Target], routes: list[str]) -> set[tuple[str, str]]:
    """The (target, route) pairs that pass the rules; print the others' problems."""
    passed = set()
    for name, target in targets.items():
        for route in routes:
            problems = common.check(route, *fetch(target.port, common.ROUTES[route]))
            if problems:
                print(f"  left out: {target.label} {route}: {'; '.join(problems)}")
            else:
                passed.add((name, route))
    return passed


Sample = tuple[float, float, int, float, float]  # req/s, p99 ms, errors, server us, wrk us


class Result(NamedTuple):
    """One (target, pinned, route) over the rounds: medians, and each round's req/s."""

    rate: float
    p99: float
    errors: int
    server_us: float
    wrk_us: float
    rates: tuple[float, ...]  # in round order, for ratios paired round by round


def paired_ratio(
    reference: tuple[float, ...], other: tuple[float, ...]
) -> tuple[float, float, float]:
    """The median, lowest and highest of reference / other taken round by round: servers
    measured in the same round shared the machine's state, so a ratio within a round is
    steadier than one of medians taken over rounds apart."""
    ratios = sorted(a / b for a, b in zip(reference, other, strict=True) if b)
    if not ratios:
        return float("nan"), float("nan"), float("nan")
    return statistics.median(ratios), ratios[0], ratios[-1]


def timed_wrk(target: Target, path: str, duration: float, pinned: bool) -> Sample:
    """One wrk run, with the CPU time per request of the server's process tree and of wrk."""
    assert target.process is not None
    server_before, wrk_before = tree_cpu(target.process.pid), children_cpu()
    rate, p99, errors, requests = wrk(target.port, path, duration, pinned)
    server = tree_cpu(target.process.pid) - server_before
    load = children_cpu() - wrk_before
    per = 1e6 / requests if requests else float("nan")
    return rate, p99, errors, server * per, load * per


def measure(
    targets: dict[str, Target], runs: list[tuple[str, bool]], routes: list[str],
    valid: set[tuple[str, str]], rounds: int, duration: float,
) -> dict[tuple[str, bool, str], Result]:  # fmt: skip
    """The ``Result`` of each (target, pinned, route)."""
    results = {}
    for route in routes:
        path = common.ROUTES[route]
        active = [(name, pinned) for name, pinned in runs if (name, route) in valid]
        samples: dict[tuple[str, bool], list[Sample]] = {run: [] for run in active}
        for index in range(rounds + 1):  # round 0 is the warm-up
            shift = index % max(1, len(active))
            for name, pinned in active[shift:] + active[:shift]:
                target = targets[name]
                others = [t.process.pid for t in targets.values() if t is not target and t.process]
                with alone(others):
                    sample = timed_wrk(target, path, 1 if index == 0 else duration, pinned)
                    if target.process is not None:
                        settle(target.process.pid)  # before it is stopped in turn
                if index:
                    samples[(name, pinned)].append(sample)
            print(f"  {route}: round {index}/{rounds}", file=sys.stderr)
        for (name, pinned), values in samples.items():
            results[(name, pinned, route)] = Result(
                statistics.median(v[0] for v in values),
                statistics.median(v[1] for v in values),
                sum(v[2] for v in values),
                statistics.median(v[3] for v in values),
                statistics.median(v[4] for v in values),
                tuple(v[0] for v in values),
            )
    return results


# -- report ----------------------------------------------------------------------------------


def table(
    title: str, columns: list[tuple[str, bool]], targets: dict[str, Target], routes: list[str],
    results: dict[tuple[str, bool, str], Result], reference: tuple[str, bool],
) -> str:  # fmt: skip
    def label(column: tuple[str, bool]) -> str:
        return targets[column[0]].label + (
            " pinned" if column[1] and "pinned" not in targets[column[0]].label else ""
        )

    lines = [f"\n### {title}", "", "| route | " + " | ".join(label(c) for c in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for route in routes:
        base = results.get((*reference, route))
        cells = []
        for column in columns:
            value = results.get((*column, route))
            if value is None:
                cells.append("n/a")
                continue
            cell = f"{value.rate:,.0f}"
            if column != reference and base:
                ratio, low, high = paired_ratio(base.rates, value.rates)
                cell += f" ({ratio:.2f}x, {low:.2f}-{high:.2f})"
            cell += f" p99 {value.p99:.1f} ms"
            if value.errors:
                cell += f" ERR {value.errors}"
            cells.append(cell)
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    lines.append(
        f"\nreq/s and p99, medians of the rounds; (Nx, low-high) = {label(reference)} / that"
        " server, round by round: the median and the range of the rounds."
    )
    return "\n".join(lines)


def cpu_table(
    title: str, columns: list[tuple[str, bool]], targets: dict[str, Target], routes: list[str],
    results: dict[tuple[str, bool, str], Result],
) -> str:  # fmt: skip
    """CPU microseconds per request: the server's process tree / wrk."""
    names = [
        targets[name].label + (" pinned" if pinned and "pinned" not in targets[name].label else "")
        for name, pinned in columns
    ]
    lines = [f"\n### {title}", "", "| route | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for route in routes:
        cells = []
        for column in columns:
            value = results.get((*column, route))
            cells.append("n/a" if value is None else f"{value.server_us:.1f} / {value.wrk_us:.1f}")
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    lines.append("\nCPU us per request, server process tree / wrk, median of the rounds.")
    return "\n".join(lines)


#: Issue 13's targets, one process pinned to one core: on each route Kettle's req/s at
#: least that peer's (the median of the round-by-round ratios) and its p99 no higher.
ISSUE_TARGETS = {
    "plaintext": "falcon-granian",
    "json": "falcon-granian",
    "fortunes": "falcon-granian",
    "queries": "falcon-bjoern",
}


def pinned_name(name: str) -> str:
    """The name of a ``--mode single`` target's pinned twin (``main`` adds one per target)."""
    return f"{name}@pinned"


def target_lines(
    results: dict[tuple[str, bool, str], Result], targets: dict[str, Target], routes: list[str],
) -> str:  # fmt: skip
    """One line per issue-13 target whose two servers were measured pinned (the pinned
    twins of ``kettle`` and of the peer): met or missed, with the ratio and both p99s."""
    lines = []
    for route in routes:
        if route not in ISSUE_TARGETS:
            continue
        peer = pinned_name(ISSUE_TARGETS[route])
        ours = results.get((pinned_name("kettle"), True, route))
        theirs = results.get((peer, True, route))
        if ours is None or theirs is None:
            continue
        ratio = paired_ratio(ours.rates, theirs.rates)[0]
        met = ratio >= 1.0 and ours.p99 <= theirs.p99
        lines.append(
            f"- {route} against {targets[peer].label}: {'met' if met else 'missed'}"
            f" ({ratio:.2f}x, p99 {ours.p99:.1f} against {theirs.p99:.1f} ms)"
        )
    return "\n".join(lines)


def ceiling_lines(
    results: dict[tuple[str, bool, str], Result], reference: tuple[str, bool], routes: list[str]
) -> str:
    """What two processes can add at most on two cores shared with wrk, per route."""
    lines = []
    for route in routes:
        value = results.get((*reference, route))
        if value is not None and value.server_us > 0:
            ceiling = two_process_ceiling(value.server_us, value.wrk_us)
            lines.append(
                f"- {route}: S {value.server_us:.1f} us, W {value.wrk_us:.1f} us:"
                f" two processes at most {ceiling:.2f}x one"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("single", "workers"), default="single")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--routes", default=",".join(common.ROUTES))
    parser.add_argument("--targets", default="", help="comma-separated subset of target names")
    parser.add_argument("--check-only", action="store_true", help="validate, do not measure")
    parser.add_argument(
        "--hold-read-lock",
        action="store_true",
        help="every server keeps one SQLite read transaction open (a diagnostic: no statement"
        " then pays the file lock's fcntl calls, however the server's threads overlap)",
    )
    args = parser.parse_args()
    routes = [r for r in args.routes.split(",") if r]
    if unknown := set(routes) - set(common.ROUTES):
        parser.error(f"unknown routes: {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("wrk and taskset are needed (make system-deps)")
    targets = single_targets() if args.mode == "single" else worker_targets()
    if args.targets:
        wanted = args.targets.split(",")
        targets = {name: t for name, t in targets.items() if name in wanted}
    if args.mode == "single":  # each server twice: a pinned process and an unpinned one
        targets |= {
            pinned_name(name): Target(t.label, t.argv, pinned=True) for name, t in targets.items()
        }
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "tfb.sqlite")
        common.create_database(db_path)
        try:
            for target in targets.values():
                start(target, db_path, args.hold_read_lock)
            print(f"checking {len(targets)} servers x {len(routes)} routes against the rules")
            valid = validate(targets, routes)
            if args.check_only:
                return 0 if len(valid) == len(targets) * len(routes) else 1
            runs = [(name, t.pinned) for name, t in targets.items()]
            results = measure(targets, runs, routes, valid, args.rounds, args.duration)
        finally:
            for target in targets.values():
                stop(target)
    rounds = f"{args.rounds} rounds of {args.duration:g} s"
    print(f"\n# bench/tfb.py --mode {args.mode}: wrk -t2 -c64, {rounds}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")
    if args.hold_read_lock:
        print("--hold-read-lock: each server kept one SQLite read transaction open")
    first = next(iter(targets))
    if args.mode == "single":
        for pinned, title in (
            (True, "one process, pinned to one core (wrk on the other)"),
            (False, "one process, unpinned"),
        ):
            columns = [(name, t.pinned) for name, t in targets.items() if t.pinned == pinned]
            print(table(title, columns, targets, routes, results, columns[0]))
        pinned_columns = [(name, True) for name, t in targets.items() if t.pinned]
        print(cpu_table("CPU per request, pinned", pinned_columns, targets, routes, results))
        if verdicts := target_lines(results, targets, routes):
            print("\n### issue 13's targets, pinned\n")
            print(verdicts)
    else:
        columns = [(name, t.pinned) for name, t in targets.items()]
        print(table("two processes", columns, targets, routes, results, (first, False)))
        print(cpu_table("CPU per request", columns, targets, routes, results))
        if "kettle-w1-pinned" in targets:
            print("\nThe most two processes can add while wrk shares the two cores,")
            print("2S / (S + W) for one pinned process (S server, W wrk CPU per request):")
            print(ceiling_lines(results, ("kettle-w1-pinned", True), routes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
