"""Small helpers Flask apps import from Werkzeug: ``secure_filename`` and host checks.

Rules: pure functions of their arguments, no I/O. ``secure_filename`` returns an ASCII name
made only of letters, digits, ``_``, ``.`` and ``-`` that cannot climb out of a folder; it
may return an empty string, which the caller must handle (Werkzeug's contract).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_WINDOWS_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)


def secure_filename(filename: str) -> str:
    """A safe file name for storing an upload: ``"../../etc/passwd"`` -> ``"etc_passwd"``."""
    text = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    for separator in (os.sep, os.path.altsep, "/", "\\"):
        if separator:
            text = text.replace(separator, " ")
    text = _UNSAFE.sub("", "_".join(text.split())).strip("._")
    if os.name == "nt" and text and text.split(".")[0].upper() in _WINDOWS_DEVICE_NAMES:
        text = f"_{text}"
    return text


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whether ``host`` (port ignored) is listed; ``.example.com`` also admits subdomains."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    for entry in trusted:
        entry = entry.lower()
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == entry.rsplit(":", 1)[0] if not entry.endswith("]") else name == entry:
            return True
    return False
