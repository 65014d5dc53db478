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
    """Whether ``host`` is listed; ports are ignored on both sides (as in Werkzeug), and
    ``.example.com`` also admits subdomains."""
    name = _host_name(host)
    for entry in trusted:
        suffix = entry.startswith(".")
        entry = _host_name(entry[1:] if suffix else entry)
        if name == entry or (suffix and name.endswith("." + entry)):
            return True
    return False


def _host_name(host: str) -> str:
    """``host`` without its port and IPv6 brackets, lowercased."""
    if host.startswith("["):
        return host[1 : host.find("]")].lower() if "]" in host else host.lower()
    return host.partition(":")[0].lower()
