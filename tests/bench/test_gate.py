"""bench/gate.py and its app, bench/gate_app.py: the routes and the report's table."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))  # gate.py imports its neighbour wrk.py
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


gate = _load("gate")
gate_app = _load("gate_app")


def call(path: str) -> tuple[str, Any]:
    seen: list[str] = []
    body = b"".join(gate_app.app({"PATH_INFO": path}, lambda status, headers: seen.append(status)))
    return seen[0], json.loads(body) if body else None


def test_every_route_answers() -> None:
    for path in gate.ROUTES:
        status, payload = call(path)
        assert status == "200 OK"
        assert payload["path"] == path
    assert call("/nothing") == ("404 Not Found", None)


def test_table() -> None:
    samples = {
        ("gated", "/wait5"): [(6000.0, 15.0), (5800.0, 16.0), (6100.0, 14.0)],
        ("open", "/wait5"): [(5000.0, 14.0), (6000.0, 13.0), (5500.0, 12.5)],
    }
    assert gate.table(samples, ["/wait5"]) == (
        "| route | gated req/s | p99 | open req/s | p99 | gated / open |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |\n"
        "| `/wait5` | 6,000 | 15.0 ms | 5,500 | 13.0 ms | 1.09x |"
    )
