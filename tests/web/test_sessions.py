"""Signed-cookie sessions, permanent sessions, cookie options and flashed messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from kettle import Kettle, flash, get_flashed_messages, session
from kettle.web.globals import request_ctx
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def counter_app(app: Kettle) -> Kettle:
    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/peek")
    def peek() -> str:
        return repr(session.get("n"))

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "ok"

    return app


def set_cookie_header(response: object) -> str:
    return ";".join(response.headers.getlist("Set-Cookie"))  # type: ignore[attr-defined]


def test_session_round_trip(make_client: MakeClient, app: Kettle) -> None:
    client = make_client(counter_app(app))
    assert [client.get("/count").get_data(as_text=True) for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/peek").get_data(as_text=True) == "3"
    assert client.get("/clear").get_data(as_text=True) == "cleared"
    assert client.get("/peek").get_data(as_text=True) == "None"


def test_cookie_defaults_are_httponly_and_lax(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(counter_app(app)).get("/count")
    header = set_cookie_header(response)
    assert header.startswith("session=")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header
    assert "Expires" not in header
    assert response.headers["Vary"] == "Cookie"


def test_unmodified_session_sets_no_cookie(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(counter_app(app)).get("/peek")
    assert response.headers.getlist("Set-Cookie") == []


def test_cookie_options(make_client: MakeClient, app: Kettle) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/count",
        SESSION_COOKIE_DOMAIN="example.com",
    )
    header = set_cookie_header(make_client(counter_app(app)).get("/count"))
    assert header.startswith("sid=")
    for part in ("Secure", "SameSite=Strict", "Path=/count", "Domain=example.com"):
        assert part in header


def test_permanent_session_has_expiry(make_client: MakeClient, app: Kettle) -> None:
    app.permanent_session_lifetime = timedelta(days=2)  # type: ignore[assignment]
    header = set_cookie_header(make_client(counter_app(app)).get("/permanent"))
    assert "Expires=" in header


def test_a_request_that_ignores_the_session_leaves_it_unaccessed(
    make_client: MakeClient, app: Kettle
) -> None:
    # Kettle's own refresh check reads ``permanent``; that is no use of the session.
    app.add_url_rule("/nothing", "nothing", lambda: "")
    client = make_client(counter_app(app))
    client.get("/count")
    response = client.get("/nothing")
    assert (response.headers.get("Vary"), response.headers.getlist("Set-Cookie")) == (None, [])
    client.get("/permanent")
    refreshed = client.get("/nothing")  # a permanent session is refreshed on every request
    assert refreshed.headers["Vary"] == "Cookie"
    assert "Expires=" in set_cookie_header(refreshed)


def test_session_accessed_flag_after_the_request(app: Kettle) -> None:
    app.add_url_rule("/nothing", "nothing", lambda: "")
    client = counter_app(app).test_client()
    client.get("/count")
    seen = []
    for path in ("/nothing", "/peek", "/count", "/permanent", "/nothing"):
        with client:
            client.get(path)
            opened = request_ctx._session
            seen.append((path, opened.accessed, opened.modified))
    assert seen == [
        ("/nothing", False, False),
        ("/peek", True, False),
        ("/count", True, True),
        ("/permanent", True, True),
        ("/nothing", False, False),
    ]


def test_tampered_cookie_gives_empty_session(app: Kettle) -> None:
    client = counter_app(app).test_client()
    client.get("/count")
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-2] + "xx")
    assert client.get("/peek").get_data(as_text=True) == "None"


def test_secret_key_fallbacks_still_read_old_cookies(app: Kettle) -> None:
    client = counter_app(app).test_client()
    client.get("/count")
    app.config.update(SECRET_KEY="new secret", SECRET_KEY_FALLBACKS=["test secret"])
    assert client.get("/peek").get_data(as_text=True) == "1"
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert client.get("/peek").get_data(as_text=True) == "None"


def test_no_secret_key_is_a_clear_error(app: Kettle) -> None:
    app.config["SECRET_KEY"] = None
    app.testing = True
    counter_app(app)
    with pytest.raises(RuntimeError, match="no secret key was set"):
        app.test_client().get("/count")
    assert app.test_client().get("/peek").get_data(as_text=True) == "None"


def test_session_transaction(app: Kettle) -> None:
    client = counter_app(app).test_client()
    with client.session_transaction() as sess:
        sess["n"] = 41
    assert client.get("/count").get_data(as_text=True) == "42"


def test_flash_with_categories(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/flash")
    def do_flash() -> str:
        flash("saved")
        flash("careful", "warning")
        flash("broken", "error")
        return "flashed"

    @app.route("/show")
    def show() -> str:
        first = get_flashed_messages()
        again = get_flashed_messages(with_categories=True)
        only = get_flashed_messages(category_filter=["error", "warning"])
        return repr((first, again, only))

    client = make_client(app)
    client.get("/flash")
    assert client.get("/show").get_data(as_text=True) == repr(
        (
            ["saved", "careful", "broken"],
            [("message", "saved"), ("warning", "careful"), ("error", "broken")],
            ["careful", "broken"],
        )
    )
    assert client.get("/show").get_data(as_text=True) == repr(([], [], []))


def test_session_cookies_interoperate_with_flask(app: Kettle) -> None:
    import datetime
    import uuid

    import flask

    value = {
        "user": "ann",
        "ids": (1, 2),
        "raw": b"\x00bytes",
        "when": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
        "uid": uuid.UUID(int=7),
    }
    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "test secret"

    @flask_app.route("/write")
    def flask_write() -> str:
        flask.session.update(value)
        return "written"

    @flask_app.route("/read")
    def flask_read() -> str:
        return repr(sorted(flask.session.items()))

    counter_app(app)

    @app.route("/write")
    def kettle_write() -> str:
        session.update(value)
        return "written"

    @app.route("/read")
    def kettle_read() -> str:
        return repr(sorted(session.items()))

    expected = repr(sorted(value.items()))
    flask_client = flask_app.test_client()
    flask_client.get("/write")
    flask_cookie = flask_client.get_cookie("session")
    assert flask_cookie is not None
    kettle_client = app.test_client()
    kettle_client.set_cookie("session", flask_cookie.value)
    assert kettle_client.get("/read").get_data(as_text=True) == expected
    kettle_client.get("/write")
    kettle_cookie = kettle_client.get_cookie("session")
    assert kettle_cookie is not None
    flask_client.set_cookie("session", kettle_cookie.value)
    assert flask_client.get("/read").get_data(as_text=True) == expected
