"""Live reload on the quickstart's own ``hello.html``: a valid HTML5 page with neither
``</body>`` nor ``</html>`` still gets the script, and a template edit reloads the tab."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kettle import Kettle, enable_live_reload, render_template

pytestmark = pytest.mark.browser

# docs/quickstart.md's template, word for word.
HELLO = """<!doctype html>
<title>Hello</title>
<h1>Hello {{ name }}!</h1>
<a href="{{ url_for('hello', name='world') }}">again</a>
"""


def test_template_edit_reloads_a_page_without_body_end_tag(
    browser: Any, serve_app: Any, tmp_path: Path
) -> None:
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "hello.html"
    template.write_text(HELLO)
    app = Kettle("hello", root_path=str(tmp_path))

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        return render_template("hello.html", name=name)

    live = enable_live_reload(app)
    base = serve_app(app)
    page = browser.new_page()
    try:
        page.goto(f"{base}/hello/Ada")
        assert page.inner_text("h1") == "Hello Ada!"
        deadline = time.monotonic() + 5
        while live.listeners() == 0:
            assert time.monotonic() < deadline, "the page's live reload stream never connected"
            time.sleep(0.02)
        template.write_text(HELLO.replace("Hello {{ name }}!", "Hi {{ name }}, edited."))
        page.wait_for_function(
            "document.querySelector('h1').textContent === 'Hi Ada, edited.'", timeout=5000
        )
    finally:
        page.close()
        live.stop()
