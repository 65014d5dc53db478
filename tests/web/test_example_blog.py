"""The blog example, tested the way Flask's tutorial tests its app, through the test client
and through kettle.server."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from examples.blog import create_app
from examples.blog.db import get_db, init_db
from kettle import Kettle
from kettle.security import generate_password_hash
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Kettle]:
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite")})
    with app.app_context():
        init_db()
        db = get_db()
        db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?), (?, ?)",
            ("test", generate_password_hash("test"), "other", generate_password_hash("other")),
        )
        db.execute(
            "INSERT INTO post (title, body, author_id, created)"
            " VALUES ('test title', 'test\nbody', 1, '2018-01-01 00:00:00')"
        )
        db.commit()
    yield app


@pytest.fixture
def client(app: Kettle, make_client: MakeClient) -> KettleClient:
    return make_client(app)


def login(client: KettleClient, username: str = "test", password: str = "test") -> object:
    return client.post("/auth/login", data={"username": username, "password": password})


def test_hello(client: KettleClient) -> None:
    assert client.get("/hello").get_data(as_text=True) == "Hello, World!"


def test_register(client: KettleClient, app: Kettle) -> None:
    assert client.get("/auth/register").status_code == 200
    response = client.post("/auth/register", data={"username": "a", "password": "a"})
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        row = get_db().execute("SELECT * FROM user WHERE username = 'a'").fetchone()
    assert row is not None
    assert row["password"].startswith("scrypt:")
    assert "Registered, please log in." in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", "Username is required."),
        ("a", "", "Password is required."),
        ("test", "test", "User test is already registered."),
    ],
)
def test_register_validate_input(
    client: KettleClient, username: str, password: str, message: str
) -> None:
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert message in response.get_data(as_text=True)


def test_login_logout(client: KettleClient) -> None:
    assert client.get("/auth/login").status_code == 200
    response = login(client)
    assert response.headers["Location"] == "/"  # type: ignore[attr-defined]
    page = client.get("/").get_data(as_text=True)
    assert "<span>test</span>" in page
    assert "Log Out" in page
    client.get("/auth/logout")
    assert "Log In" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("username", "password"), [("a", "test"), ("test", "a")])
def test_login_failure_does_not_say_which_part_was_wrong(
    client: KettleClient, username: str, password: str
) -> None:
    response = login(client, username, password)
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert '<div class="flash error">Incorrect username or password.</div>' in page
    assert "Incorrect username." not in page and "Incorrect password." not in page


def test_index(client: KettleClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Log In" in page and "Register" in page
    login(client)
    page = client.get("/").get_data(as_text=True)
    assert "test title" in page
    assert "by test on 2018-01-01" in page
    assert "test\nbody" in page
    assert 'href="/1/update"' in page


@pytest.mark.parametrize("path", ["/create", "/1/update", "/1/delete"])
def test_login_required(client: KettleClient, path: str) -> None:
    response = client.post(path)
    assert response.headers["Location"] == "/auth/login"


def test_author_required(client: KettleClient, app: Kettle) -> None:
    with app.app_context():
        get_db().execute("UPDATE post SET author_id = 2 WHERE id = 1")
        get_db().commit()
    login(client)
    assert client.post("/1/update").status_code == 403
    assert client.post("/1/delete").status_code == 403
    assert 'href="/1/update"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/2/update", "/2/delete"])
def test_exists_required(client: KettleClient, path: str) -> None:
    login(client)
    assert client.post(path).status_code == 404


def test_create_update_delete(client: KettleClient, app: Kettle) -> None:
    login(client)
    assert client.get("/create").status_code == 200
    client.post("/create", data={"title": "created", "body": ""})
    assert "Post created." in client.get("/").get_data(as_text=True)
    client.post("/1/update", data={"title": "updated", "body": ""})
    response = client.post("/1/delete")
    assert response.headers["Location"] == "/"
    with app.app_context():
        titles = [row["title"] for row in get_db().execute("SELECT title FROM post")]
    assert titles == ["created"]


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_title_required(client: KettleClient, path: str) -> None:
    login(client)
    response = client.post(path, data={"title": "", "body": ""})
    assert "Title is required." in response.get_data(as_text=True)


def test_init_db_command(app: Kettle) -> None:
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.output == "Initialized the database.\n"
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM user").fetchone()[0] == 0


def test_db_closed_after_context(app: Kettle) -> None:
    with app.app_context():
        db = get_db()
        assert db is get_db()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")
