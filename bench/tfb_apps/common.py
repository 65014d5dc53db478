"""What every TechEmpower-style app of bench/tfb.py shares: the SQLite database and the
rules a response must satisfy.

The database is a file holding TechEmpower's two tables: ``world`` (10,000 rows of ``id``
and ``randomNumber`` in 1..10000) and ``fortune`` (the 12 fortunes of the specification,
including the one with a ``<script>`` tag and the one in Japanese). Each app opens one
connection per thread (``connection()``) with ``check_same_thread=False`` left at its default:
a thread never shares its connection. The path comes from ``TFB_DB``.

The per-route rules follow the specification of the test types (JSON serialization, single
query, multiple queries, fortunes, updates, plaintext): ``check(route, status, headers,
body)`` returns a list of violations, empty when the response passes.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import sqlite3
import threading
from typing import Any

WORLD_ROWS = 10_000
FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. \u2014 Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. \u2014 Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af",
]
EXTRA_FORTUNE = "Additional fortune added at request time."
HELLO = "Hello, World!"


def create_database(path: str) -> None:
    """Write a fresh database file at ``path``."""
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    rng = random.Random(12345)
    with db:
        db.execute("CREATE TABLE world (id INTEGER PRIMARY KEY, randomNumber INTEGER NOT NULL)")
        db.executemany(
            "INSERT INTO world VALUES (?, ?)",
            [(n, rng.randint(1, WORLD_ROWS)) for n in range(1, WORLD_ROWS + 1)],
        )
        db.execute("CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL)")
        db.executemany("INSERT INTO fortune VALUES (?, ?)", list(enumerate(FORTUNES, start=1)))
    db.execute("PRAGMA journal_mode=WAL")
    db.close()


_local = threading.local()
_opened: list[sqlite3.Connection] = []
_opened_lock = threading.Lock()
_holder: list[sqlite3.Cursor] = []


def connection() -> sqlite3.Connection:
    """This thread's connection to the database named by ``TFB_DB``."""
    db: sqlite3.Connection | None = getattr(_local, "db", None)
    if db is None:
        db = sqlite3.connect(os.environ["TFB_DB"], isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=OFF")
        _local.db = db
        with _opened_lock:
            _opened.append(db)
            if os.environ.get("TFB_HOLD_READ_LOCK") == "1" and not _holder:
                hold_read_lock()
    return db


def hold_read_lock() -> None:
    """Keep one more connection inside a read transaction for the life of the process
    (``bench/tfb.py --hold-read-lock``, a diagnostic applied to every server alike).

    SQLite takes the database file's shared POSIX lock (``fcntl``) when a statement starts
    and drops it when the statement ends, unless another connection of the same process
    holds it at that moment. With this connection holding it, no statement of the app pays
    those calls, whatever the server does; without it, how many it pays depends on how the
    server's threads overlap (docs/server.md, "Threads and the GIL"). The held snapshot
    stops checkpoints, so under ``/updates`` the write-ahead log grows for the whole run."""
    holder = sqlite3.connect(os.environ["TFB_DB"], isolation_level=None, check_same_thread=False)
    cursor = holder.execute("SELECT id FROM world")
    cursor.fetchone()  # rows remain: the statement, and its read transaction, stay open
    _holder.append(cursor)
    _opened.append(holder)


def close_connections() -> None:
    """Close every thread's connection once the server has stopped (Python 3.13 warns
    about a connection left to the garbage collector when its thread ends)."""
    with _opened_lock:
        while _holder:
            _holder.pop().close()
        while _opened:
            _opened.pop().close()


def query_count(raw: str | None) -> int:
    """The ``queries`` parameter as the specification reads it: 1..500, 1 when not a number."""
    try:
        count = int(raw or "1")
    except ValueError:
        return 1
    return min(max(count, 1), 500)


def random_id() -> int:
    return random.randint(1, WORLD_ROWS)


def fetch_world(db: sqlite3.Connection, world_id: int) -> dict[str, int]:
    row = db.execute("SELECT id, randomNumber FROM world WHERE id = ?", (world_id,)).fetchone()
    return {"id": row[0], "randomNumber": row[1]}


def fetch_worlds(count: int) -> list[dict[str, int]]:
    db = connection()
    return [fetch_world(db, random_id()) for _ in range(count)]


def update_worlds(count: int) -> list[dict[str, int]]:
    db = connection()
    worlds = [fetch_world(db, world_id) for world_id in sorted(random_id() for _ in range(count))]
    for world in worlds:
        world["randomNumber"] = random_id()
    db.executemany(
        "UPDATE world SET randomNumber = ? WHERE id = ?",
        [(world["randomNumber"], world["id"]) for world in worlds],
    )
    return worlds


def fortunes() -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = (
        connection().execute("SELECT id, message FROM fortune").fetchall()
    )
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    return rows


# -- the rules -----------------------------------------------------------------------------

ROUTES = {
    "plaintext": "/plaintext",
    "json": "/json",
    "db": "/db",
    "queries": "/queries?queries=20",
    "fortunes": "/fortunes",
    "updates": "/updates?queries=20",
}


def _worlds_ok(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"id", "randomNumber"}
        and all(type(value[key]) is int and 1 <= value[key] <= WORLD_ROWS for key in value)
    )


def expected_fortunes_table() -> str:
    rows = [(n, message) for n, message in enumerate(FORTUNES, start=1)]
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    cells = "".join(
        f"<tr><td>{n}</td><td>{html.escape(message, quote=False)}</td></tr>" for n, message in rows
    )
    return f"<table><tr><th>id</th><th>message</th></tr>{cells}</table>"


def _normalise_html(text: str) -> str:
    # The specification compares the table with whitespace between tags ignored and
    # entity spellings equivalent (&#34; / &quot; / ").
    text = re.sub(r">\s+<", "><", text.strip())
    return html.unescape(text)


def check(route: str, status: int, headers: dict[str, str], body: bytes) -> list[str]:
    """Violations of the test type's rules for one response (lower-case header names)."""
    problems = []
    if status != 200:
        problems.append(f"status {status}")
    for name in ("server", "date", "content-type"):
        if name not in headers:
            problems.append(f"no {name} header")
    if "content-length" not in headers and "transfer-encoding" not in headers:
        problems.append("neither content-length nor transfer-encoding")
    ctype = headers.get("content-type", "").replace(" ", "").lower()
    if route == "plaintext":
        if body != HELLO.encode() or not ctype.startswith("text/plain"):
            problems.append(f"plaintext body/type {body[:60]!r} {ctype}")
    elif route == "fortunes":
        if not ctype.startswith("text/html") or "charset=utf-8" not in ctype:
            problems.append(f"fortunes content-type {ctype}")
        text = body.decode("utf-8", "replace")
        if "<script>" in text:
            problems.append("fortunes: a <script> tag went out unescaped")
        table = re.search(r"<table>.*</table>", text, re.S)
        if table is None or _normalise_html(table.group(0)) != _normalise_html(
            expected_fortunes_table()
        ):
            problems.append("fortunes table differs from the specification's")
        if not _normalise_html(text).lower().startswith("<!doctype html>"):
            problems.append("fortunes: no <!DOCTYPE html>")
    else:
        if ctype != "application/json":
            problems.append(f"{route} content-type {ctype}")
        try:
            value = json.loads(body)
        except ValueError:
            return [*problems, f"{route}: body is not JSON: {body[:60]!r}"]
        if route == "json" and value != {"message": HELLO}:
            problems.append(f"json body {value!r}")
        if route == "db" and not _worlds_ok(value):
            problems.append(f"db body {value!r}")
        if route in ("queries", "updates") and not (
            isinstance(value, list) and len(value) == 20 and all(map(_worlds_ok, value))
        ):
            problems.append(f"{route} body {str(value)[:80]}")
    return problems
