"""A ``kettle serve --workers N`` master in a subprocess, for the worker tests.

``Master`` starts the command in a temporary app folder, reads its banner for the port,
collects its log (stderr) on a thread, and offers ``wait_log`` (a regex over the log that
must appear within a timeout), ``get`` (one request on a fresh connection, with a
timeout) and ``workers()`` (the live worker pids, read from /proc). Every wait is bounded,
so a hang fails the test.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0


class Master:
    def __init__(self, folder: Path, *args: str, command: list[str] | None = None) -> None:
        """Run ``kettle serve ARGS`` (or ``command``) in ``folder``, in its own session
        (so a test can signal its whole process group, as Ctrl+C does)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("KETTLE_BROADCAST_URL", None)
        if command is None:
            command = [sys.executable, "-c", "from kettle.web.cli import main; main()",
                       "serve", *args, "--port", "0", "--threads", "4"]  # fmt: skip
            if "--access-log" not in args:
                command.append("--no-access-log")
        self.process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        match = re.match(r" \* kettle serving on http://127\.0\.0\.1:(\d+) ", banner)
        assert match, f"no banner: {banner!r}; log: {self.log}"
        self.port = int(match.group(1))

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_log(
        self, pattern: str, count: int = 1, timeout: float = TIMEOUT
    ) -> list[re.Match[str]]:
        """The first ``count`` matches of ``pattern`` in the log, waiting for them."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in map(regex.search, self.lines) if m]
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{pattern!r} x{count} not logged; log:\n{self.log}"
                self._changed.wait(remaining)

    def wait_ready(self, count: int) -> list[int]:
        """Pids of the first ``count`` workers that said ready."""
        found = self.wait_log(r"worker \d+ \(pid (\d+)\) is ready", count)
        return [int(m.group(1)) for m in found]

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def workers(self) -> set[int]:
        """Live (not zombie) child processes of the master."""
        pids = set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            if int(fields[1]) == self.pid and fields[0] != "Z":
                pids.add(int(entry))
        return pids

    def wait_workers(self, count: int, timeout: float = TIMEOUT) -> set[int]:
        deadline = time.monotonic() + timeout
        while len(pids := self.workers()) != count:
            assert time.monotonic() < deadline, f"{pids} are not {count} workers:\n{self.log}"
            time.sleep(0.05)
        return pids

    def get(self, target: str = "/") -> tuple[int, str]:
        """Status and body of one request on a fresh connection."""
        return get(self.port, target)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(TIMEOUT + 5)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(TIMEOUT)
            try:  # no worker outlives a test, whatever happened to its master
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reader.join(TIMEOUT)
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


def get(port: int, target: str = "/") -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        return 0, ""
    return int(head.split(b" ", 2)[1]), body.decode()
