"""Flask's debug helpers (``kettle.web.debughelpers``, ``flask.debughelpers``): the enctype
explanation on ``request.files``, the routing redirect that would drop form data, and the
``EXPLAIN_TEMPLATE_LOADING`` log. Each runs through the test client and the real server."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import kettle.flask as flask
from kettle.templates import TemplateNotFound
from kettle.web.app import Kettle
from kettle.web.blueprints import Blueprint
from kettle.web.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    UnexpectedUnicodeError,
)
from kettle.web.globals import request
from kettle.web.request import RequestArgs
from kettle.web.routing import RequestRedirect
from kettle.web.templating import render_template
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]

ENCTYPE_TEXT = (
    "The view asked for the uploaded file 'doc' in request.files, but there is no such"
    " file: the request's mimetype is 'application/x-www-form-urlencoded', not"
    " 'multipart/form-data', so no file contents were transmitted. Add"
    ' enctype="multipart/form-data" to the HTML form that sends the file.'
)
SUBMITTED_TEXT = (
    "\n\nWhat the browser sent under that name is the file name, as a plain form field."
    " This was submitted: "
)


def test_exported_as_flask_debughelpers() -> None:
    assert flask.debughelpers.DebugFilesKeyError is DebugFilesKeyError
    assert flask.debughelpers.FormDataRoutingRedirect is FormDataRoutingRedirect
    assert "debughelpers" in flask.__all__
    assert DebugFilesKeyError.__bases__ == (KeyError, AssertionError)
    assert FormDataRoutingRedirect.__bases__ == (AssertionError,)
    assert UnexpectedUnicodeError.__bases__ == (AssertionError, UnicodeError)


# -- request.files in debug mode ----------------------------------------------------------


def files_app(debug: bool) -> Kettle:
    app = Kettle(__name__)
    app.debug = debug

    @app.post("/upload")
    def upload() -> str:
        if request.args.get("form_first"):
            assert request.form["doc"]
        return str(request.files["doc"].filename)

    @app.post("/kind")
    def kind() -> str:
        files = request.files
        return f"{type(files).__name__} {files.get('doc')} {'doc' in files} {len(files)}"

    @app.errorhandler(DebugFilesKeyError)
    def explain(error: DebugFilesKeyError) -> tuple[str, int]:
        return f"{type(error).__name__} {error.args[0]!r}\n{error}", 500

    return app


def test_enctype_error_names_the_submitted_file_name(make_client: MakeClient) -> None:
    response = make_client(files_app(True)).post("/upload", data={"doc": "index.txt"})
    assert response.status_code == 500
    assert response.text == f"DebugFilesKeyError 'doc'\n{ENCTYPE_TEXT}{SUBMITTED_TEXT}'index.txt'"


def test_enctype_error_lists_every_value(make_client: MakeClient) -> None:
    client = make_client(files_app(True))
    response = client.post("/upload?form_first=1", data={"doc": ["a.txt", "b.txt"]})
    assert response.status_code == 500
    assert response.text.endswith(f"{SUBMITTED_TEXT}'a.txt', 'b.txt'")


def test_enctype_error_message_without_form_values() -> None:
    app = files_app(True)
    with app.test_request_context("/upload", method="POST", data={"doc": ""}):
        error = DebugFilesKeyError(request._get_current_object(), "other")
    assert str(error).startswith("The view asked for the uploaded file 'other' in")
    assert str(error).endswith(
        'enctype="multipart/form-data" to the HTML form that sends the file.'
    )


def test_enctype_error_raised_from_the_view_in_debug_mode() -> None:
    app = Kettle(__name__)
    app.debug = True

    @app.post("/upload")
    def upload() -> str:
        return str(request.files["doc"].filename)

    with pytest.raises(DebugFilesKeyError) as caught:
        app.test_client().post("/upload", data={"doc": "index.txt"})
    assert str(caught.value) == f"{ENCTYPE_TEXT}{SUBMITTED_TEXT}'index.txt'"


@pytest.mark.parametrize(
    ("debug", "data", "content_type"),
    [
        (False, {"doc": "index.txt"}, None),
        (True, {"other": "x"}, None),
        (True, {"doc": "index.txt"}, "multipart/form-data"),
    ],
    ids=["debug-off", "key-not-in-form", "multipart-without-file"],
)
def test_missing_file_stays_a_400(
    make_client: MakeClient, debug: bool, data: dict[str, str], content_type: str | None
) -> None:
    app = files_app(debug)
    # Debug mode traps key errors by default; untrapped, a missing file is Flask's 400.
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    response = make_client(app).post("/upload", data=data, content_type=content_type)
    assert response.status_code == 400


def test_checked_files_keep_their_name_and_mapping_api(make_client: MakeClient) -> None:
    client = make_client(files_app(True))
    # Flask's name: the debug wrapper is named after the class it wraps.
    assert client.post("/kind", data={"doc": "x"}).text == "ImmutableMultiDict None False 0"
    upload = {"doc": (io.BytesIO(b"body"), "real.txt")}
    assert client.post("/upload", data=upload).text == "real.txt"


def test_files_are_not_wrapped_outside_debug_mode() -> None:
    app = files_app(False)
    with app.test_request_context("/kind", method="POST", data={"doc": "x"}):
        assert type(request.files) is RequestArgs
    app.debug = True
    with app.test_request_context("/kind", method="POST", data={"doc": "x"}):
        assert type(request.files) is not RequestArgs
        assert isinstance(request.files, RequestArgs)
    with app.test_request_context("/kind", method="POST", json={"doc": "x"}):
        assert type(request.files) is RequestArgs


# -- routing redirects in debug mode ------------------------------------------------------


def redirect_app(debug: bool) -> Kettle:
    app = Kettle(__name__)
    app.debug = debug

    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return str(request.form.get("status", "no form"))

    @app.errorhandler(FormDataRoutingRedirect)
    def explain(error: FormDataRoutingRedirect) -> tuple[str, int]:
        return f"{request.base_url}\n{error}", 500

    return app


def test_308_redirect_keeps_the_form(make_client: MakeClient) -> None:
    client = make_client(redirect_app(True))
    response = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert response.text == "kept"


def test_301_redirect_of_a_post_raises_in_debug_mode(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RequestRedirect, "code", 301)
    response = make_client(redirect_app(True)).post("/user?x=1", data={"status": "lost"})
    assert response.status_code == 500
    base_url, _, text = response.text.partition("\n")
    assert base_url.endswith("/user")
    assert text == (
        f"The request to '{base_url}?x=1' was answered by routing with a redirect to the"
        f" canonical URL '{base_url}/?x=1'. That rule is defined with a trailing slash, and"
        " a URL without it redirects to the one with it. Browsers follow this redirect"
        " without the form data. Send the request to the canonical URL, or make routing"
        " redirects use 307 or 308, which keep the method and body.\n\nThis error is"
        " raised in debug mode only."
    )


def test_debug_redirect_error_propagates_from_the_test_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RequestRedirect, "code", 302)
    app = Kettle(__name__)
    app.debug = True
    app.add_url_rule("/user/", "user", lambda: "ok", methods=["POST"])
    with pytest.raises(FormDataRoutingRedirect) as caught:
        app.test_client().post("/user", data={"status": "lost"})
    assert "canonical URL 'http://localhost/user/'" in str(caught.value)


@pytest.mark.parametrize(
    ("debug", "code", "method", "expected"),
    [
        (False, 301, "POST", 301),
        (True, 301, "GET", 301),
        (True, 302, "HEAD", 302),
        (True, 301, "OPTIONS", 301),
        (True, 307, "POST", 307),
        (True, 308, "PUT", 308),
    ],
    ids=["debug-off", "get", "head", "options", "307", "308"],
)
def test_redirects_that_keep_their_status(
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
    debug: bool,
    code: int,
    method: str,
    expected: int,
) -> None:
    monkeypatch.setattr(RequestRedirect, "code", code)
    app = redirect_app(debug)
    app.add_url_rule("/any/", "any", lambda: "any", methods=["GET", "POST", "PUT", "OPTIONS"])
    response = make_client(app).open("/any", method=method)
    assert response.status_code == expected
    assert response.headers["Location"].endswith("/any/")


def test_form_data_redirect_needs_a_redirect() -> None:
    app = Kettle(__name__)
    with (
        app.test_request_context("/nowhere", method="POST"),
        pytest.raises(TypeError, match="needs a request whose routing_exception"),
    ):
        FormDataRoutingRedirect(request._get_current_object())


# -- EXPLAIN_TEMPLATE_LOADING -------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


@pytest.fixture
def records() -> Records:
    return Records()


def template_app(tmp_path: Path, records: Records, explain: bool = True) -> Kettle:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("app page", encoding="utf-8")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "page.html").write_text("shop page", encoding="utf-8")
    (tmp_path / "shop" / "cart.html").write_text("cart", encoding="utf-8")
    app = Kettle("explained", root_path=str(tmp_path))
    app.config["EXPLAIN_TEMPLATE_LOADING"] = explain
    shop = Blueprint("shop", "shops.pkg", template_folder="shop", root_path=str(tmp_path))

    @shop.route("/<name>")
    def show(name: str) -> str:
        return render_template(name)

    @app.errorhandler(TemplateNotFound)
    def missing(error: TemplateNotFound) -> tuple[str, int]:
        return f"missing {error.name}", 404

    app.register_blueprint(shop)
    app.logger.addHandler(records)
    app.logger.setLevel(logging.INFO)
    return app


def loader_lines(number: int, source: str, folder: Path, result: str) -> str:
    return (
        f"{number:5}: trying loader of {source}\n"
        "       class: kettle.templates.loaders.FileSystemLoader\n"
        "       encoding: 'utf-8'\n"
        "       followlinks: False\n"
        "       searchpath:\n"
        f"         - {folder}\n"
        f"       -> {result}"
    )


@pytest.fixture
def clean_logger() -> Iterator[None]:
    yield
    logger = logging.getLogger("explained")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


@pytest.mark.usefixtures("clean_logger")
def test_one_match_is_explained(make_client: MakeClient, tmp_path: Path, records: Records) -> None:
    client = make_client(template_app(tmp_path, records))
    assert client.get("/cart.html").text == "cart"
    app_folder, shop_folder = tmp_path / "templates", tmp_path / "shop"
    assert records.lines == [
        (
            "INFO",
            "Locating template 'cart.html':\n"
            + loader_lines(1, "application 'explained'", app_folder, "no match")
            + "\n"
            + loader_lines(
                2,
                "blueprint 'shop' (shops.pkg)",
                shop_folder,
                f"found ({str(shop_folder / 'cart.html')!r})",
            ),
        )
    ]


@pytest.mark.usefixtures("clean_logger")
def test_missing_template_from_a_blueprint_endpoint(
    make_client: MakeClient, tmp_path: Path, records: Records
) -> None:
    response = make_client(template_app(tmp_path, records)).get("/nope.html")
    assert (response.status_code, response.text) == (404, "missing nope.html")
    app_folder, shop_folder = tmp_path / "templates", tmp_path / "shop"
    assert records.lines == [
        (
            "INFO",
            "Locating template 'nope.html':\n"
            + loader_lines(1, "application 'explained'", app_folder, "no match")
            + "\n"
            + loader_lines(2, "blueprint 'shop' (shops.pkg)", shop_folder, "no match")
            + "\nError: the template could not be found.\n"
            "  The template was looked up from an endpoint that belongs to the blueprint"
            " 'shop'; a blueprint's templates are searched in its template_folder after the"
            " application's.\n"
            "  Is the template in the right folder?\n"
            "  See https://flask.palletsprojects.com/blueprints/#templates",
        )
    ]


@pytest.mark.usefixtures("clean_logger")
def test_several_matches_warn_and_the_app_wins(tmp_path: Path, records: Records) -> None:
    app = template_app(tmp_path, records)
    with app.app_context():
        assert render_template("page.html") == "app page"
    app_folder, shop_folder = tmp_path / "templates", tmp_path / "shop"
    assert records.lines == [
        (
            "INFO",
            "Locating template 'page.html':\n"
            + loader_lines(
                1,
                "application 'explained'",
                app_folder,
                f"found ({str(app_folder / 'page.html')!r})",
            )
            + "\n"
            + loader_lines(
                2,
                "blueprint 'shop' (shops.pkg)",
                shop_folder,
                f"found ({str(shop_folder / 'page.html')!r})",
            )
            + "\nWarning: 2 loaders found the template; the first one wins.",
        )
    ]


@pytest.mark.usefixtures("clean_logger")
def test_no_explanation_unless_configured(
    make_client: MakeClient, tmp_path: Path, records: Records
) -> None:
    client = make_client(template_app(tmp_path, records, explain=False))
    assert client.get("/cart.html").text == "cart"
    assert client.get("/nope.html").status_code == 404
    assert records.lines == []
