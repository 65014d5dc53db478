"""The tutorial's blog (examples/blog) in a real browser: register, log in, write a post
with line breaks and see them kept; styled, with no failed request on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from examples.blog import create_app
from examples.blog.db import init_db

pytestmark = pytest.mark.browser


def test_register_login_post_keeps_line_breaks(
    browser: Any, serve_app: Any, tmp_path: Path
) -> None:
    app = create_app({"DATABASE": str(tmp_path / "blog.sqlite"), "SECRET_KEY": "test"})
    with app.app_context():
        init_db()
    base = serve_app(app)
    page = browser.new_page()
    failed: list[str] = []
    errors: list[str] = []
    page.on(
        "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/auth/register")
        page.fill("#username", "ada")
        page.fill("#password", "s3cret")
        page.click("input[type=submit]")
        assert page.inner_text(".flash") == "Registered, please log in."
        page.fill("#username", "ada")
        page.fill("#password", "wrong")
        page.click("input[type=submit]")
        assert page.inner_text(".flash.error") == "Incorrect username or password."
        page.fill("#username", "ada")
        page.fill("#password", "s3cret")
        page.click("input[type=submit]")
        page.click("text=New")
        page.fill("#title", "Tea")
        page.fill("#body", "First line\nSecond line")
        page.click("input[type=submit]")
        assert page.inner_text(".flash") == "Post created."
        assert page.inner_text(".post .body") == "First line\nSecond line"
        style = page.eval_on_selector(".post .body", "e => getComputedStyle(e).whiteSpace")
        assert style == "pre-line"
        nav = page.eval_on_selector("nav", "e => getComputedStyle(e).display")
        assert nav == "flex"
        assert failed == []
        assert errors == []
    finally:
        page.close()
