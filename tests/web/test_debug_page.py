"""The debug page (``DebugMiddleware``, debug mode only): the user's frames first and
expanded, framework frames folded, local variables with secrets masked and reprs capped,
the request with Cookie/Authorization masked, the template excerpt of a template error,
JSON for a request that prefers it, and every error logged on ``app.logger``."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kettle import Kettle, render_template, render_template_string, request, session
from kettle.web.debug import DebugMiddleware, is_framework_file, is_secret_name, prefers_json
from kettle.web.testing import KettleClient

LONG = "x" * 1000
RAISE_LINE = next(
    number
    for number, line in enumerate(Path(__file__).read_text().splitlines(), 1)
    if line.strip().startswith('raise ValueError(f"bad value')
)
PAGE = "<h1>Hello</h1>\n<p>\n{{ user.name }}\n</p>\n<footer>end</footer>"


@pytest.fixture
def debug_app(tmp_path: Path) -> Kettle:
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "broken.html").write_text("line one\n{% if x %}\n{{ x }\n{% endif %}")
    app = Kettle(__name__, template_folder=str(tmp_path))
    app.config.update(SECRET_KEY="test secret")

    @app.route("/boom", methods=["GET", "POST"])
    def boom() -> str:
        password = "hunter2"  # noqa: F841 - shown (masked) on the page
        api_token = "abc123"  # noqa: F841
        user_id = 42
        long_text = LONG  # noqa: F841
        session["user_id"] = user_id
        request.form.get("title")
        raise ValueError(f"bad value <{user_id}>")

    @app.route("/page")
    def page() -> str:
        return render_template("page.html")

    @app.route("/syntax")
    def syntax() -> str:
        return render_template("broken.html", x=1)

    @app.route("/chained")
    def chained() -> str:
        try:
            {}["missing"]
        except KeyError as error:
            raise RuntimeError("lookup failed") from error
        return "unreachable"

    app.debug = True
    app.wsgi_app = DebugMiddleware(app.wsgi_app, app)  # what app.run(debug=True) installs
    return app


def test_user_frames_first_and_framework_frames_folded(
    debug_app: Kettle, make_client: Callable[[Kettle], KettleClient]
) -> None:
    response = make_client(debug_app).get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<header><h1>ValueError</h1><p>bad value &lt;42&gt;</p></header>" in html
    user_frame = html.index(f'<div class="frame user"><div class="where">File "{__file__}"')
    summary = re.search(r'<details class="framework"><summary>(\d+) framework frames', html)
    assert summary is not None
    folded = summary.start()
    assert user_frame < folded
    # The framework's frames (Kettle's own modules) are all inside the folded part, as
    # many as the summary says (the request path's depth: WSGI entry, dispatch, errors).
    framework_part = html[folded : html.index("</details>", folded)]
    assert framework_part.count('<div class="frame framework">') == int(summary.group(1)) >= 4
    assert 'kettle/web/app.py", line' in framework_part
    assert "kettle/web/" not in html[:folded]
    assert (
        f'<span class="current">{RAISE_LINE:>5}          raise ValueError('
        "f&#34;bad value &lt;{user_id}&gt;&#34;)</span>" in html
    )


def test_locals_are_shown_masked_and_capped(debug_app: Kettle) -> None:
    html = debug_app.test_client().get("/boom").get_data(as_text=True)
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", html))
    assert rows["password"] == "******"
    assert rows["api_token"] == "******"
    assert rows["user_id"] == "42"
    assert rows["long_text"] == "&#39;" + "x" * 298 + "\u2026"
    assert "hunter2" not in html and "abc123" not in html


def test_request_section_masks_cookie_authorization_and_secret_fields(
    debug_app: Kettle, make_client: Callable[[Kettle], KettleClient]
) -> None:
    client = make_client(debug_app)
    response = client.post(
        "/boom?page=2&token=t0ps3cret",
        data={"title": "Hi", "password": "pw-value"},
        headers={"Authorization": "Bearer s3cr3t", "Cookie": "theme=dark"},
    )
    html = response.get_data(as_text=True)
    request_part = html[html.index('<section class="request">') :]
    assert re.search(
        r'<h2>Request</h2><p class="where">POST http://[^/]+/boom\?page=2&amp;token=t0ps3cret</p>',
        request_part,
    )
    assert "<tr><th>Authorization</th><td>******</td></tr>" in request_part
    assert "<tr><th>Cookie</th><td>******</td></tr>" in request_part
    assert "<tr><th>Content-Type</th><td>application/x-www-form-urlencoded</td></tr>" in (
        request_part
    )
    assert '<h3>Query arguments</h3><table class="args"><tr><th>page</th><td>2</td></tr>' in (
        request_part
    )
    assert "<tr><th>token</th><td>******</td></tr>" in request_part
    assert (
        '<h3>Form</h3><table class="form"><tr><th>title</th><td>Hi</td></tr>'
        "<tr><th>password</th><td>******</td></tr></table>"
    ) in request_part
    assert "<p>Session keys: user_id</p>" in request_part
    assert "s3cr3t" not in html and "pw-value" not in html and "dark" not in html


def test_template_runtime_error_shows_template_line_and_source_at_the_top(
    debug_app: Kettle,
) -> None:
    html = debug_app.test_client().get("/page").get_data(as_text=True)
    assert (
        "<header><h1>UndefinedError</h1><p>&#39;user&#39; is undefined (page.html, line 3)"
        "</p></header><main>"
        '<section class="template-error"><h2>Template page.html, line 3</h2><pre>'
        "    1  &lt;h1&gt;Hello&lt;/h1&gt;\n"
        "    2  &lt;p&gt;\n"
        '<span class="current">    3  {{ user.name }}</span>\n'
        "    4  &lt;/p&gt;\n"
        "    5  &lt;footer&gt;end&lt;/footer&gt;</pre></section>"
    ) in html
    assert '<div class="frame user template"><div class="where">Template "' in html


def test_template_syntax_error_shows_template_line_and_source(debug_app: Kettle) -> None:
    html = debug_app.test_client().get("/syntax").get_data(as_text=True)
    assert "<header><h1>TemplateSyntaxError</h1><p>unexpected &#39;}&#39;</p></header>" in html
    assert (
        '<section class="template-error"><h2>Template broken.html, line 3</h2><pre>'
        "    1  line one\n"
        "    2  {% if x %}\n"
        '<span class="current">    3  {{ x }</span>\n'
        "    4  {% endif %}</pre></section>"
    ) in html


def test_chained_exceptions_show_the_cause_first(debug_app: Kettle) -> None:
    html = debug_app.test_client().get("/chained").get_data(as_text=True)
    cause = html.index("<h2>KeyError: &#39;missing&#39;</h2>")
    final = html.index("<h2>RuntimeError: lookup failed</h2>")
    assert cause < final


@pytest.mark.parametrize(
    ("accept", "as_json"),
    [
        ("application/json", True),
        ("application/json, text/plain, */*", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        ("", False),
        ("text/html;q=0.5, application/json;q=0.9", True),
        ("application/json;q=0.5, text/html", False),
    ],
    ids=["json", "axios", "browser", "any", "none", "json-preferred", "html-preferred"],
)
def test_prefers_json_rule(accept: str, as_json: bool) -> None:
    assert prefers_json(accept) is as_json


def test_json_body_for_a_request_preferring_json(
    debug_app: Kettle, make_client: Callable[[Kettle], KettleClient]
) -> None:
    response = make_client(debug_app).post(
        "/boom?page=2", data={"password": "pw"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert (document["error"], document["message"]) == ("ValueError", "bad value <42>")
    assert document["template"] is None
    user = [frame for frame in document["frames"] if frame["user"]]
    assert [(frame["function"], frame["line"]) for frame in user] == [("boom", RAISE_LINE)]
    assert user[0]["code"] == '        raise ValueError(f"bad value <{user_id}>")'
    assert user[0]["locals"]["password"] == "******"
    assert user[0]["locals"]["user_id"] == "42"
    assert document["request"]["method"] == "POST"
    assert document["request"]["args"] == {"page": "2"}
    assert document["request"]["form"] == {"password": "******"}
    assert document["request"]["session_keys"] == ["user_id"]


def test_json_template_error(debug_app: Kettle) -> None:
    response = debug_app.test_client().get("/page", headers={"Accept": "application/json"})
    document = json.loads(response.get_data(as_text=True))
    assert document["message"] == "'user' is undefined (page.html, line 3)"
    assert document["template"] == {
        "name": "page.html",
        "line": 3,
        "source": [[1, "<h1>Hello</h1>"], [2, "<p>"], [3, "{{ user.name }}"], [4, "</p>"],
                   [5, "<footer>end</footer>"]],
    }  # fmt: skip


def test_every_error_is_logged_with_its_traceback(
    debug_app: Kettle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=debug_app.name):
        debug_app.test_client().get("/boom?x=1")
    records = [record for record in caplog.records if record.name == debug_app.name]
    assert [record.getMessage() for record in records] == ["Exception on /boom [GET]"]
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is ValueError


def test_no_debug_page_outside_debug_mode(debug_app: Kettle) -> None:
    debug_app.debug = False
    response = debug_app.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "hunter2" not in text and "frame" not in text


def test_page_has_no_script_or_form(debug_app: Kettle) -> None:
    html = debug_app.test_client().get("/boom").get_data(as_text=True).lower()
    assert "<script" not in html and "<form" not in html and "<input" not in html


def test_template_string_error_source_comes_from_the_template(debug_app: Kettle) -> None:
    @debug_app.route("/inline")
    def inline() -> str:
        return render_template_string("first\n{{ 1 // 0 }}\nlast")

    html = debug_app.test_client().get("/inline").get_data(as_text=True)
    assert "<p>integer division or modulo by zero (&lt;template&gt;, line 2)</p>" in html
    assert '<span class="current">    2  {{ 1 // 0 }}</span>' in html


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True), ("db_passwd", True), ("SECRET_KEY", True), ("api_key", True),
        ("key", True), ("csrf_token", True), ("auth_header", True), ("monkey", False),
        ("keyboard", False), ("user_id", False), ("title", False),
    ],
)  # fmt: skip
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_framework_files() -> None:
    assert is_framework_file(logging.__file__)
    assert is_framework_file(pytest.__file__)
    assert is_framework_file(DebugMiddleware.__call__.__code__.co_filename)
    assert not is_framework_file(__file__)


def test_bad_form_key_is_logged_and_shown(
    debug_app: Kettle, caplog: pytest.LogCaptureFixture
) -> None:
    @debug_app.post("/form")
    def form() -> str:
        return request.form["missing"]

    with caplog.at_level(logging.ERROR, logger=debug_app.name):
        response = debug_app.test_client().post("/form", data={"present": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<header><h1>BadRequestKeyError</h1>" in html
    assert '<table class="form"><tr><th>present</th><td>1</td></tr></table>' in html
    records = [record for record in caplog.records if record.name == debug_app.name]
    assert [record.getMessage() for record in records] == ["Exception on /form [POST]"]


def test_plain_wsgi_app_error_goes_to_wsgi_errors() -> None:
    def failing(environ: dict[str, object], start_response: object) -> list[bytes]:
        raise LookupError("no such row")

    errors = io.StringIO()
    middleware = DebugMiddleware(failing)
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/rows/1", "wsgi.errors": errors}
    body = b"".join(middleware(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["500 INTERNAL SERVER ERROR"]
    assert b"<header><h1>LookupError</h1><p>no such row</p></header>" in body
    logged = errors.getvalue()
    assert logged.startswith("Exception on /rows/1 [GET]\nTraceback (most recent call last):\n")
    assert logged.endswith("LookupError: no such row\n")
