"""Whole-host routing (``host_matching=True``): ``host=`` on routes, ``static_host``,
converters in the host, building URLs on the right host, and the ``routes`` Host column;
also the ``<invalid>`` subdomain of a request outside ``SERVER_NAME``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle import Blueprint, Kettle, url_for
from kettle.web.cli import KettleGroup
from kettle.web.routing import Map, Rule
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def make_host_app(static_folder: Path | None = None) -> Kettle:
    app = Kettle(
        __name__,
        host_matching=True,
        static_host="static.test",
        static_folder=str(static_folder or Path(__file__).parent / "static"),
        static_url_path="/static",
    )

    @app.route("/", host="example.test")
    def home() -> str:
        return f"home {url_for('profile', user='bo')} {url_for('static', filename='a.css')}"

    @app.route("/", host="<user>.example.test")
    def profile(user: str) -> str:
        return f"profile {user} {url_for('home')} {url_for('profile', user=user)}"

    @app.route("/any", host="<anyhost>")
    def any_host(anyhost: str) -> str:
        return f"any {anyhost}"

    @app.route("/port", host="example.test:8080")
    def with_port() -> str:
        return "port " + url_for("with_port", _external=True)

    return app


def text_of(client: KettleClient, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_rules_match_on_the_whole_host(make_client: MakeClient) -> None:
    client = make_client(make_host_app())
    assert text_of(client, "http://example.test/") == (
        200,
        "home http://bo.example.test/ http://static.test/static/a.css",
    )
    assert text_of(client, "http://ann.example.test/") == (
        200,
        "profile ann http://example.test/ /",
    )
    assert text_of(client, "http://a.b.example.test/any") == (200, "any a.b.example.test")
    assert text_of(client, "http://example.test:8080/port") == (
        200,
        "port http://example.test:8080/port",
    )
    assert client.get("http://example.test/port").status_code == 404
    assert client.get("http://elsewhere.test/").status_code == 404


def test_static_route_on_static_host(make_client: MakeClient, tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body { color: teal }")
    client = make_client(make_host_app(tmp_path))
    response = client.get("http://static.test/static/a.css")
    assert response.status_code == 200
    assert response.data == b"body { color: teal }"
    response.close()
    assert client.get("http://example.test/static/a.css").status_code == 404


def test_default_port_is_dropped_before_matching() -> None:
    client = make_host_app().test_client()
    assert text_of(client, "http://example.test:80/") == (
        200,
        "home http://bo.example.test/ http://static.test/static/a.css",
    )
    assert text_of(client, "https://ann.example.test:443/")[0] == 200


def test_url_for_outside_requests_and_in_test_request_context() -> None:
    app = make_host_app()
    with app.test_request_context():  # Host "localhost": every rule is on another host
        assert url_for("home") == "http://example.test/"
        assert url_for("profile", user="cy", _external=True) == "http://cy.example.test/"
        assert url_for("static", filename="x.js") == "http://static.test/static/x.js"
    with app.test_request_context("/", "http://example.test"):
        assert url_for("home") == "/"
        assert url_for("home", _external=True) == "http://example.test/"
        assert url_for("home", _scheme="https", _external=True) == "https://example.test/"
    app.config["SERVER_NAME"] = "example.test"
    with app.app_context():
        assert url_for("home") == "http://example.test/"
        assert url_for("profile", user="dee") == "http://dee.example.test/"


def test_defaults_win_over_a_host_variable() -> None:
    """Werkzeug's rule (the Flask test ``test_server_name_matching[False-True]``)."""
    app = Kettle(__name__, host_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", defaults={"name": "default"}, host="<name>")
    @app.route("/", host="<name>.example.test")
    def index(name: str) -> str:
        return name

    client = app.test_client()
    assert client.get(base_url="http://example.test").text == "default"
    assert client.get(base_url="http://abc.example.test").text == "abc"
    assert client.get(base_url="http://xyz.other.test").text == "default"


def test_blueprint_routes_take_a_host(make_client: MakeClient) -> None:
    app = Kettle(__name__, host_matching=True, static_folder=None)
    shop = Blueprint("shop", __name__)

    @shop.route("/items/<int:item>", host="shop.test")
    def item(item: int) -> str:
        return f"item {item} {url_for('.item', item=item + 1)}"

    app.register_blueprint(shop)
    client = make_client(app)
    assert text_of(client, "http://shop.test/items/4") == (200, "item 4 /items/5")
    assert client.get("http://example.test/items/4").status_code == 404


def test_method_not_allowed_and_strict_slash_redirect_on_a_host(make_client: MakeClient) -> None:
    app = Kettle(__name__, host_matching=True, static_folder=None)

    @app.post("/form/", host="forms.test")
    def form() -> str:
        return "posted"

    client = make_client(app)
    response = client.get("http://forms.test/form/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    redirect = client.post("http://forms.test/form")
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == "http://forms.test/form/"
    assert client.post("http://other.test/form/").status_code == 404


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"static_host": "static.test"}, "Invalid static_host/host_matching combination"),
        ({"host_matching": True}, "Invalid static_host/host_matching combination"),
    ],
    ids=["static-host-without-host-matching", "host-matching-without-static-host"],
)
def test_static_host_and_host_matching_go_together(options: dict, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        Kettle(__name__, **options)


def test_host_matching_without_a_static_folder_needs_no_static_host() -> None:
    app = Kettle(__name__, host_matching=True, static_folder=None)
    assert app.url_map.host_matching is True


def test_map_level_host_matching() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="home", host="example.test"),
            Rule("/u/<int:id>", endpoint="user", host="<tenant>.example.test"),
        ],
        host_matching=True,
    )
    adapter = url_map.bind("acme.example.test")
    assert adapter.match("/u/3") == ("user", {"tenant": "acme", "id": 3})
    assert adapter.build("user", {"tenant": "acme", "id": 4}) == "/u/4"
    assert adapter.build("user", {"tenant": "zen", "id": 4}) == "http://zen.example.test/u/4"
    assert adapter.build("home") == "http://example.test/"
    with pytest.raises(RuntimeError, match="host matching enabled and a subdomain"):
        url_map.bind("example.test", subdomain="www")
    environ = {"HTTP_HOST": "Example.Test", "wsgi.url_scheme": "http", "PATH_INFO": "/"}
    assert url_map.bind_to_environ(environ).match() == ("home", {})


def test_routes_command_shows_a_host_column() -> None:
    app = Kettle(__name__, static_folder=None, host_matching=True)
    app.add_url_rule("/a", host="a.test", endpoint="a")
    app.add_url_rule("/b", host="b.test", endpoint="b")
    result = CliRunner().invoke(KettleGroup(create_app=lambda: app), ["routes", "-s", "domain"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Endpoint  Methods  Host    Rule",
        "--------  -------  ------  ----",
        "a         GET      a.test  /a",
        "b         GET      b.test  /b",
    ]


def test_routes_command_shows_a_subdomain_column() -> None:
    app = Kettle(__name__, static_folder=None, subdomain_matching=True)
    app.add_url_rule("/a", subdomain="zz", endpoint="a")
    app.add_url_rule("/b", endpoint="b")
    result = CliRunner().invoke(KettleGroup(create_app=lambda: app), ["routes", "-s", "domain"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Endpoint  Methods  Subdomain  Rule",
        "--------  -------  ---------  ----",
        "b         GET                 /b",
        "a         GET      zz         /a",
    ]


def test_host_outside_server_name_has_the_invalid_subdomain() -> None:
    """Werkzeug's documented behaviour: a warning, and the subdomain reads ``<invalid>``,
    which a ``<name>`` subdomain rule matches (Flask's ``test_server_name_matching``)."""
    app = Kettle(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", defaults={"name": "default"})
    @app.route("/", subdomain="<name>")
    def index(name: str) -> str:
        return name

    client = app.test_client()
    assert client.get(base_url="http://example.test").text == "default"
    assert client.get(base_url="http://abc.example.test").text == "abc"
    with pytest.warns(UserWarning) as caught:
        assert client.get(base_url="http://xyz.other.test").text == "<invalid>"
    assert [str(w.message) for w in caught] == [
        "Current server name 'xyz.other.test' doesn't match configured server name 'example.test'"
    ]
