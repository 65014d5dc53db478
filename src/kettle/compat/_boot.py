"""Start-up of every Python process: what the ``kettle_compat.pth`` line calls.

Rules: the ``.pth`` line itself only reads the environment, so a process without
``KETTLE_COMPAT`` pays nothing; this module runs only when one of the variables is set.
``KETTLE_COMPAT`` (``1``, ``true``, ``yes``, ``on``) installs the hook before any user code
runs, which covers subprocesses such as ``flask db upgrade``. ``KETTLE_COMPAT_AUDIT`` names
a file to which the process appends, at exit, one JSON line: its pid, its command line and
the real Flask/Werkzeug/Jinja2 modules it loaded (the proof the compat runners read).
"""

from __future__ import annotations

import atexit
import json
import os
import sys

from . import install, real_peer_modules

_TRUE = {"1", "true", "yes", "on"}


def enabled(environ: dict[str, str] | None = None) -> bool:
    """Whether ``KETTLE_COMPAT`` asks for the hook."""
    value = (os.environ if environ is None else environ).get("KETTLE_COMPAT", "")
    return value.strip().lower() in _TRUE


def write_audit(path: str) -> None:
    """Append this process's audit line to ``path``."""
    line = {
        "pid": os.getpid(),
        "argv": list(sys.argv),
        "compat": enabled(),
        "real_modules": real_peer_modules(),
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


_booted: list[bool] = []


def boot() -> None:
    """Install the hook and/or register the exit audit, as the environment asks. Runs once
    per process (a venv's ``lib64`` link can make ``site`` read the ``.pth`` file twice)."""
    if _booted:
        return
    _booted.append(True)
    if enabled():
        install()
    audit = os.environ.get("KETTLE_COMPAT_AUDIT")
    if audit:
        atexit.register(write_audit, audit)
