"""Request hooks, teardown, after_this_request, URL value hooks, and error handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kettle import Kettle, Response, abort, after_this_request, g, request, url_for
from kettle.web.exceptions import HTTPException, InternalServerError, NotFound
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def test_hook_order(make_client: MakeClient, app: Kettle) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")
        g.user = "ann"

    @app.after_request
    def after_one(response: Response) -> Response:
        calls.append("after1")
        response.headers["X-After"] = "1"
        return response

    @app.after_request
    def after_two(response: Response) -> Response:
        calls.append("after2")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc!r}")

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        calls.append("teardown_app")

    @app.route("/")
    def index() -> str:
        calls.append("view")

        @after_this_request
        def add_header(response: Response) -> Response:
            calls.append("this_request")
            response.headers["X-This"] = "yes"
            return response

        return f"hi {g.user}"

    response = make_client(app).get("/")
    assert response.get_data(as_text=True) == "hi ann"
    assert response.headers["X-After"] == "1"
    assert response.headers["X-This"] == "yes"
    assert calls == [
        "before",
        "view",
        "this_request",
        "after2",
        "after1",
        "teardown None",
        "teardown_app",
    ]


def test_before_request_can_short_circuit(make_client: MakeClient, app: Kettle) -> None:
    @app.before_request
    def block() -> Any:
        if request.path == "/private":
            return "blocked", 403
        return None

    @app.route("/private")
    def private() -> str:
        return "secret"

    response = make_client(app).get("/private")
    assert (response.status_code, response.get_data(as_text=True)) == (403, "blocked")


def test_before_request_runs_for_404_with_rule_unset(make_client: MakeClient, app: Kettle) -> None:
    seen: list[Any] = []

    @app.before_request
    def record() -> None:
        seen.append((request.url_rule, request.endpoint))

    assert make_client(app).get("/missing").status_code == 404
    assert seen == [(None, None)]


def test_error_handlers_by_code_and_class(make_client: MakeClient, app: Kettle) -> None:
    class PaymentError(Exception):
        pass

    class CardDeclined(PaymentError):
        pass

    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return f"custom 404: {error.code}", 404

    @app.errorhandler(PaymentError)
    def payment(error: PaymentError) -> tuple[str, int]:
        return f"payment: {type(error).__name__}", 402

    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> tuple[str, int]:
        return f"http {error.code}", error.code or 500

    @app.route("/pay")
    def pay() -> str:
        raise CardDeclined()

    @app.route("/teapot")
    def teapot() -> str:
        abort(418)

    client = make_client(app)
    assert client.get("/nothing").get_data(as_text=True) == "custom 404: 404"
    paid = client.get("/pay")
    assert (paid.status_code, paid.get_data(as_text=True)) == (402, "payment: CardDeclined")
    tea = client.get("/teapot")
    assert (tea.status_code, tea.get_data(as_text=True)) == (418, "http 418")


def test_unhandled_exception_is_500_and_handler_gets_original(
    make_client: MakeClient, app: Kettle
) -> None:
    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"500 from {type(error.original_exception).__name__}", 500

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("x")

    response = make_client(app).get("/boom")
    assert (response.status_code, response.get_data(as_text=True)) == (500, "500 from KeyError")


def test_testing_propagates_exceptions(app: Kettle) -> None:
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("no")

    with pytest.raises(ZeroDivisionError):
        app.test_client().get("/boom")


def test_teardown_receives_exception(app: Kettle) -> None:
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(type(exc).__name__ if exc else None))

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("x")

    assert app.test_client().get("/boom").status_code == 500
    assert seen == ["ValueError"]


@pytest.mark.parametrize("bad", [999, "text", ValueError("instance")], ids=["code", "str", "inst"])
def test_bad_error_handler_registration(app: Kettle, bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        app.register_error_handler(bad, lambda e: "x")


def test_url_value_preprocessor_and_defaults(make_client: MakeClient, app: Kettle) -> None:
    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = g.lang

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = values.pop("lang") if values else None

    @app.route("/<lang>/about")
    def about() -> str:
        return f"{g.lang} {url_for('about')}"

    assert make_client(app).get("/fr/about").get_data(as_text=True) == "fr /fr/about"
