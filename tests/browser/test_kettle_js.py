"""kettle.js on its own: every fragment op, and a fetch-submitted form whose JSON answer
is a list of fragments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from kettle.realtime.fragments import append, dumps, prepend, remove, replace
from kettle.realtime.static import static_app

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html><html><head><script src="/static/kettle.js"></script></head><body>
<ul id="list"><li id="b">b</li></ul><p id="gone">x</p><p id="old">old</p>
<form id="f" data-kettle method="post" action="/submit"><input name="who" value="Ada">
<button>go</button></form></body></html>"""


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path.startswith("/static/"):
        return static_app({**environ, "PATH_INFO": path[len("/static") :]}, start_response)
    if path == "/submit":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size).decode()
        who = "Ada" if 'name="who"' in body and "Ada" in body else "?"
        reply = dumps([append("list", f"<li id='posted'>posted by {who}</li>")]).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [reply]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [PAGE]


def test_fragment_ops_and_fetch_form(browser: Any, serve_app: Any) -> None:
    base = serve_app(app)
    page = browser.new_page()
    try:
        page.goto(f"{base}/")
        fragments = [
            prepend("list", "<li id='a'>a</li>").to_dict(),
            append("list", "<li id='c'>c</li>").to_dict(),
            remove("gone").to_dict(),
            replace("old", "<p id='new'>new</p>").to_dict(),
            {"op": "replace", "target": "missing", "html": "ignored"},
        ]
        applied = page.evaluate(f"Kettle.apply({json.dumps(json.dumps(fragments))})")
        assert applied == 4
        assert page.eval_on_selector_all("#list li", "els => els.map(e => e.id)") == [
            "a",
            "b",
            "c",
        ]
        assert page.query_selector("#gone") is None
        assert page.inner_text("#new") == "new"
        page.click("#f button")
        posted = page.wait_for_selector("#posted", timeout=2000)
        assert posted.inner_text() == "posted by Ada"
        assert page.url == f"{base}/"  # submitted with fetch, no navigation
    finally:
        page.close()
