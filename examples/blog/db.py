"""The SQLite connection of the current request, and the ``init-db`` command."""

import sqlite3
from datetime import datetime

import click

from kettle import current_app, g

# Read TIMESTAMP columns back as datetime objects.
sqlite3.register_converter("timestamp", lambda value: datetime.fromisoformat(value.decode()))


def get_db():
    """The request's connection, opened on first use and kept on ``g``."""
    if "db" not in g:
        g.db = sqlite3.connect(
            current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES
        )
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(error=None):
    """Close the connection, if this request opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db():
    """Drop and create the tables."""
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
def init_db_command():
    """Clear the existing data and create new tables."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app):
    """Close the connection after each request; add ``kettle init-db``."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
