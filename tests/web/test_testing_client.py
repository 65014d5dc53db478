"""The test client's own features: with-block contexts, redirects, cookies, CLI runner."""

from __future__ import annotations

from typing import Any

import click
import pytest

from kettle import Kettle, redirect, request, session
from kettle.web.cli import with_appcontext
from kettle.web.testing import ClientRedirectError, KettleClient


def test_with_client_keeps_last_request_context(app: Kettle) -> None:
    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    client = app.test_client()
    with client:
        client.get("/login/ann?next=/home")
        assert request.path == "/login/ann"
        assert request.args["next"] == "/home"
        assert session["user"] == "ann"
    with pytest.raises(RuntimeError):
        request.path  # noqa: B018


def test_follow_redirects_changes_post_to_get(app: Kettle) -> None:
    @app.route("/a", methods=["POST"])
    def a() -> object:
        return redirect("/b")

    @app.route("/b")
    def b() -> str:
        return request.method

    @app.route("/c", methods=["POST"])
    def c() -> object:
        return redirect("/d", 307)

    @app.route("/d", methods=["POST"])
    def d() -> str:
        return request.get_data(as_text=True)

    client = app.test_client()
    response = client.post("/a", follow_redirects=True)
    assert response.get_data(as_text=True) == "GET"
    assert response.request.path == "/b"
    assert client.post("/c", data="body", follow_redirects=True).get_data(as_text=True) == "body"


def test_redirect_loop_is_reported(app: Kettle) -> None:
    app.add_url_rule("/loop", "loop", lambda: redirect("/loop"))
    with pytest.raises(ClientRedirectError, match="loop detected"):
        app.test_client().get("/loop", follow_redirects=True)


def test_cookies_disabled(app: Kettle) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"):
        client.get_cookie("x")


def test_cli_runner_with_app_command(app: Kettle) -> None:
    @app.cli.command("hello")
    @click.option("--name", default="World")
    def hello(name: str) -> None:
        from kettle import current_app

        click.echo(f"Hello, {name} from {current_app.name}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "--name", "Ann"])
    assert result.exit_code == 0
    assert result.output == f"Hello, Ann from {app.name}\n"


def test_with_appcontext_on_plain_command(app: Kettle) -> None:
    @click.command()
    @with_appcontext
    def plain() -> None:
        from kettle import current_app

        click.echo(current_app.name)

    result = app.test_cli_runner().invoke(plain)
    assert result.output == f"{app.name}\n"


def test_blueprint_cli_group(app: Kettle) -> None:
    from kettle import Blueprint

    bp = Blueprint("users", __name__)

    @bp.cli.command("create")
    @click.argument("name")
    def create(name: str) -> None:
        click.echo(f"created {name}")

    flat = Blueprint("flat", __name__, cli_group=None)

    @flat.cli.command("top")
    def top() -> None:
        click.echo("top level")

    app.register_blueprint(bp)
    app.register_blueprint(flat)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "ann"]).output == "created ann\n"
    assert runner.invoke(args=["top"]).output == "top level\n"


def test_redirect_history_is_a_chain(app: Kettle) -> None:
    app.add_url_rule("/first", "first", lambda: redirect("/second"))
    app.add_url_rule("/second", "second", lambda: redirect("/third"))
    app.add_url_rule("/third", "third", lambda: "done")
    response = app.test_client().get("/first", follow_redirects=True)
    assert response.get_data(as_text=True) == "done"
    first, second = response.history
    assert [(r.request.path, r.status_code, r.location) for r in response.history] == [
        ("/first", 302, "/second"),
        ("/second", 302, "/third"),
    ]
    assert (first.history, second.history) == ((), (first,))


def test_relative_redirect_stays_under_the_script_root() -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/redirect":
            start_response("302 Found", [("Location", "done")])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    client = KettleClient(wsgi_app)  # type: ignore[arg-type]  # a plain WSGI app
    response = client.get("/redirect", base_url="http://localhost/other", follow_redirects=True)
    assert response.get_data(as_text=True) == "/other|/done"


def test_text_chunks_of_a_plain_wsgi_app_are_encoded() -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[str]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['PATH_INFO']}|{environ['SCRIPT_NAME']}", "|é"]

    client = KettleClient(wsgi_app)  # type: ignore[arg-type]  # a plain WSGI app
    response = client.get("/foo%40bar", "http://localhost/bar%40baz")
    assert response.get_data() == "/foo@bar|/bar@baz|é".encode()
