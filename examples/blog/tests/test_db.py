import sqlite3

import pytest
from blog.db import get_db


def test_get_db_is_one_connection_per_context(app):
    with app.app_context():
        db = get_db()
        assert get_db() is db
    # The context closed the connection on its way out.
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_init_db_command(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.output == "Initialized the database.\n"
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM user").fetchone()[0] == 0
