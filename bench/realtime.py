"""Realtime load: one server process holding N Server-Sent Events streams and N WebSocket
connections on 127.0.0.1, a broadcast to all of them every ``--interval`` seconds, and a
client making ordinary requests beside them.

Reports, per server: p50/p99 delivery latency (publish to receipt) per connection kind, the
share of messages delivered, the ordinary-request p50/p99 (a fresh connection every 20 ms)
and how many of those failed, RSS per 100 idle connections, and the server's CPU.
Targets (issue 15): with 1,000 of each on the server's defaults, p99 delivery < 250 ms,
ordinary requests unaffected.

Servers compared in the same run, each with the same Kettle app:
- ``kettle``: kettle.server with its defaults (``threads=32``, nothing sized for the
  connections): a WebSocket or event stream leaves the request pool when it takes the
  connection over, so the 32 workers stay free for ordinary requests.
- ``gunicorn``: gunicorn's gthread worker (1 worker), where every open connection holds
  one of gunicorn's threads: ``--threads`` is sized for the connections (2N + 64) with
  256 KiB stacks, the recipe of docs/realtime.md.

Modes (``--mode``):
- ``threads`` (default): what the docs teach first. Each event stream is a generator and
  each WebSocket an ``@app.websocket`` handler, blocked in its own broadcast subscription;
  every message wakes every connection's thread.
- ``direct``: ``ChannelStream`` and ``ws.attach``: the publisher's thread writes each
  message, encoded once, to every socket; no thread is woken per message.

The load client is a single selector thread in this process, so its own parsing delay is
included in the latency (the numbers are conservative).

    python bench/realtime.py [--connections 1000] [--seconds 10] [--rounds 3]
                             [--interval 1.0] [--servers kettle,gunicorn]
                             [--mode threads|direct]

Each round starts a fresh server, opens the connections, waits, takes one warm-up second
of broadcasts, then measures; rounds alternate between servers and medians are reported.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from proc_cpu import process_cpu  # bench/, this script's folder

ROOT = Path(__file__).resolve().parent.parent
STACK = 256 * 1024

APP = textwrap.dedent(
    """
    import threading, time
    from kettle import Kettle
    from kettle.realtime.broadcast import MemoryBroadcast
    from kettle.realtime.sse import ChannelStream, EventStream

    MODE = "{mode}"
    INTERVAL = {interval}
    hub = MemoryBroadcast()
    started = threading.Event()
    app = Kettle(__name__)

    def publisher():
        started.wait()
        tick = time.monotonic()
        while True:
            hub.publish("bench", f"{{time.time():.6f}}")
            tick += INTERVAL
            time.sleep(max(0.0, tick - time.monotonic()))

    threading.Thread(target=publisher, daemon=True).start()

    @app.get("/events")
    def events():
        if MODE == "direct":
            return ChannelStream("bench", broadcast=hub)

        def messages():
            with hub.subscribe("bench") as subscription:
                yield from subscription

        return EventStream(messages())

    @app.websocket("/ws")
    def forward(ws):
        if MODE == "direct":
            ws.attach("bench", broadcast=hub)
            ws.wait_closed()
            return
        with hub.subscribe("bench") as subscription:
            for message in subscription:
                ws.send(message)

    @app.get("/start")
    def start():
        started.set()
        return "started"

    @app.get("/")
    def index():
        return "ok"
    """
)

KETTLE_MAIN = """
import signal
import benchapp
from kettle.server import Server
Server(benchapp.app, "127.0.0.1", {port}, backlog=4096).start()  # default threads
print("ready", flush=True)
signal.pause()
"""

GUNICORN_CONF = """
import threading
threading.stack_size({stack})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    kind: str, connections: int, workdir: Path, mode: str, interval: float
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    (workdir / "benchapp.py").write_text(APP.format(mode=mode, interval=interval))
    env = {**os.environ, "PYTHONPATH": f"{workdir}:{ROOT / 'src'}"}
    if kind == "kettle":
        command = [sys.executable, "-c", KETTLE_MAIN.format(port=port)]
    else:
        threads = 2 * connections + 64  # gunicorn's pool must hold every connection
        (workdir / "gconf.py").write_text(GUNICORN_CONF.format(stack=STACK))
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(workdir / "gconf.py"),
            "--worker-class=gthread",
            f"--threads={threads}",
            "--workers=1",
            "--backlog=4096",
            f"--bind=127.0.0.1:{port}",
            "--log-level=error",
            "--graceful-timeout=5",
            f"--worker-connections={2 * threads}",
            "benchapp:app",
        ]
    process = subprocess.Popen(command, env=env, cwd=workdir, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"{kind} did not start") from None
            time.sleep(0.1)
    return process, port


def worker_pid(process: subprocess.Popen[bytes], kind: str) -> int:
    """The process that serves connections (gunicorn's worker, not its arbiter)."""
    if kind == "kettle":
        return process.pid
    deadline = time.monotonic() + 10
    while True:
        path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        children = path.read_text().split()
        if children:
            return int(children[0])
        if time.monotonic() > deadline:
            raise SystemExit("gunicorn started no worker")
        time.sleep(0.1)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Client:
    """One load-client connection: parses SSE events or server WebSocket frames."""

    def __init__(self, kind: str, port: int) -> None:
        self.kind = kind
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if kind == "sse":
            request = "GET /events HTTP/1.1\r\nHost: bench\r\n\r\n"
        else:
            key = base64.b64encode(os.urandom(16)).decode()
            request = (
                "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            )
        self.sock.sendall(request.encode())
        self.sock.setblocking(False)
        self.buffer = b""
        self.ready = False

    def feed(self, data: bytes, now: float, latencies: list[float]) -> None:
        self.buffer += data
        if not self.ready:
            _, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            self.ready = True
            self.buffer = rest
        if self.kind == "sse":
            *events, self.buffer = self.buffer.split(b"\n\n")
            for event in events:
                if event.startswith(b"data: "):
                    latencies.append(now - float(event[6:]))
            return
        while len(self.buffer) >= 2:
            length = self.buffer[1] & 0x7F
            if length >= 126 or len(self.buffer) < 2 + length:
                break  # bench messages are short; longer frames are not expected
            payload, self.buffer = self.buffer[2 : 2 + length], self.buffer[2 + length :]
            if payload[:1].isdigit():
                latencies.append(now - float(payload))


def pump(selector: selectors.BaseSelector, seconds: float, latencies: list[float]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, _ in selector.select(0.05):
            client: Client = key.data
            try:
                data = client.sock.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                selector.unregister(client.sock)
                continue
            client.feed(data, time.time(), latencies)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def open_clients(port: int, connections: int) -> tuple[selectors.BaseSelector, list[Client]]:
    """Open ``connections`` event streams and as many WebSockets; wait until all are up."""
    selector = selectors.DefaultSelector()
    clients = []
    for index in range(2 * connections):
        client = Client("sse" if index % 2 == 0 else "ws", port)
        selector.register(client.sock, selectors.EVENT_READ, client)
        clients.append(client)
        if index % 100 == 99:
            pump(selector, 0.01, [])
    deadline = time.monotonic() + 60
    while not all(c.ready for c in clients) and time.monotonic() < deadline:
        pump(selector, 0.1, [])
    return selector, clients


class Requester(threading.Thread):
    """Ordinary requests beside the connections: ``GET /`` on a fresh connection every
    20 ms; records each latency, and a failure for anything but a 200 within 5 s."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures = 0

    def run(self) -> None:
        while not self.stop.wait(0.02):
            started = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                    data = b""
                    while piece := sock.recv(65536):
                        data += piece
            except OSError:
                self.failures += 1
                continue
            if data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"ok"):
                self.latencies.append(time.perf_counter() - started)
            else:
                self.failures += 1


def measure(selector: selectors.BaseSelector, seconds: float) -> dict[str, list[float]]:
    """Delivery latencies per connection kind for ``seconds``."""
    latencies: dict[str, list[float]] = {"sse": [], "ws": []}
    batch: list[float] = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        for key, _ in selector.select(0.05):
            client = key.data
            try:
                data = client.sock.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                selector.unregister(client.sock)
                continue
            batch.clear()
            client.feed(data, time.time(), batch)
            latencies[client.kind].extend(batch)
    return latencies


def run(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    connections = args.connections
    process, port = start_server(kind, connections, workdir, args.mode, args.interval)
    try:
        pid = worker_pid(process, kind)
        time.sleep(1.0)
        base_rss = rss_bytes(pid)
        selector, clients = open_clients(port, connections)
        ready = sum(c.ready for c in clients)
        time.sleep(1.0)
        per_100 = (rss_bytes(pid) - base_rss) / max(1, ready) * 100 / (1 << 20)
        threads = len(os.listdir(f"/proc/{pid}/task"))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /start HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            sock.recv(1024)
        pump(selector, 1.0, [])  # warm-up second, not measured
        requester = Requester(port)
        requester.start()
        cpu_before, wall_before = process_cpu(pid), time.monotonic()
        latencies = measure(selector, args.seconds)
        cpu = (process_cpu(pid) - cpu_before) / (time.monotonic() - wall_before) * 100
        requester.stop.set()
        requester.join(10)
        for client in clients:
            client.sock.close()
        expected = connections * round(args.seconds / args.interval)
        result = {
            "ready": float(ready),
            "server_threads": float(threads),
            "rss_per_100_idle_mib": per_100,
            "cpu_percent": cpu,
        }
        for name, values in latencies.items():
            result[f"{name}_p50_ms"] = statistics.median(values or [0.0]) * 1000
            result[f"{name}_p99_ms"] = percentile(values or [0.0], 0.99) * 1000
            result[f"{name}_delivered"] = len(values) / expected * 100
        ordinary = requester.latencies or [0.0]
        result["get_p50_ms"] = statistics.median(ordinary) * 1000
        result["get_p99_ms"] = percentile(ordinary, 0.99) * 1000
        result["get_failed"] = float(requester.failures)
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def report(results: dict[str, dict[str, float]], rounds: int) -> None:
    print(f"\nmedians of {rounds} interleaved rounds:")
    header = f"{'server':10} {'ready':>6} {'threads':>7} {'MiB/100 idle':>12} {'CPU %':>6}"
    header += f" {'SSE p50':>8} {'SSE p99':>8} {'WS p50':>8} {'WS p99':>8} {'delivered':>10}"
    header += f" {'GET p50':>8} {'GET p99':>8} {'GET fail':>8}"
    print(header)
    for kind, r in results.items():
        delivered = f"{r['sse_delivered']:.0f}%/{r['ws_delivered']:.0f}%"
        print(
            f"{kind:10} {r['ready']:6.0f} {r['server_threads']:7.0f}"
            f" {r['rss_per_100_idle_mib']:12.2f} {r['cpu_percent']:6.0f}"
            f" {r['sse_p50_ms']:7.1f}ms {r['sse_p99_ms']:7.1f}ms {r['ws_p50_ms']:7.1f}ms"
            f" {r['ws_p99_ms']:7.1f}ms {delivered:>10}"
            f" {r['get_p50_ms']:7.1f}ms {r['get_p99_ms']:7.1f}ms {r['get_failed']:8.0f}"
        )
    if "kettle" in results and "gunicorn" in results:
        k, g = results["kettle"], results["gunicorn"]
        print(
            f"\nkettle/gunicorn ratios: p99 SSE {k['sse_p99_ms'] / g['sse_p99_ms']:.2f}, "
            f"p99 WS {k['ws_p99_ms'] / g['ws_p99_ms']:.2f}, "
            f"RSS {k['rss_per_100_idle_mib'] / g['rss_per_100_idle_mib']:.2f}, "
            f"CPU {k['cpu_percent'] / g['cpu_percent']:.2f}"
        )
    print("targets: p99 delivery < 250 ms; ordinary requests all answered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000, help="of each kind")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=1.0, help="between broadcasts")
    parser.add_argument("--servers", default="kettle,gunicorn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--mode",
        choices=["threads", "direct"],
        default="threads",
        help="threads: a generator / handler thread per connection woken per message; "
        "direct: ChannelStream / WebSocket.attach (publisher writes to sockets)",
    )
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"kettle-bench-rt-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    rounds: dict[str, list[dict[str, float]]] = {k: [] for k in args.servers.split(",")}
    for number in range(args.rounds):  # interleaved: kettle, gunicorn, kettle, gunicorn...
        for kind, runs in rounds.items():
            print(f"round {number + 1}: {kind}, {args.connections} SSE + WebSocket each ...")
            runs.append(run(kind, args, workdir))
            print("  ", {name: round(value, 2) for name, value in runs[-1].items()}, flush=True)
    results = {
        kind: {name: statistics.median(r[name] for r in runs) for name in runs[0]}
        for kind, runs in rounds.items()
    }
    report(results, args.rounds)


if __name__ == "__main__":
    main()
