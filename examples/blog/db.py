"""The SQLite connection of the current request (kept on ``g``) and the ``init-db`` command."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import click

from kettle import Kettle, current_app, g

sqlite3.register_converter("timestamp", lambda v: datetime.fromisoformat(v.decode()))


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(
            current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES
        )
        g.db.row_factory = sqlite3.Row
    return g.db  # type: ignore[no-any-return]


def close_db(e: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
def init_db_command() -> None:
    """Clear the existing data and create new tables."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app: Kettle) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
