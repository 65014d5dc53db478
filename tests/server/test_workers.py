"""``kettle serve --workers N``: the master replaces dead and hung workers, recycles after
``--max-requests``, reloads on SIGHUP without a failed request, resizes on SIGTTIN/SIGTTOU
and drains on SIGTERM. Each test runs a real master in a subprocess (``masters.Master``)
and talks to it over real sockets with timeouts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle.server import balance, serve
from kettle.server.balance import WorkerLoads
from kettle.server.cli import serve_command
from kettle.server.workers import resolve_workers

from .masters import ROOT, TIMEOUT, Master, get

APP = """
import os, re, time

VERSION = "v1"

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/hang":
        re.match(r"(a+)+$", "a" * 64 + "b")  # stuck in C, holding the GIL
    if path == "/slow":
        time.sleep(float(environ["QUERY_STRING"]))
    body = f"{os.getpid()} {VERSION}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "wapp.py").write_text(APP)
    return tmp_path


@pytest.fixture
def start(folder: Path) -> Iterator[type[Master]]:
    started: list[Master] = []

    def start(*args: str) -> Master:
        master = Master(folder, "wapp:app", *args)
        started.append(master)
        return master

    yield start  # type: ignore[misc]
    for master in started:
        master.stop()


def pid_of(body: str) -> int:
    return int(body.split()[0])


def test_two_workers_serve_and_a_killed_one_is_replaced(start: type[Master]) -> None:
    master = start("--workers", "2")
    pids = set(master.wait_ready(2))
    assert master.workers() == pids
    victim = min(pids)
    index = master.wait_log(rf"worker (\d) \(pid {victim}\) is ready")[0].group(1)
    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def client() -> None:  # one request at a time, each on a fresh connection
        while not stop.is_set():
            try:
                results.append(master.get())
            except OSError as exc:
                results.append((0, repr(exc)))

    thread = threading.Thread(target=client)
    thread.start()
    try:
        time.sleep(0.2)
        os.kill(victim, signal.SIGKILL)
        master.wait_log(rf"worker {index} \(pid {victim}\) died \(killed by SIGKILL\); replacing")
        master.wait_ready(3)
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    # Only the request the victim had in hand when it was killed may be lost.
    failed = [i for i, (status, _) in enumerate(results) if status != 200]
    assert len(failed) <= 1, results
    assert len(results) - (failed[0] if failed else 0) > 10
    survivors = master.wait_workers(2)
    assert victim not in survivors and len(survivors & pids) == 1
    assert {pid_of(body) for _, body in results[-5:]} <= survivors
    assert master.stop() == 0


def test_a_worker_that_misses_its_heartbeat_is_killed_and_replaced(start: type[Master]) -> None:
    master = start("--workers", "2", "--worker-timeout", "2")
    pids = set(master.wait_ready(2))
    started = time.monotonic()
    status, body = master.get("/hang")  # the worker dies with the request in hand
    assert (status, body) == (0, "")
    hung = master.wait_log(r"worker (\d) \(pid (\d+)\) missed its heartbeat for 2\.0 s; killing")
    assert time.monotonic() - started < 2 + 3
    index, pid = hung[0].group(1), int(hung[0].group(2))
    assert pid in pids
    master.wait_log(rf"worker {index} \(pid {pid}\) died \(killed by SIGKILL\); replacing it")
    master.wait_ready(3)
    assert master.get()[0] == 200
    assert len(master.wait_workers(2) & pids) == 1


def test_max_requests_recycles_workers_gracefully(start: type[Master]) -> None:
    master = start("--workers", "2", "--max-requests", "5", "--max-requests-jitter", "2")
    first = set(master.wait_ready(2))
    seen: set[int] = set()
    deadline = time.monotonic() + 15
    while not seen - first:  # until a replacement answers
        assert time.monotonic() < deadline, master.log
        status, body = master.get()
        assert status == 200
        seen.add(pid_of(body))
    recycled = master.wait_log(r"worker \d \(pid (\d+)\) reached its max requests; replacing")
    old = int(recycled[0].group(1))
    master.wait_log(rf"worker \d \(pid {old}\) exited \(exit status 0\)")
    assert master.wait_workers(2) - first


def test_sighup_reloads_new_code_without_a_failed_request(
    start: type[Master], folder: Path
) -> None:
    master = start("--workers", "2")
    old = set(master.wait_ready(2))
    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                results.append(master.get())
            except OSError as exc:
                results.append((0, repr(exc)))

    thread = threading.Thread(target=client)
    thread.start()
    try:
        time.sleep(0.3)
        (folder / "wapp.py").write_text(APP.replace('VERSION = "v1"', 'VERSION = "v2"'))
        master.signal(signal.SIGHUP)
        master.wait_log(r"SIGHUP: starting 2 new workers")
        for pid in old:
            master.wait_log(rf"worker \d \(pid {pid}\) exited \(exit status 0\)")
        # Make before break: each old worker is stopped only after a new one is ready.
        lines = master.log.splitlines()
        first_stop = min(i for i, line in enumerate(lines) if "stopping gracefully" in line)
        assert sum("is ready" in line for line in lines[:first_stop]) >= 3
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert [r for r in results if r[0] != 200] == []
    versions = [body.split()[1] for _, body in results]
    assert versions[0] == "v1" and versions[-1] == "v2"
    # Once new code answered, old code never answers again except from draining workers.
    assert versions.count("v2") >= 1 and len(results) > 20
    new = master.wait_workers(2)
    assert not new & old
    assert {pid_of(body) for _, body in results[-3:]} <= new


def test_ttin_and_ttou_change_the_number_of_workers(start: type[Master]) -> None:
    master = start("--workers", "2")
    master.wait_ready(2)
    master.signal(signal.SIGTTIN)
    master.wait_log(r"SIGTTIN: now 3 workers")
    third = master.wait_log(r"worker 3 \(pid (\d+)\) is ready")[0].group(1)
    assert len(master.wait_workers(3)) == 3
    master.signal(signal.SIGTTOU)
    master.wait_log(r"SIGTTOU: now 2 workers")
    master.wait_log(rf"worker 3 \(pid {third}\) exited \(exit status 0\)")
    master.signal(signal.SIGTTOU)
    master.wait_log(r"SIGTTOU: now 1 workers")
    assert len(master.wait_workers(1)) == 1
    master.signal(signal.SIGTTOU)  # never below one
    master.wait_log(r"SIGTTOU: now 1 workers", count=2)
    assert master.get()[0] == 200
    assert len(master.workers()) == 1


def test_sigterm_finishes_requests_in_flight_then_exits(start: type[Master]) -> None:
    master = start("--workers", "2", "--grace", "5")
    master.wait_ready(2)
    answer: list[tuple[int, str]] = []
    slow = threading.Thread(target=lambda: answer.append(master.get("/slow?1.0")))
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    master.signal(signal.SIGTERM)
    slow.join(TIMEOUT)
    assert answer and answer[0][0] == 200
    assert master.process.wait(TIMEOUT) == 0
    assert time.monotonic() - started < 5
    assert "SIGTERM: stopping 2 workers (grace 5.0 s)" in master.log
    with pytest.raises(OSError):
        get(master.port)


def test_a_master_whose_workers_cannot_load_the_app_exits_1(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from kettle.web.cli import main; main()", "serve",
         "nosuchmodule:app", "--workers", "2", "--port", "0"],
        cwd=folder,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Error: no worker could load 'nosuchmodule:app' (see the log)" in done.stderr
    assert "cannot import 'nosuchmodule'" in done.stderr


def test_workers_option_validation(folder: Path) -> None:
    assert resolve_workers("auto") >= 1
    assert resolve_workers("3") == 3
    for bad in (0, "0", "many", -1, True):
        with pytest.raises(ValueError) as info:
            resolve_workers(bad)  # type: ignore[arg-type]
        assert str(info.value) == f"workers must be an int >= 1 or 'auto', got {bad!r}"
    result = CliRunner().invoke(serve_command, ["wapp:app", "--workers", "many"])
    assert result.exit_code == 2
    assert "'many' is not an int >= 1 or 'auto'" in result.output
    result = CliRunner().invoke(serve_command, ["wapp:app", "--max-requests", "5"])
    assert result.exit_code == 2
    assert "--max-requests needs --workers 2 or more" in result.output
    with pytest.raises(TypeError) as error:
        serve(lambda e, s: [], workers=2)
    assert "give it as an import string" in str(error.value)


def test_sighup_with_code_that_cannot_load_keeps_the_old_workers(
    start: type[Master], folder: Path
) -> None:
    master = start("--workers", "2")
    old = set(master.wait_ready(2))
    (folder / "wapp.py").write_text(APP + "\ndef broken(:\n")
    master.signal(signal.SIGHUP)
    master.wait_log(
        r"worker \d \(pid \d+\) could not load the app; the running workers keep serving", 2
    )
    assert "SyntaxError" in master.log
    for _ in range(5):
        status, body = master.get()
        assert status == 200 and body.split()[1] == "v1" and pid_of(body) in old
    assert master.workers() == old
    (folder / "wapp.py").write_text(APP.replace('VERSION = "v1"', 'VERSION = "v2"'))
    master.signal(signal.SIGHUP)  # fixed: the next reload goes through
    for pid in old:
        master.wait_log(rf"worker \d \(pid {pid}\) exited \(exit status 0\)")
    assert master.get()[1].split()[1] == "v2"


def test_ctrl_c_on_the_process_group_stops_everything_gracefully(start: type[Master]) -> None:
    master = start("--workers", "2", "--access-log")
    pids = master.wait_ready(2)
    status, body = master.get("/logged")
    assert status == 200
    served_by = pid_of(body)
    index = master.wait_log(rf"worker (\d) \(pid {served_by}\) is ready")[0].group(1)
    # The access log line comes from the worker and names it.
    master.wait_log(rf'^\[worker {index} pid {served_by}\] 127\.0\.0\.1 - - \[.+\] "GET /logged ')
    os.killpg(master.pid, signal.SIGINT)  # what a terminal's Ctrl+C does
    assert master.process.wait(TIMEOUT) == 0
    master.wait_log(r"SIGINT: stopping 2 workers")
    for pid in pids:
        master.wait_log(rf"worker \d \(pid {pid}\) exited \(exit status 0\)")


def test_workers_stop_by_themselves_when_the_master_dies(start: type[Master]) -> None:
    master = start("--workers", "2")
    pids = master.wait_ready(2)
    master.signal(signal.SIGKILL)
    master.process.wait(TIMEOUT)
    for pid in pids:
        master.wait_log(rf"^\[worker \d pid {pid}\] the master is gone; stopping")
        master.wait_log(rf"^\[worker \d pid {pid}\] stopped")
    deadline = time.monotonic() + TIMEOUT
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        assert time.monotonic() < deadline, "orphaned workers kept running"
        time.sleep(0.05)


SERVE_SCRIPT = """
import logging

from kettle.server import serve

logging.basicConfig(level=logging.INFO, format="%(message)s")  # serve() configures none

def announce(arbiter):
    print(f" * kettle serving on {arbiter.url} ({arbiter.target} workers)", flush=True)

serve("wapp:app", "127.0.0.1", 0, workers=2, threads=2, on_start=announce)
"""


def test_serve_with_workers_from_python(folder: Path) -> None:
    (folder / "run.py").write_text(SERVE_SCRIPT)
    master = Master(folder, command=[sys.executable, "run.py"])
    try:
        pids = set(master.wait_ready(2))
        status, body = master.get()
        assert status == 200 and pid_of(body) in pids and body.endswith(" v1")
    finally:
        assert master.stop() == 0


def test_a_burst_of_keep_alive_connections_is_spread_over_the_workers(
    start: type[Master],
) -> None:
    master = start("--workers", "2")
    pids = set(master.wait_ready(2))
    socks = [
        socket.create_connection(("127.0.0.1", master.port), timeout=TIMEOUT) for _ in range(40)
    ]
    try:
        for sock in socks:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        served = Counter()
        for sock in socks:
            data = b""
            while not data.endswith(b" v1"):
                chunk = sock.recv(4096)
                assert chunk
                data += chunk
            served[pid_of(data.partition(b"\r\n\r\n")[2].decode())] += 1
    finally:
        for sock in socks:
            sock.close()
    assert set(served) == pids
    assert min(served.values()) >= 10, served  # without balancing one often takes ~all


def test_worker_loads_table() -> None:
    loads = WorkerLoads()
    try:
        assert loads.may_accept(0, 50)  # alone
        loads.publish(1, 10)
        assert loads.may_accept(0, 13)  # within 2 + 10 // 8 of the least loaded
        assert not loads.may_accept(0, 14)
        assert loads.may_accept(1, 10)  # the least loaded always accepts
        loads.clear(1)  # retired or exited
        assert loads.may_accept(0, 14)
        loads.publish(2, 0)
        assert not loads.may_accept(0, 14)
        time.sleep(balance.STALE + 0.1)  # slot 2 stopped publishing: hung or stopped
        assert loads.may_accept(0, 14)
        assert loads.may_accept(balance.CAPACITY, 999)  # a worker without a slot
    finally:
        loads.close()
