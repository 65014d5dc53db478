import pytest
from blog.db import get_db

from kettle import g, session


def test_register(client, app):
    assert client.get("/auth/register").status_code == 200
    response = client.post("/auth/register", data={"username": "a", "password": "a"})
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        user = get_db().execute("SELECT * FROM user WHERE username = 'a'").fetchone()
        assert user["password"].startswith("scrypt:")  # a hash, never the password


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", "Username is required."),
        ("a", "", "Password is required."),
        ("test", "test", "User test is already registered."),
    ],
)
def test_register_validate_input(client, username, password, message):
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert message in response.text


def test_login(client, login):
    assert client.get("/auth/login").status_code == 200
    response = login()
    assert response.headers["Location"] == "/"
    with client:
        client.get("/")
        assert session["user_id"] == 1
        assert g.user["username"] == "test"


@pytest.mark.parametrize(("username", "password"), [("a", "test"), ("test", "a")])
def test_login_failure_says_the_same_for_both_mistakes(login, username, password):
    response = login(username, password)
    assert response.status_code == 200
    assert "Incorrect username or password." in response.text


def test_logout(client, login):
    login()
    with client:
        client.get("/auth/logout")
        assert "user_id" not in session
