"""bench/server_cost.py keeps measuring what it says: every piece runs against the current
server and gets a 200 (the tool checks each response before it times anything)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "server_cost.py"
PIECES = [
    "parse",
    "environ",
    "environ_first",
    "start_response",
    "kettle_response",
    "run_hello",
    "loop_hello",
    "loop_kettle",
]


def run_script(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """bench/server_cost.py with ``arguments``, its database under ``tmp_path``."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TFB_DB=str(tmp_path / "tfb.sqlite")),
    )


def test_every_piece_runs_and_is_reported(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--count", "20", "--rounds", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "process time per request, median of 1 rounds of 20, /plaintext"
    assert [line.split()[0] for line in lines[1:]] == PIECES
    for line in lines[1:]:
        assert re.fullmatch(r"\w+ +\d+\.\d\d us", line), line


def test_an_unknown_piece_is_refused(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--pieces", "nope")
    assert done.returncode == 1
    assert "unknown piece 'nope'; known: parse, environ" in done.stderr


def test_loop_kettle_answers_another_path(tmp_path: Path) -> None:
    done = run_script(
        tmp_path, "--pieces", "loop_kettle", "--path", "/json", "--count", "20", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "process time per request, median of 1 rounds of 20, /json"
    assert re.fullmatch(r"loop_kettle +\d+\.\d\d us", lines[1]), lines[1]


def test_a_path_without_a_route_fails_instead_of_measuring_a_404(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--pieces", "loop_kettle", "--path", "/nope")
    assert done.returncode == 1
    assert done.stderr.strip().endswith("unexpected response")


def test_a_malformed_path_is_refused(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--path", "json")
    assert done.returncode == 1
    assert "--path must start with / and hold no spaces: 'json'" in done.stderr


def test_vary_alternates_two_requests(tmp_path: Path) -> None:
    done = run_script(
        tmp_path, "--pieces", "parse,loop_kettle", "--vary", "--count", "20", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "process time per request, median of 1 rounds of 20, /plaintext, varied"
    assert [line.split()[0] for line in lines[1:]] == ["parse", "loop_kettle"]
    # The module itself, in a process of its own (importing it changes sys.path).
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import server_cost as s; "
        "s.REQUESTS[:] = [b'a', b'b']; print([s.next_request() for _ in range(3)])"
    )
    turns = subprocess.run(
        [sys.executable, "-c", probe, str(SCRIPT.parent)], capture_output=True, text=True
    )
    assert turns.stdout == "[b'a', b'b', b'a']\n", turns.stderr
