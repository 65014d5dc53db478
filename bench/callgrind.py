"""Instructions per call of a piece of code, counted by valgrind's callgrind.

Shared by the ``--instructions`` modes of ``request_cost.py`` and ``server_cost.py``: the
script reruns itself under callgrind with ``count`` and ``3 * count`` calls after the same
warm-up, and the difference of the two totals, divided, is the cost of one call with the
start-up and warm-up taken out. Deterministic, so it is the figure to compare when the
machine is busy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def instructions_per_call(script: str, arguments: list[str], count: int) -> int:
    """Run ``script arguments --count N`` under callgrind for N = count and 3 * count."""
    totals = []
    with tempfile.TemporaryDirectory() as scratch:
        for calls in (count, 3 * count):
            out = os.path.join(scratch, f"callgrind.{calls}.out")
            command = [
                "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                sys.executable, script, *arguments, "--count", str(calls),
            ]  # fmt: skip
            # A fixed hash seed: dict and set layouts (and so their probe counts) are the
            # same in both runs and from one invocation to the next.
            env = dict(os.environ, PYTHONHASHSEED="0")
            subprocess.run(command, check=True, capture_output=True, env=env)
            match = re.search(r"^totals: (\d+)", Path(out).read_text(), re.M)
            if match is None:
                raise SystemExit(f"no totals in {out}")
            totals.append(int(match.group(1)))
    return (totals[1] - totals[0]) // (2 * count)
