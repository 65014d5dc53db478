"""Soak test: a Kettle app on kettle.server under saturating mixed traffic for a long time.

What runs (all on 127.0.0.1):
- the server, in its own process: a Kettle app with five routes (hello, a template page,
  a JSON POST echo, a multipart upload, an SSE stream) plus /slow for the shutdown check;
- wrk (``-c CONNS``) rotating hello / template page / JSON POST / form upload, its Lua
  script checking every response: status 200 and a body equal to the one expected;
- SSE clients (Python threads) that read numbered events, check that none is missing or
  garbled, and reconnect every few seconds (connection churn).

Reported: requests completed and requests/s, wrk errors (socket errors, non-2xx, wrong
bodies), SSE events and errors, the server's own count of requests handled, and the
server's RSS and open file descriptors sampled every second (growth after warm-up).

At the end, with wrk still running, clients start requests to /slow (1 s each) and the
server gets SIGTERM while they are in flight: every one of them must complete with 200,
and the server must exit with status 0 within its grace period.

Run: .venv/bin/python bench/soak.py [--duration SECONDS] [--conns N] [--threads N]
(default 600 s; ``make soak``). Exit status 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

JSON_BODY = '{"items": [1, 2, 3], "name": "soak"}'
BOUNDARY = "SoakBoundary7"
UPLOAD_BODY = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nreport\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
    "Content-Type: application/octet-stream\r\n\r\n" + "x" * 20000 + f"\r\n--{BOUNDARY}--\r\n"
)
PAGE_ITEMS = 20
SSE_EVENTS_PER_CONNECTION = 30
PAGE = (
    "<!doctype html><title>{{ title }}</title><ul>{% for item in items %}"
    "<li class=\"{{ loop.cycle('odd', 'even') }}\">"
    "{{ item.name|title }}: {{ item.value }}</li>"
    "{% endfor %}</ul><p>{{ note }}</p>"
)
PAGE_ROWS = [{"name": f"item {i}", "value": i * i} for i in range(PAGE_ITEMS)]


# -- the server process ---------------------------------------------------------------


def build_app() -> Any:
    from kettle.realtime.scope import sleep as stream_sleep
    from kettle.realtime.sse import EventStream
    from kettle.web.app import Kettle
    from kettle.web.globals import request
    from kettle.web.json import jsonify
    from kettle.web.templating import render_template

    # The page is a file template, as an app's pages are: compiled once and cached, not
    # parsed again on every request (render_template_string would churn the allocator).
    template_folder = tempfile.mkdtemp(prefix="kettle-soak-templates-")
    Path(template_folder, "page.html").write_text(PAGE, encoding="utf-8")
    atexit.register(shutil.rmtree, template_folder, True)
    app = Kettle("soak", template_folder=template_folder)
    counter = {"n": 0}
    lock = threading.Lock()

    @app.after_request
    def count(response: Any) -> Any:
        with lock:
            counter["n"] += 1
        return response

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/page")
    def page_view() -> str:
        return render_template("page.html", title="Soak", items=PAGE_ROWS, note="<ok & fine>")

    @app.post("/json")
    def json_echo() -> Any:
        data = request.get_json()
        return jsonify(total=sum(data["items"]), name=data["name"])

    @app.post("/upload")
    def upload() -> str:
        file = request.files["file"]
        return f"{request.form['title']}:{file.filename}:{len(file.read())}"

    @app.get("/events")
    def events() -> Any:
        def stream(last_id: str | None) -> Any:
            for number in range(SSE_EVENTS_PER_CONNECTION):
                yield f"event {number}"
                stream_sleep(0.05)

        return EventStream(stream)

    @app.get("/slow")
    def slow() -> str:
        time.sleep(1.0)
        return "slow done"

    @app.get("/stats")
    def stats() -> Any:
        return jsonify(requests=counter["n"])

    return app


def serve(port: int, threads: int) -> None:
    from kettle.server import serve as run_server

    run_server(build_app(), "127.0.0.1", port, threads=threads, grace=15.0)


# -- expected bodies, checked by wrk's Lua script -------------------------------------------


def expected_bodies() -> list[str]:
    app = build_app()
    client = app.test_client()
    bodies = [
        client.get("/hello").get_data(as_text=True),
        client.get("/page").get_data(as_text=True),
        client.post("/json", data=JSON_BODY, content_type="application/json").get_data(
            as_text=True
        ),
        client.post(
            "/upload", data=UPLOAD_BODY, content_type=f"multipart/form-data; boundary={BOUNDARY}"
        ).get_data(as_text=True),
    ]
    if bodies[0] != "Hello, World!" or bodies[3] != "report:a.bin:20000":
        raise SystemExit(f"unexpected bodies from the app: {bodies!r}")
    return bodies


def lua_string(text: str) -> str:
    return (
        '"'
        + "".join(c if c.isalnum() or c in " <>/=:;,.!-_'" else f"\\{ord(c):03d}" for c in text)
        + '"'
    )


def write_lua(bodies: list[str]) -> str:
    requests = [
        'wrk.format("GET", "/hello")',
        'wrk.format("GET", "/page")',
        'wrk.format("POST", "/json", {["Content-Type"] = "application/json"}, '
        f"{lua_string(JSON_BODY)})",
        'wrk.format("POST", "/upload", {["Content-Type"] = '
        f'"multipart/form-data; boundary={BOUNDARY}"}}, {lua_string(UPLOAD_BODY)})',
    ]
    script = f"""
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args)
  reqs = {{ {", ".join(requests)} }}
  expected = {{}}
  for _, body in ipairs({{ {", ".join(lua_string(b) for b in bodies)} }}) do
    expected[body] = true
  end
  n = 0
  bad = 0
  ok = 0
end
function request()
  n = n + 1
  return reqs[(n % 4) + 1]
end
function response(status, headers, body)
  if status == 200 and expected[body] then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
  end
  io.write(string.format("CHECKED ok=%d bad=%d\\n", total_ok, total_bad))
end
"""
    handle, path = tempfile.mkstemp(suffix=".lua", prefix="kettle-soak-")
    with os.fdopen(handle, "w") as file:
        file.write(script)
    return path


# -- SSE clients ------------------------------------------------------------------------


class SSEClients:
    """Threads that read whole event streams and check every event arrives, in order."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.stop = threading.Event()
        self.events = 0
        self.streams = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                got = self._one_stream()
            except OSError as exc:
                got = -1
                error = f"{type(exc).__name__}: {exc}"
            else:
                error = "" if got == SSE_EVENTS_PER_CONNECTION else f"stream ended after {got}"
            with self.lock:
                if error and not self.stop.is_set():
                    self.errors.append(error)
                else:
                    self.streams += 1
                    self.events += max(got, 0)

    def _one_stream(self) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(
                b"GET /events HTTP/1.1\r\nHost: soak\r\nAccept: text/event-stream\r\n\r\n"
            )
            data = b""
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 "):
            raise OSError(f"bad stream head {head[:60]!r}")
        numbers = [int(m) for m in re.findall(rb"data: event (\d+)\n\n", body)]
        if numbers != list(range(len(numbers))):
            raise OSError(f"events out of order or missing: {numbers[:10]}...")
        return len(numbers)


# -- sampling the server process ----------------------------------------------------------


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stop.wait(1.0):
            try:
                self.samples.append(
                    (time.monotonic() - started, rss_kib(self.pid), open_fds(self.pid))
                )
            except OSError:
                return


# -- the graceful shutdown check -------------------------------------------------------------


def slow_request(port: int, sent: threading.Event, results: list[str]) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: soak\r\n\r\n")
            sent.set()
            data = b""
            while b"slow done" not in data:
                piece = sock.recv(65536)
                if not piece:
                    break
                data += piece
        results.append(
            "ok"
            if data.startswith(b"HTTP/1.1 200 ") and b"slow done" in data
            else f"bad {data[:60]!r}"
        )
    except OSError as exc:
        results.append(f"{type(exc).__name__}: {exc}")


# -- driving it ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start listening")


def run_wrk(port: int, seconds: float, conns: int, script: str) -> dict[str, Any]:
    command = ["wrk", "-t", "2", "-c", str(conns), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "--latency", "-s", script,
               f"http://127.0.0.1:{port}"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    result: dict[str, Any] = {"raw": out}
    match = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)", out)
    result["requests"] = int(match.group(1)) if match else 0
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["rps"] = float(match.group(1)) if match else 0.0
    match = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(map(int, match.groups())) if match else 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"CHECKED ok=(\d+) bad=(\d+)", out)
    result["checked_ok"], result["checked_bad"] = (
        (int(match[1]), int(match[2])) if match else (0, -1)
    )
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if match:
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        result["p99_ms"] = float(match.group(1)) * scale
    return result


def server_count(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /stats HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
        data = b""
        while piece := sock.recv(65536):
            data += piece
    return int(json.loads(data.partition(b"\r\n\r\n")[2])["requests"])


def shutdown_under_load(
    proc: subprocess.Popen[bytes], port: int, conns: int, script: str
) -> dict[str, Any]:
    """Load plus in-flight /slow requests, then SIGTERM: all in flight must finish."""
    load = threading.Thread(target=run_wrk, args=(port, 6, conns, script), daemon=True)
    load.start()
    time.sleep(1.0)
    results: list[str] = []
    senders = []
    for _ in range(6):
        sent = threading.Event()
        thread = threading.Thread(target=slow_request, args=(port, sent, results), daemon=True)
        thread.start()
        senders.append((thread, sent))
    for _, sent in senders:
        sent.wait(10)
    time.sleep(0.2)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    for thread, _ in senders:
        thread.join(20)
    code = proc.wait(30)
    exited = time.monotonic() - signalled
    load.join(30)
    return {"in_flight": len(senders), "completed": results.count("ok"), "results": results,
            "exit_code": code, "exit_seconds": exited}  # fmt: skip


def growth(samples: list[tuple[float, int, int]], warmup: float) -> dict[str, Any]:
    after = [s for s in samples if s[0] >= warmup] or samples
    if not after:
        return {}
    first, last = after[0], after[-1]
    rss = [s[1] for s in after]
    fds = [s[2] for s in after]
    return {
        "from_s": round(first[0]), "to_s": round(last[0]),
        "rss_start_mib": first[1] / 1024, "rss_end_mib": last[1] / 1024,
        "rss_max_mib": max(rss) / 1024, "rss_growth_mib": (last[1] - first[1]) / 1024,
        "rss_median_mib": statistics.median(rss) / 1024,
        "fds_start": first[2], "fds_end": last[2], "fds_max": max(fds),
        # RSS at ten evenly spaced points after warm-up, to see whether it levels off.
        "rss_series_mib": [round(after[i * (len(after) - 1) // 9][1] / 1024, 1)
                           for i in range(10)],
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--conns", type=int, default=32)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--sse", type=int, default=8)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--serve", nargs=2, type=int, metavar=("PORT", "THREADS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return 0
    script = write_lua(expected_bodies())
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(args.threads)])
    try:
        wait_listening(port, proc)
        warmup = min(60.0, max(10.0, args.duration * 0.1))
        sampler = Sampler(proc.pid)
        sampler.start()
        sse = SSEClients(port, args.sse)
        sse.start()
        started = time.monotonic()
        load = run_wrk(port, args.duration, args.conns, script)
        sse.join()
        handled = server_count(port) - 1  # minus this /stats request
        sampler.stop.set()
        sampler.join()
        elapsed = time.monotonic() - started
        shutdown = shutdown_under_load(proc, port, args.conns, script)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.unlink(script)
    report = {
        "duration_s": round(elapsed, 1), "conns": args.conns, "server_threads": args.threads,
        "wrk_requests": load["requests"], "wrk_rps": load["rps"], "p99_ms": load.get("p99_ms"),
        "wrk_socket_errors": load["socket_errors"], "wrk_non_2xx": load["non_2xx"],
        "checked_ok": load["checked_ok"], "checked_bad": load["checked_bad"],
        "sse_clients": args.sse, "sse_streams": sse.streams, "sse_events": sse.events,
        "sse_errors": sse.errors[:5],
        "server_handled": handled,
        "unanswered": handled - load["checked_ok"] - sse.streams,
        "memory": growth(sampler.samples, warmup),
        "shutdown": shutdown,
    }  # fmt: skip
    failures = check(report, args.conns + args.sse)
    report["failures"] = failures
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 1 if failures else 0


def check(report: dict[str, Any], in_flight_max: int) -> list[str]:
    failures = []
    if report["wrk_socket_errors"] or report["wrk_non_2xx"] or report["checked_bad"]:
        failures.append("wrk saw errors or wrong bodies")
    if report["checked_ok"] != report["wrk_requests"]:
        failures.append("wrk's request count differs from the checked responses")
    if report["sse_errors"]:
        failures.append("SSE streams lost or garbled events")
    if not 0 <= report["unanswered"] <= in_flight_max:
        failures.append("server-side count does not match the responses received")
    shutdown = report["shutdown"]
    if shutdown["completed"] != shutdown["in_flight"] or shutdown["exit_code"] != 0:
        failures.append("graceful shutdown did not finish every in-flight request")
    return failures


def print_report(report: dict[str, Any]) -> None:
    memory = report["memory"]
    shutdown = report["shutdown"]
    print(
        f"soak: {report['duration_s']} s, {report['conns']} wrk connections + "
        f"{report['sse_clients']} SSE clients, server threads {report['server_threads']}"
    )
    print(
        f"  mixed requests (hello/page/json/upload): {report['wrk_requests']} "
        f"({report['wrk_rps']:.0f}/s, p99 {report['p99_ms']} ms), "
        f"checked ok {report['checked_ok']}, "
        f"wrong {report['checked_bad']}, non-2xx {report['wrk_non_2xx']}, "
        f"socket errors {report['wrk_socket_errors']}"
    )
    print(
        f"  SSE: {report['sse_streams']} streams, {report['sse_events']} events, "
        f"errors {len(report['sse_errors'])} {report['sse_errors']}"
    )
    print(
        f"  server handled {report['server_handled']}; in flight at the end (not lost): "
        f"{report['unanswered']}"
    )
    if memory:
        print(
            f"  after warm-up ({memory['from_s']}-{memory['to_s']} s): RSS "
            f"{memory['rss_start_mib']:.1f} -> {memory['rss_end_mib']:.1f} MiB "
            f"(growth {memory['rss_growth_mib']:+.1f}, max {memory['rss_max_mib']:.1f}); "
            f"fds {memory['fds_start']} -> {memory['fds_end']} (max {memory['fds_max']})"
        )
        print(f"  RSS series after warm-up (MiB): {memory['rss_series_mib']}")
    print(
        f"  SIGTERM under load: {shutdown['completed']}/{shutdown['in_flight']} in-flight "
        f"requests completed, exit code {shutdown['exit_code']} after "
        f"{shutdown['exit_seconds']:.2f} s"
    )
    print(
        "  RESULT: "
        + ("PASS" if not report["failures"] else "FAIL: " + "; ".join(report["failures"]))
    )


if __name__ == "__main__":
    sys.exit(main())
