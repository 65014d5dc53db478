"""One run of wrk (``-t2 -c64 --latency``) and what the benchmarks read from its report."""

from __future__ import annotations

import re
import subprocess

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port: int, path: str, duration: float, pinned: bool) -> tuple[float, float, int, int]:
    """(requests/s, p99 in ms, errors, requests) of one wrk run."""
    command = [
        "wrk",
        "-t2",
        "-c64",
        f"-d{duration:g}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    done = re.search(r"(\d+) requests in", output)
    p99_ms = float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else float("nan")
    return rate, p99_ms, errors, int(done.group(1)) if done else 0
