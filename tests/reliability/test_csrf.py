"""CSRF protection (kettle.web.csrf): token in the session, csrf_token() in templates,
checked on unsafe methods when enabled, a clear 400 on failure; through the test client and
through the real server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kettle.server import Server
from kettle.web.app import Kettle
from kettle.web.blueprints import Blueprint
from kettle.web.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from kettle.web.globals import session
from kettle.web.testing import KettleClient

from .clients import ServerClient

TOKEN = re.compile(r'name="csrf_token" value="([A-Za-z0-9_-]+)"')


def build_app() -> tuple[Kettle, CSRFProtect]:
    app = Kettle(__name__)
    app.config.update(SECRET_KEY="csrf-test-key")
    csrf = CSRFProtect(app)

    @app.get("/form")
    def form() -> str:
        return app.jinja_env.from_string(
            '<form method=post><input type=hidden name="csrf_token" value="{{ csrf_token() }}">'
        ).render()

    @app.post("/submit")
    def submit() -> str:
        return "accepted"

    @app.post("/hook")
    @csrf.exempt
    def hook() -> str:
        return "hooked"

    api = Blueprint("api", __name__)

    @api.post("/api/thing")
    def thing() -> str:
        return "api ok"

    csrf.exempt(api)
    app.register_blueprint(api)
    return app, csrf


@pytest.fixture(params=["test_client", "server"])
def client(request: pytest.FixtureRequest) -> Iterator[KettleClient]:
    app, _ = build_app()
    if request.param == "test_client":
        yield app.test_client()
        return
    server = Server(app, "127.0.0.1", 0, threads=2).start()
    try:
        yield ServerClient(app, server.port)
    finally:
        server.stop(grace=1)


def fetch_token(client: KettleClient) -> str:
    response = client.get("/form")
    assert response.status_code == 200
    match = TOKEN.search(response.get_data(as_text=True))
    assert match is not None
    return match.group(1)


def test_post_with_the_form_token_is_accepted(client: KettleClient) -> None:
    token = fetch_token(client)
    response = client.post("/submit", data={"csrf_token": token, "x": "1"})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "accepted")


def test_token_in_a_header_is_accepted(client: KettleClient) -> None:
    token = fetch_token(client)
    response = client.post("/submit", headers={"X-CSRFToken": token}, json={"a": 1})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "accepted")
    response = client.delete("/submit", headers={"X-CSRF-Token": token})
    assert response.status_code == 405  # the check passed; the route allows only POST


def test_missing_token_is_a_clear_400(client: KettleClient) -> None:
    fetch_token(client)
    response = client.post("/submit", data={"x": "1"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_wrong_and_malformed_tokens_are_refused(client: KettleClient) -> None:
    token = fetch_token(client)
    forged = ("A" if token[0] != "A" else "B") + token[1:]
    cases = {
        forged: "The CSRF tokens do not match.",
        "not-a-token": "The CSRF token is invalid.",
        "%%%%": "The CSRF token is invalid.",
        "A" * 5000: "The CSRF token is invalid.",
        token[:-4]: "The CSRF token is invalid.",
    }
    for value, message in cases.items():
        response = client.post("/submit", data={"csrf_token": value})
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True), value


def test_token_from_another_session_is_refused() -> None:
    app, _ = build_app()
    token = fetch_token(app.test_client())
    other = app.test_client()
    fetch_token(other)  # the other client has its own secret
    response = other.post("/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF tokens do not match." in response.get_data(as_text=True)
    fresh = app.test_client()  # no session at all
    response = fresh.post("/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF session token is missing." in response.get_data(as_text=True)


def test_each_render_masks_the_token_differently_but_all_stay_valid() -> None:
    app, _ = build_app()
    client = app.test_client()
    tokens = [fetch_token(client) for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        assert client.post("/submit", data={"csrf_token": token}).status_code == 200


def test_safe_methods_exempt_views_and_blueprints_are_not_checked(client: KettleClient) -> None:
    assert client.post("/hook").get_data(as_text=True) == "hooked"
    assert client.post("/api/thing").get_data(as_text=True) == "api ok"
    assert client.get("/form").status_code == 200
    assert client.head("/form").status_code == 200
    # An unknown URL gets routing's answer, not a CSRF error.
    assert client.post("/nowhere").status_code == 404


def test_csrf_enabled_false_turns_the_check_off() -> None:
    app, _ = build_app()
    app.config["CSRF_ENABLED"] = False
    response = app.test_client().post("/submit", data={})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "accepted")


def test_init_app_style_and_python_api() -> None:
    app = Kettle(__name__)
    app.secret_key = "k"
    csrf = CSRFProtect()
    csrf.init_app(app)
    assert app.extensions["csrf"] is csrf
    with app.test_request_context("/"):
        token = generate_csrf()
        validate_csrf(token)
        assert isinstance(session["_csrf_token"], str)
        with pytest.raises(CSRFError) as info:
            validate_csrf(None)
        assert info.value.code == 400


def test_without_a_secret_key_the_error_says_so() -> None:
    app = Kettle(__name__)
    CSRFProtect(app)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="no secret key was set"):
        generate_csrf()
