"""Fixtures: the app on a fresh database in a temporary folder, its test client, its
command runner, and ``login``."""

from pathlib import Path

import pytest
from blog import create_app
from blog.db import get_db, init_db

DATA = (Path(__file__).parent / "data.sql").read_text()


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite")})
    with app.app_context():
        init_db()
        get_db().executescript(DATA)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log ``client`` in; data.sql has the users test/test and other/other."""

    def login(username="test", password="test"):
        return client.post("/auth/login", data={"username": username, "password": password})

    return login
