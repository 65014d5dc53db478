import pytest
from blog.db import get_db


def test_index(client, login):
    response = client.get("/")
    assert "Log In" in response.text
    assert "Register" in response.text

    login()
    response = client.get("/")
    assert "Log Out" in response.text
    assert "test title" in response.text
    assert "by test on 2018-01-01" in response.text
    assert '<p class="body">test\nbody</p>' in response.text
    assert 'href="/1/update"' in response.text


@pytest.mark.parametrize("path", ["/create", "/1/update", "/1/delete"])
def test_login_required(client, path):
    response = client.post(path)
    assert response.headers["Location"] == "/auth/login"


def test_author_required(app, client, login):
    with app.app_context():
        db = get_db()
        db.execute("UPDATE post SET author_id = 2 WHERE id = 1")
        db.commit()
    login()
    assert client.post("/1/update").status_code == 403
    assert client.post("/1/delete").status_code == 403
    assert 'href="/1/update"' not in client.get("/").text


@pytest.mark.parametrize("path", ["/2/update", "/2/delete"])
def test_exists_required(client, login, path):
    login()
    assert client.post(path).status_code == 404


def test_create(client, login, app):
    login()
    assert client.get("/create").status_code == 200
    client.post("/create", data={"title": "created", "body": "a\nb"})
    assert "Post created." in client.get("/").text
    with app.app_context():
        count = get_db().execute("SELECT COUNT(id) FROM post").fetchone()[0]
        assert count == 2


def test_update(client, login, app):
    login()
    assert client.get("/1/update").status_code == 200
    client.post("/1/update", data={"title": "updated", "body": ""})
    with app.app_context():
        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
        assert post["title"] == "updated"


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_title_required(client, login, path):
    login()
    response = client.post(path, data={"title": "", "body": ""})
    assert "Title is required." in response.text


def test_delete(client, login, app):
    login()
    response = client.post("/1/delete")
    assert response.headers["Location"] == "/"
    with app.app_context():
        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
        assert post is None
