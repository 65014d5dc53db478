"""How many realtime connections (WebSockets and event streams) this process holds open,
and the limit past which new ones are refused.

Rules:
- A connection takes its slot *before* the server hands the socket over, so a refusal is
  still an ordinary HTTP response: ``503 Service Unavailable`` with ``Retry-After``. It
  gives the slot back when its socket is released (``transport.Connection.abort``).
- The limit is, first found: :func:`set_max_connections`, the ``KETTLE_MAX_CONNECTIONS``
  environment variable, or :data:`DEFAULT_MAX_CONNECTIONS` lowered to what the process's
  descriptor limit (``RLIMIT_NOFILE``, read at each check) leaves after
  :data:`FD_RESERVE` descriptors for listeners, ordinary requests and files.
- A refusal is logged as a warning on ``kettle.realtime``: the first at once, then at most
  one line per :data:`LOG_INTERVAL` seconds saying how many were refused meanwhile.
- The count is per process: each worker of ``kettle serve --workers N`` (or of gunicorn)
  has its own, and a forked child starts from zero.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from typing import Any

log = logging.getLogger("kettle.realtime")

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "CapacityError",
    "max_connections",
    "open_connections",
    "set_max_connections",
]

# Measured (docs/realtime.md): a blocking handler costs its thread (about 60 KiB resident,
# 8 MiB of address space) plus the socket; 10,000 of them fit in well under 1 GiB.
DEFAULT_MAX_CONNECTIONS = 10_000
FD_RESERVE = 256
RETRY_AFTER = 5
LOG_INTERVAL = 10.0
ENV_VAR = "KETTLE_MAX_CONNECTIONS"


class CapacityError(Exception):
    """The process already holds as many realtime connections as it may."""

    status = 503

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reason = (
            f"this server holds its limit of {limit} open WebSocket/event-stream connections;"
            f" retry in {RETRY_AFTER} s"
        )
        super().__init__(self.reason)
        self.headers = [("Retry-After", str(RETRY_AFTER))]


class _Budget:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.configured: int | None = None
        self.refused = 0
        self.last_log = -LOG_INTERVAL


_budget = _Budget()


def _after_fork() -> None:
    global _budget
    _budget = _Budget()


os.register_at_fork(after_in_child=_after_fork)


def _from_environment() -> int | None:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValueError(f"{ENV_VAR} must be a positive integer, not {value!r}")
    return limit


def max_connections() -> int:
    """The limit in force now (see the module's rules for where it comes from)."""
    configured = _budget.configured
    if configured is not None:
        return configured
    from_env = _from_environment()
    if from_env is not None:
        return from_env
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return DEFAULT_MAX_CONNECTIONS
    return max(1, min(DEFAULT_MAX_CONNECTIONS, soft - FD_RESERVE))


def set_max_connections(limit: int | None) -> None:
    """Set this process's limit of open realtime connections; ``None`` restores the
    default (``KETTLE_MAX_CONNECTIONS`` or the sized default). Connections already open
    stay open when the limit is lowered below their number."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"max_connections must be a positive integer or None, not {limit!r}")
    _budget.configured = limit


def open_connections() -> int:
    """How many realtime connections this process holds open now."""
    return _budget.open


def reserve() -> None:
    """Take a slot for a new connection, or raise :class:`CapacityError` (and log)."""
    limit = max_connections()
    budget = _budget
    with budget.lock:
        if budget.open < limit:
            budget.open += 1
            return
        budget.refused += 1
        held = budget.open
        now = time.monotonic()
        due = now - budget.last_log >= LOG_INTERVAL
        if due:
            refused, budget.refused, budget.last_log = budget.refused, 0, now
    if due:
        log.warning(
            "realtime connection limit reached: %d open (max_connections=%d); refused %d new"
            " WebSocket/event-stream connection(s) with 503 since the last report",
            held,
            limit,
            refused,
        )
    raise CapacityError(limit)


def release() -> None:
    """Give back a slot taken by :func:`reserve`."""
    budget = _budget
    with budget.lock:
        if budget.open > 0:
            budget.open -= 1


def refuse(error: CapacityError, start_response: Any) -> list[bytes]:
    """Answer a WSGI request with the 503 for ``error``."""
    body = (error.reason + "\n").encode("utf-8")
    start_response(
        "503 Service Unavailable",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *error.headers,
        ],
    )
    return [body]
