"""bench/tfb.py measures only responses that pass TechEmpower's rules: the rules themselves
(tfb_apps.common.check) and Kettle's TFB app served by kettle.server over a real socket."""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kettle.server import Server

# bench/ is not put on sys.path (its app.py would shadow other tests' ``app`` modules):
# the tfb_apps package is loaded from its folder under its own name.
_PACKAGE = Path(__file__).resolve().parents[2] / "bench" / "tfb_apps"
_spec = importlib.util.spec_from_file_location(
    "tfb_apps", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
)
assert _spec is not None and _spec.loader is not None
sys.modules["tfb_apps"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sys.modules["tfb_apps"])

from tfb_apps import common  # noqa: E402

GOOD_HEADERS = {
    "server": "x",
    "date": "Wed, 02 Dec 2026 10:00:00 GMT",
    "content-length": "1",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    db_path = str(tmp_path_factory.mktemp("tfb") / "tfb.sqlite")
    common.create_database(db_path)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("TFB_DB", db_path)
    from tfb_apps.flaskish import build

    server = Server(build("kettle"), threads=4).start()
    try:
        yield server.port
    finally:
        server.stop(grace=2)
        common.close_connections()
        monkeypatch.undo()


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


@pytest.mark.parametrize("route", list(common.ROUTES))
def test_kettle_app_passes_the_rules(served: int, route: str) -> None:
    assert common.check(route, *get(served, common.ROUTES[route])) == []


def test_queries_parameter_is_clamped(served: int) -> None:
    for raw, count in (("0", 1), ("foo", 1), ("", 1), ("3", 3), ("501", 500)):
        status, _, body = get(served, f"/queries?queries={raw}")
        assert (status, len(json.loads(body))) == (200, count)


def test_updates_are_written(served: int) -> None:
    _, _, body = get(served, "/updates?queries=5")
    worlds = json.loads(body)
    db = sqlite3.connect(os.environ["TFB_DB"])
    try:
        stored = {
            world["id"]: db.execute(
                "SELECT randomNumber FROM world WHERE id = ?", (world["id"],)
            ).fetchone()[0]
            for world in worlds
        }
    finally:
        db.close()
    assert stored == {world["id"]: world["randomNumber"] for world in worlds}


def _first_connection_of_a_new_thread() -> sqlite3.Connection:
    """``common.connection()`` as a server thread first calls it (its connection is kept
    per thread, so a thread of its own keeps this test's from the others')."""
    opened: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: opened.append(common.connection()))
    thread.start()
    thread.join(5)
    return opened[0]


@pytest.mark.parametrize("held", [False, True], ids=["default", "hold-read-lock"])
def test_hold_read_lock_keeps_a_read_transaction_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: bool
) -> None:
    db_path = str(tmp_path / "tfb.sqlite")
    common.create_database(db_path)
    monkeypatch.setenv("TFB_DB", db_path)
    if held:
        monkeypatch.setenv("TFB_HOLD_READ_LOCK", "1")
    try:
        _first_connection_of_a_new_thread()
        assert len(common._holder) == (1 if held else 0)
        writer = sqlite3.connect(db_path, isolation_level=None)
        try:
            before = writer.execute("SELECT randomNumber FROM world WHERE id = 1").fetchone()[0]
            writer.execute("UPDATE world SET randomNumber = ? WHERE id = 1", (before % 10000 + 1,))
        finally:
            writer.close()
        if held:
            # The holder's connection still reads the snapshot it started with: its read
            # transaction, and with it SQLite's shared lock on the file, is still open.
            holder = common._holder[0].connection
            seen = holder.execute("SELECT randomNumber FROM world WHERE id = 1").fetchone()[0]
            assert seen == before
    finally:
        common.close_connections()
    assert common._holder == []


@pytest.mark.parametrize(
    ("route", "headers", "body", "problems"),
    [
        ("plaintext", {"content-type": "text/plain"}, b"Hello, World!", []),
        (
            "plaintext",
            {"content-type": "text/plain"},
            b"Hello World",
            ["plaintext body/type b'Hello World' text/plain"],
        ),
        ("json", {"content-type": "application/json"}, b'{"message":"Hello, World!"}', []),
        (
            "db",
            {"content-type": "application/json"},
            b'{"id": 0, "randomNumber": 5}',
            ["db body {'id': 0, 'randomNumber': 5}"],
        ),
        (
            "queries",
            {"content-type": "application/json"},
            b'[{"id": 1, "randomNumber": 5}]',
            ["queries body [{'id': 1, 'randomNumber': 5}]"],
        ),
        (
            "fortunes",
            {"content-type": "text/html; charset=utf-8"},
            ("<!DOCTYPE html><html><body>" + common.expected_fortunes_table()).encode(),
            [],
        ),
        (
            "fortunes",
            {"content-type": "text/html; charset=utf-8"},
            b"<!DOCTYPE html><table><tr><td><script>alert(1)</script></td></tr></table>",
            [
                "fortunes: a <script> tag went out unescaped",
                "fortunes table differs from the specification's",
            ],
        ),
    ],
    ids=[
        "plain-ok",
        "plain-wrong",
        "json-ok",
        "db-out-of-range",
        "queries-count",
        "fortunes-ok",
        "fortunes-unescaped",
    ],
)
def test_check_rules(
    route: str, headers: dict[str, str], body: bytes, problems: list[str]
) -> None:
    assert common.check(route, 200, {**GOOD_HEADERS, **headers}, body) == problems


def test_check_wants_server_and_date() -> None:
    assert common.check("json", 200, {"content-type": "application/json"}, b"{}") == [
        "no server header",
        "no date header",
        "neither content-length nor transfer-encoding",
        "json body {}",
    ]


def _load_tfb() -> ModuleType:
    """bench/tfb.py itself (it puts bench/ on sys.path for its neighbours: taken off again)."""
    before = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_tfb", _PACKAGE.parent / "tfb.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_tfb"] = module  # (its dataclass looks itself up there)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = before
    return module


tfb = _load_tfb()


def test_ratios_are_paired_round_by_round() -> None:
    # Round by round 10/5, 20/20, 30/10: the median 2.0, the range 1.0-3.0 (the ratio of
    # the medians would be 20/10 too, but says nothing of the spread).
    assert tfb.paired_ratio((10.0, 20.0, 30.0), (5.0, 20.0, 10.0)) == (2.0, 1.0, 3.0)
    assert tfb.paired_ratio((9.0, 8.0), (3.0, 4.0)) == (2.5, 2.0, 3.0)


def test_the_table_quotes_each_ratio_with_its_range() -> None:
    targets = {"k": tfb.Target("Kettle", []), "f": tfb.Target("Falcon", [])}
    results = {
        ("k", True, "json"): tfb.Result(20.0, 1.5, 0, 30.0, 10.0, (10.0, 20.0, 30.0)),
        ("f", True, "json"): tfb.Result(10.0, 2.0, 3, 3.0, 1.0, (5.0, 20.0, 10.0)),
    }
    columns = [("k", True), ("f", True)]
    text = tfb.table("pinned", columns, targets, ["json"], results, ("k", True))
    assert text.splitlines()[1:5] == [
        "### pinned",
        "",
        "| route | Kettle pinned | Falcon pinned |",
        "|---|---:|---:|",
    ]
    row = "| json | 20 p99 1.5 ms | 10 (2.00x, 1.00-3.00) p99 2.0 ms ERR 3 |"
    assert text.splitlines()[5] == row


def test_issue_targets_are_judged_on_the_paired_ratio_and_p99() -> None:
    targets = {
        "kettle@pinned": tfb.Target("Kettle", [], pinned=True),
        "falcon-granian@pinned": tfb.Target("Falcon (granian WSGI)", [], pinned=True),
        "falcon-bjoern@pinned": tfb.Target("Falcon (bjoern)", [], pinned=True),
    }
    results = {
        # json: 1.10x and a shorter tail, met; plaintext: faster but a longer tail, missed.
        ("kettle@pinned", True, "json"): tfb.Result(11.0, 3.0, 0, 0.0, 0.0, (11.0, 22.0)),
        ("falcon-granian@pinned", True, "json"): tfb.Result(10.0, 3.5, 0, 0.0, 0.0, (10.0, 20.0)),
        ("kettle@pinned", True, "plaintext"): tfb.Result(30.0, 5.0, 0, 0.0, 0.0, (30.0,)),
        ("falcon-granian@pinned", True, "plaintext"): tfb.Result(20.0, 4.0, 0, 0.0, 0.0, (20.0,)),
        # queries: an equal tail at 0.95x, missed; fortunes: its peer not measured, no line.
        ("kettle@pinned", True, "queries"): tfb.Result(95.0, 20.0, 0, 0.0, 0.0, (95.0,)),
        ("falcon-bjoern@pinned", True, "queries"): tfb.Result(100.0, 20.0, 0, 0.0, 0.0, (100.0,)),
        ("kettle@pinned", True, "fortunes"): tfb.Result(9.0, 1.0, 0, 0.0, 0.0, (9.0,)),
    }
    routes = ["plaintext", "json", "fortunes", "queries"]
    assert tfb.target_lines(results, targets, routes).splitlines() == [
        "- plaintext against Falcon (granian WSGI): missed (1.50x, p99 5.0 against 4.0 ms)",
        "- json against Falcon (granian WSGI): met (1.10x, p99 3.0 against 3.5 ms)",
        "- queries against Falcon (bjoern): missed (0.95x, p99 20.0 against 20.0 ms)",
    ]
