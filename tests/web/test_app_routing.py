"""Routes on the app: methods, converters, 404/405/Allow, HEAD/OPTIONS, slashes, url_for."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from kettle import Kettle, request, url_for
from kettle.web.routing import BaseConverter
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def build(app: Kettle) -> Kettle:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.get("/items")
    def list_items() -> str:
        return "list"

    @app.post("/items")
    def create_item() -> tuple[str, int]:
        return "created", 201

    @app.put("/items/<int:item_id>")
    def put_item(item_id: int) -> str:
        return f"put {item_id}"

    @app.delete("/items/<int:item_id>")
    def delete_item(item_id: int) -> str:
        return f"deleted {item_id}"

    @app.patch("/items/<int:item_id>")
    def patch_item(item_id: int) -> str:
        return f"patched {item_id}"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return f"user {name}"

    @app.route("/num/<float:x>")
    def num(x: float) -> str:
        return repr(x)

    @app.route("/files/<path:p>")
    def files(p: str) -> str:
        return p

    @app.route("/u/<uuid:u>")
    def by_uuid(u: uuid.UUID) -> str:
        return type(u).__name__ + " " + str(u)

    @app.route("/pick/<any(red, blue):color>")
    def pick(color: str) -> str:
        return color

    @app.route("/docs/")
    def docs() -> str:
        return "docs"

    @app.route("/both", methods=["GET", "POST"])
    def both() -> str:
        return request.method

    return app


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/", 200, "index"),
        ("GET", "/items", 200, "list"),
        ("POST", "/items", 201, "created"),
        ("PUT", "/items/3", 200, "put 3"),
        ("DELETE", "/items/3", 200, "deleted 3"),
        ("PATCH", "/items/3", 200, "patched 3"),
        ("GET", "/user/z%C3%BCrich", 200, "user zürich"),
        ("GET", "/num/2.5", 200, "2.5"),
        ("GET", "/files/a/b/c.txt", 200, "a/b/c.txt"),
        (
            "GET",
            "/u/12345678-1234-5678-1234-567812345678",
            200,
            "UUID 12345678-1234-5678-1234-567812345678",
        ),
        ("GET", "/pick/blue", 200, "blue"),
        ("POST", "/both", 200, "POST"),
        ("GET", "/both", 200, "GET"),
    ],
)
def test_routes_dispatch(
    make_client: MakeClient, app: Kettle, method: str, path: str, status: int, body: str
) -> None:
    client = make_client(build(app))
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.get_data(as_text=True) == body


def test_unknown_path_is_404(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(build(app)).get("/nope")
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(build(app)).delete("/items")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_is_automatic_and_has_no_body(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(build(app)).head("/items")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "4"


def test_options_is_automatic(make_client: MakeClient, app: Kettle) -> None:
    response = make_client(build(app)).options("/items/1")
    assert response.status_code == 200
    assert response.headers["Allow"] == "DELETE, OPTIONS, PATCH, PUT"


def test_missing_slash_redirects_308(make_client: MakeClient, app: Kettle) -> None:
    client = make_client(build(app))
    response = client.get("/docs?x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/docs/?x=1"
    followed = client.get("/docs", follow_redirects=True)
    assert followed.get_data(as_text=True) == "docs"
    assert [r.status_code for r in followed.history] == [308]


def test_converter_rejection_is_404(make_client: MakeClient, app: Kettle) -> None:
    client = make_client(build(app))
    assert client.get("/pick/green").status_code == 404
    assert client.get("/num/3").status_code == 404


def test_custom_converter(make_client: MakeClient, app: Kettle) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split("+")

        def to_url(self, value: list[str]) -> str:
            return "+".join(value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> str:
        return f"{len(tags)}:{url_for('tags', tags=tags)}"

    assert make_client(app).get("/tags/a+b+c").get_data(as_text=True) == "3:/tags/a+b+c"


def test_url_for_variants(app: Kettle) -> None:
    build(app)

    @app.route("/post/<int:post_id>", methods=["GET"])
    def show_post(post_id: int) -> str:
        return ""

    @app.route("/post/<int:post_id>", methods=["POST"], endpoint="edit_post")
    def edit_post(post_id: int) -> str:
        return ""

    with app.test_request_context("/", base_url="http://example.com/app"):
        assert url_for("index") == "/app/"
        assert url_for("show_post", post_id=3) == "/app/post/3"
        assert url_for("show_post", post_id=3, q="a b", tag=["x", "y"]) == (
            "/app/post/3?q=a+b&tag=x&tag=y"
        )
        assert url_for("show_post", post_id=3, _anchor="c 1") == "/app/post/3#c%201"
        assert url_for("show_post", post_id=3, _external=True) == "http://example.com/app/post/3"
        assert url_for("show_post", post_id=3, _scheme="https", _external=True) == (
            "https://example.com/app/post/3"
        )
        assert url_for("edit_post", post_id=4, _method="POST") == "/app/post/4"
        assert url_for("static", filename="a.css") == "/app/static/a.css"
        with pytest.raises(ValueError, match="'_external' must be True"):
            url_for("index", _scheme="https", _external=False)


def test_url_for_build_error(app: Kettle) -> None:
    build(app)
    with (
        app.test_request_context("/"),
        pytest.raises(Exception, match="Could not build url for endpoint 'user'"),
    ):
        url_for("user")


def test_url_for_outside_request_needs_server_name(app: Kettle) -> None:
    build(app)
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("index")
    app.config.update(SERVER_NAME="example.org", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        assert url_for("user", name="x") == "https://example.org/user/x"


def test_duplicate_endpoint_is_rejected(app: Kettle) -> None:
    @app.route("/a")
    def view() -> str:
        return "a"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: view"):

        @app.route("/b", endpoint="view")
        def other() -> str:
            return "b"


def test_methods_as_string_is_rejected(app: Kettle) -> None:
    with pytest.raises(TypeError, match="Allowed methods must be a list of strings"):
        app.add_url_rule("/x", "x", lambda: "x", methods="GET")


def test_route_after_first_request_is_rejected(app: Kettle) -> None:
    build(app)
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="already handled its first request"):
        app.add_url_rule("/late", "late", lambda: "late")


def test_add_url_rule_and_endpoint_decorator(make_client: MakeClient, app: Kettle) -> None:
    app.add_url_rule("/plain", "plain")

    @app.endpoint("plain")
    def plain() -> str:
        return "via endpoint"

    assert make_client(app).get("/plain").get_data(as_text=True) == "via endpoint"


def test_subdomain_routes(make_client: MakeClient) -> None:
    from kettle import Blueprint

    app = Kettle(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index() -> str:
        return f"main {url_for('user_home', user='bo')}"

    @app.route("/", subdomain="<user>")
    def user_home(user: str) -> str:
        return f"home of {user} {url_for('index')}"

    api = Blueprint("api", __name__, subdomain="api")

    @api.route("/v1")
    def v1() -> str:
        return "api v1"

    app.register_blueprint(api)
    client = make_client(app)
    assert client.get("/", "http://example.test").get_data(as_text=True) == (
        "main http://bo.example.test/"
    )
    assert client.get("/", "http://ann.example.test").get_data(as_text=True) == (
        "home of ann http://example.test/"
    )
    assert client.get("/v1", "http://api.example.test").get_data(as_text=True) == "api v1"
    assert client.get("/v1", "http://example.test").status_code == 404
    # A Host not below SERVER_NAME has the subdomain "<invalid>", with Werkzeug's warning.
    with pytest.warns(UserWarning, match="doesn't match configured server name 'example.test'"):
        assert client.get("/v1", "http://api.other.host").status_code == 404


def test_overridden_url_adapter_factory_binds_each_request(make_client: MakeClient) -> None:
    # The common path matches without an adapter; an app that overrides the factory
    # still gets it called for every request, before dispatch, and matched through it.
    bound: list[str] = []

    class RecordingKettle(Kettle):
        def create_url_adapter(self, request: object) -> object:
            adapter = super().create_url_adapter(request)  # type: ignore[arg-type]
            if request is not None:
                bound.append(adapter.path_info)  # type: ignore[union-attr]
            return adapter

    app = RecordingKettle(__name__)

    @app.route("/seen/<int:n>")
    def seen(n: int) -> str:
        return f"{n} {bound}"

    client = make_client(app)
    assert client.get("/seen/7").get_data(as_text=True) == "7 ['/seen/7']"
    assert client.get("/nowhere").status_code == 404
    assert bound == ["/seen/7", "/nowhere"]


def test_url_adapter_bound_on_first_use_matches_eager_binding(app: Kettle) -> None:
    app.config["SERVER_NAME"] = "example.test:8080"

    @app.route("/page/<name>")
    def page(name: str) -> str:
        return url_for("page", name=name, _external=True)

    base = "http://example.test:8080/root"
    with app.test_request_context("/page/x", base_url=base) as ctx:
        assert ctx.url_adapter is not None
        assert ctx.url_adapter.server_name == "example.test:8080"
        assert ctx.url_adapter.script_name == "/root/"
        assert url_for("page", name="y") == "/root/page/y"
    client = app.test_client()
    response = client.get("/page/z", base_url=base)
    assert response.get_data(as_text=True) == "http://example.test:8080/root/page/z"


# -- matching without a bound adapter, remembered by the raw environ ------------------------


def _match_app() -> Kettle:
    app = Kettle(__name__)

    @app.route("/seen/<int:n>")
    def seen(n: int) -> str:
        return f"{n} {request.path} {request.method} {request.view_args}"

    @app.route("/fixed")
    def fixed() -> str:
        request.view_args["changed"] = True  # each request gets its own dict
        return f"{request.path} {request.method}"

    return app


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/fixed", "/fixed GET"),
        ("get", "/fixed", "/fixed GET"),
        ("HEAD", "/fixed", ""),
        ("GET", "//fixed", "/fixed GET"),
        ("GET", "/seen/7", "7 /seen/7 GET {'n': 7}"),
        ("GET", "/seen/x", "404"),
        ("POST", "/fixed", "405"),
        ("GET", "/caf\u00e9", "404"),
    ],
    ids=["fixed", "lower-case-method", "head", "leading-slashes", "converter", "rejected",
         "wrong-method", "non-ascii"],
)  # fmt: skip
def test_a_request_seen_before_matches_as_the_first_time(
    method: str, path: str, expected: str
) -> None:
    """The second request with the same raw PATH_INFO and method is answered from
    ``Matcher.by_environ``, and alike, with ``request.path``/``method`` as Request makes
    them."""
    app = _match_app()
    client = app.test_client()
    answers = []
    for _ in range(2):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": method}
        response = client.open(path, method=method.upper(), environ_overrides=environ)
        status = response.status_code
        answers.append(response.text if status == 200 else str(status))
    assert answers == [expected, expected]
    seen = app.url_map.matcher.by_environ
    assert len(seen) == (1 if path.isascii() else 0)  # a non-ASCII path is not kept


def test_the_remembered_match_is_per_request_class_and_default_subdomain() -> None:
    app = _match_app()

    class Custom(app.request_class):  # type: ignore[name-defined,misc]
        @property
        def path(self) -> str:  # type: ignore[override]
            return "/seen/1"

    client = app.test_client()
    assert client.get("/fixed").text == "/fixed GET"
    app.request_class = Custom
    assert client.get("/fixed").text == "1 /seen/1 GET {'n': 1}"
    assert len(app.url_map.matcher.by_environ) == 1  # the custom path is not remembered
    app.request_class = Kettle.request_class
    assert client.get("/fixed").text == "/fixed GET"
    app.url_map.default_subdomain = "www"  # the rule's subdomain is "": no match now
    assert client.get("/fixed").status_code == 404
    assert len(app.url_map.matcher.by_environ) == 2


def test_a_rule_added_later_drops_the_remembered_matches() -> None:
    app = _match_app()
    client = app.test_client()
    assert client.get("/late").status_code == 404
    matcher = app.url_map.matcher
    assert len(matcher.by_environ) == 1
    app.url_map.add(app.url_rule_class("/late", endpoint="fixed"))
    assert app.url_map.matcher is not matcher
    assert client.get("/late").text == "/late GET"


def test_a_request_with_its_path_already_set_is_matched_on_it() -> None:
    app = _match_app()
    app.test_client().get("/fixed")  # remembered
    with app.test_request_context("/fixed") as ctx:
        ctx.pop()
        ctx.request.path = "/seen/3"  # e.g. set by a middleware-like wrapper
        ctx._matched = False
        ctx.push()
        assert ctx.request.url_rule is not None
        assert ctx.request.url_rule.rule == "/seen/<int:n>"


def test_the_remembered_matches_are_bounded() -> None:
    from kettle.web.routing import matcher as matcher_module

    app = _match_app()
    client = app.test_client()
    for n in range(matcher_module._CACHE_LIMIT + 5):
        assert client.get(f"/seen/{n}").status_code == 200
    assert len(app.url_map.matcher.by_environ) == 5
