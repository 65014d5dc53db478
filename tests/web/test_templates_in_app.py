"""Templates in the app: folders, context globals, filters/tests/globals, streaming, reload."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kettle import (
    Kettle,
    flash,
    g,
    render_template,
    render_template_string,
    session,
    stream_template,
    stream_template_string,
)
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def test_render_template_with_app_globals(make_client: MakeClient, app: Kettle) -> None:
    app.config["SITE"] = "Kettle site"

    @app.context_processor
    def extra() -> dict[str, str]:
        return {"version": "1.0"}

    @app.route("/page/<name>")
    def page(name: str) -> str:
        g.user = "ann"
        session["seen"] = "yes"
        flash("hello flash", "info")
        return render_template("page.html", name=name, items=["a", "<b>"])

    text = make_client(app).get("/page/x?q=1").get_data(as_text=True)
    assert text == (
        "<h1>Kettle site</h1>\n"
        "<p>x /page/x?q=1 ann yes 1.0</p>\n"
        '<a href="/page/y">y</a>\n'
        "<ul><li>a</li><li>&lt;b&gt;</li></ul>\n"
        "<p>info: hello flash</p>\n"
    )


def test_filters_tests_globals(make_client: MakeClient, app: Kettle) -> None:
    @app.template_filter()
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_test("even")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @app.template_global()
    def double(value: int) -> int:
        return value * 2

    app.add_url_rule(
        "/",
        "i",
        lambda: render_template_string("{{ 'abc'|reverse }} {{ 4 is even }} {{ double(21) }}"),
    )
    assert make_client(app).get("/").get_data(as_text=True) == "cba True 42"


def test_string_templates_autoescape(app: Kettle) -> None:
    with app.test_request_context():
        assert render_template_string("{{ v }}", v="<x>") == "&lt;x&gt;"


def test_txt_templates_do_not_autoescape(app: Kettle) -> None:
    with app.test_request_context():
        assert render_template("plain.txt", v="<x>") == "<x>"


def test_render_template_needs_an_app_context(app: Kettle) -> None:
    with pytest.raises(RuntimeError, match=r"^Working outside of application context\."):
        render_template("plain.txt", v="x")
    with app.app_context():
        assert render_template("plain.txt", v="<x>") == "<x>"


def test_stream_template(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/s")
    def streamed() -> Iterator[str]:
        return stream_template_string(
            "{% for i in items %}{{ i }}{{ request.path }};{% endfor %}", items=[1, 2]
        )

    @app.route("/f")
    def streamed_file() -> Iterator[str]:
        return stream_template("plain.txt", v="f")

    client = make_client(app)
    assert client.get("/s").get_data(as_text=True) == "1/s;2/s;"
    assert client.get("/f").get_data(as_text=True) == "f"


def test_auto_reload_in_debug(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    target = tmp_path / "templates" / "t.html"
    target.write_text("one")
    app = Kettle("reload_app", root_path=str(tmp_path))
    app.debug = True
    app.add_url_rule("/", "i", lambda: render_template("t.html"))
    client = app.test_client()
    assert client.get("/").get_data(as_text=True) == "one"
    time.sleep(0.01)
    target.write_text("two")
    stat = target.stat()
    os.utime(target, (stat.st_atime, stat.st_mtime + 5))
    assert client.get("/").get_data(as_text=True) == "two"


def test_context_processor_on_a_blueprint_only(make_client: MakeClient, app: Kettle) -> None:
    # The app has no context processor of its own (the shortcut that skips the merge
    # must not skip a blueprint's processors).
    from kettle import Blueprint

    source = "{{ from_bp|default('-') }}"

    @app.route("/v")
    def view() -> str:
        return render_template_string(source)

    bp = Blueprint("bp", __name__)

    @bp.route("/b")
    def in_bp() -> str:
        return render_template_string(source)

    bp.context_processor(lambda: {"from_bp": "bp"})
    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/v").get_data(as_text=True) == "-"
    assert client.get("/b").get_data(as_text=True) == "bp"
