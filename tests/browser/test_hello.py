"""examples/hello in a real browser: the server fills in the name, the page's script
answers the click."""

from __future__ import annotations

from typing import Any

import pytest

from examples.hello.app import app

pytestmark = pytest.mark.browser


def test_hello_greets_and_button_sets_message(browser: Any, serve_app: Any) -> None:
    base = serve_app(app)
    page = browser.new_page()
    try:
        page.goto(f"{base}/hello/Ada")
        assert page.inner_text("h1") == "Hello, Ada!"
        assert page.inner_text("#message") == ""
        page.click("#click-me")
        page.wait_for_function(
            "document.getElementById('message').textContent === 'You clicked!'", timeout=2000
        )
        assert page.inner_text("#message") == "You clicked!"
    finally:
        page.close()
