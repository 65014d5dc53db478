"""pytest plugin loaded by compat/extensions/run into each extension's own test run.

It changes nothing about how the suite runs: it records each test's outcome (and the first
line of each failure) into the JSON file named by KETTLE_EXT_RESULTS, and deselects the
tests that request the fixture named by KETTLE_EXT_DESELECT_FIXTURE (Flask-Limiter's
``docker_services``: those tests start docker containers), reporting them as deselected.
Whether flask resolves to Kettle is decided by the environment (KETTLE_COMPAT), not here.
"""

from __future__ import annotations

import json
import os
from typing import Any

_results: dict[str, str] = {}
_messages: dict[str, str] = {}
_deselected: list[str] = []


def _first_line(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = text.strip().splitlines()
    return lines[0][:160] if lines else ""


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    fixture = os.environ.get("KETTLE_EXT_DESELECT_FIXTURE")
    if not fixture:
        return
    keep = [item for item in items if fixture not in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if fixture in getattr(item, "fixturenames", ())]
    if dropped:
        _deselected.extend(item.nodeid for item in dropped)
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_runtest_logreport(report: Any) -> None:
    if report.failed:
        _results[report.nodeid] = "failed"
        _messages.setdefault(report.nodeid, f"{report.when}: {_first_line(report)}")
    elif report.skipped and report.nodeid not in _results:
        _results[report.nodeid] = "skipped"
    elif report.when == "call" and report.passed and report.nodeid not in _results:
        _results[report.nodeid] = "passed"


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _results[report.nodeid] = "failed"
        text = str(report.longrepr).strip().splitlines()
        _messages[report.nodeid] = "collection error: " + (text[-1][:160] if text else "")


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get("KETTLE_EXT_RESULTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            data = {"results": _results, "messages": _messages, "deselected": _deselected}
            json.dump(data, out)
