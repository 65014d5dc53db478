"""Blueprints: prefixes, nesting, hooks, error handlers, static/template folders, options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kettle import Blueprint, Kettle, Response, g, render_template, request, url_for
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]
HERE = Path(__file__).parent


def make_admin() -> Blueprint:
    admin = Blueprint(
        "admin",
        __name__,
        url_prefix="/admin",
        template_folder="bp_pkg/templates",
        static_folder="bp_pkg/static",
    )

    @admin.before_request
    def mark() -> None:
        g.area = "admin"

    @admin.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Area"] = "admin"
        return response

    @admin.route("/")
    def index() -> str:
        return f"{g.area} {request.blueprint} {request.endpoint} {url_for('.users')}"

    @admin.route("/users")
    def users() -> str:
        return "users"

    @admin.route("/fail")
    def fail() -> str:
        raise LookupError("missing")

    @admin.errorhandler(LookupError)
    def lookup(error: LookupError) -> tuple[str, int]:
        return "admin lookup", 404

    @admin.route("/page")
    def page() -> str:
        return render_template("admin/page.html", who="you")

    return admin


def test_prefix_hooks_and_relative_url_for(make_client: MakeClient, app: Kettle) -> None:
    app.register_blueprint(make_admin())

    @app.route("/")
    def root() -> str:
        return f"{g.get('area')} {request.blueprint}"

    client = make_client(app)
    response = client.get("/admin/")
    assert response.get_data(as_text=True) == "admin admin admin.index /admin/users"
    assert response.headers["X-Area"] == "admin"
    plain = client.get("/")
    assert plain.get_data(as_text=True) == "None None"
    assert "X-Area" not in plain.headers


def test_blueprint_error_handler_is_scoped(make_client: MakeClient, app: Kettle) -> None:
    app.register_blueprint(make_admin())

    @app.route("/fail")
    def fail() -> str:
        raise LookupError("x")

    client = make_client(app)
    handled = client.get("/admin/fail")
    assert (handled.status_code, handled.get_data(as_text=True)) == (404, "admin lookup")
    assert client.get("/fail").status_code == 500


def test_blueprint_templates_and_static(make_client: MakeClient, app: Kettle) -> None:
    app.register_blueprint(make_admin())
    client = make_client(app)
    assert client.get("/admin/page").get_data(as_text=True) == "<p>admin page for you</p>"
    static = client.get("/admin/static/admin.css")
    assert static.status_code == 200
    assert static.get_data(as_text=True) == "body { color: red; }\n"


def test_register_options_and_twice_with_name(make_client: MakeClient, app: Kettle) -> None:
    bp = Blueprint("shop", __name__)

    @bp.route("/item")
    def item(**kwargs: Any) -> str:
        return f"{request.endpoint} {kwargs}"

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="shop2", url_defaults={"x": 1})
    with pytest.raises(ValueError, match="The name 'shop' is already registered"):
        app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/a/item").get_data(as_text=True) == "shop.item {}"
    assert client.get("/b/item").get_data(as_text=True) == "shop2.item {'x': 1}"


def test_nested_blueprints(make_client: MakeClient, app: Kettle) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    calls: list[str] = []

    @parent.before_request
    def parent_before() -> None:
        calls.append("parent")

    @child.before_request
    def child_before() -> None:
        calls.append("child")

    @parent.errorhandler(403)
    def forbidden(error: Any) -> tuple[str, int]:
        return "parent handles 403", 403

    @child.route("/deep")
    def deep() -> str:
        return f"{request.endpoint} {request.blueprints} {url_for('parent.child.deep')}"

    @child.route("/deny")
    def deny() -> str:
        from kettle import abort

        abort(403)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = make_client(app)
    assert client.get("/parent/child/deep").get_data(as_text=True) == (
        "parent.child.deep ['parent.child', 'parent'] /parent/child/deep"
    )
    assert calls == ["parent", "child"]
    assert client.get("/parent/child/deny").get_data(as_text=True) == "parent handles 403"


def test_app_wide_blueprint_hooks(make_client: MakeClient, app: Kettle) -> None:
    bp = Blueprint("tools", __name__)

    @bp.before_app_request
    def everywhere() -> None:
        g.tool = "on"

    @bp.app_template_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @bp.app_errorhandler(404)
    def missing(error: Any) -> tuple[str, int]:
        return "tools 404", 404

    app.register_blueprint(bp)

    @app.route("/")
    def index() -> str:
        from kettle import render_template_string

        return render_template_string("{{ g.tool|shout }}")

    client = make_client(app)
    assert client.get("/").get_data(as_text=True) == "ON!"
    assert client.get("/nope").get_data(as_text=True) == "tools 404"


@pytest.mark.parametrize(
    ("name", "message"), [("", "may not be empty"), ("a.b", "may not contain a dot")]
)
def test_bad_blueprint_names(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Blueprint(name, __name__)


def test_dotted_endpoint_rejected() -> None:
    bp = Blueprint("x", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")
