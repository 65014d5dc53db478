"""The debug page in a real browser (Chromium through Playwright, served by kettle.server):
what a developer sees after a template error, checked on the rendered page's content, and
a screenshot of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kettle import Kettle, render_template, session
from kettle.web.debug import DebugMiddleware

pytestmark = pytest.mark.browser

PAGE = "<h1>Profile</h1>\n<p>\n{{ user.name }}\n</p>\n<footer>end</footer>\n"


@pytest.fixture
def debug_app(tmp_path: Path) -> Kettle:
    (tmp_path / "profile.html").write_text(PAGE)
    app = Kettle(__name__, template_folder=str(tmp_path))
    app.config.update(SECRET_KEY="browser secret")

    @app.route("/profile/<int:user_id>")
    def profile(user_id: int) -> str:
        password = "".join(["hun", "ter2"])  # noqa: F841 - a local the page must mask
        session["visits"] = 1
        return render_template("profile.html")

    app.debug = True
    app.wsgi_app = DebugMiddleware(app.wsgi_app, app)
    return app


def test_debug_page_in_the_browser(
    browser: Any, serve_app: Any, debug_app: Kettle, tmp_path: Path
) -> None:
    base = serve_app(debug_app)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        response = page.goto(f"{base}/profile/7?tab=info")
        assert response.status == 500
        assert page.title() == (
            "UndefinedError: 'user' is undefined (profile.html, line 3) // Kettle debugger"
        )
        assert page.inner_text("header h1") == "UndefinedError"
        assert page.inner_text("header p") == "'user' is undefined (profile.html, line 3)"
        # The template excerpt comes first, with the failing line marked.
        assert page.inner_text(".template-error h2") == "Template profile.html, line 3"
        assert page.inner_text(".template-error .current") == "    3  {{ user.name }}"
        # The user's frames are visible; the framework's are folded.
        user_frames = page.locator(".exception > .frame.user")
        assert user_frames.count() == 2
        assert (
            user_frames.nth(0)
            .locator(".where")
            .inner_text()
            .endswith('test_debug_page.py", line 30, in profile')
        )
        assert user_frames.nth(1).locator(".where").inner_text().startswith("Template ")
        assert page.locator("details.framework").first.get_attribute("open") is None
        assert not page.locator("details.framework .frame").first.is_visible()
        locals_table = user_frames.nth(0).locator("table.locals")
        assert locals_table.locator("tr", has_text="password").inner_text() == "password\t******"
        assert locals_table.locator("tr", has_text="user_id").inner_text() == "user_id\t7"
        # The request, with the query argument and the session's keys.
        request_part = page.locator("section.request")
        assert request_part.locator("p.where").inner_text() == f"GET {base}/profile/7?tab=info"
        assert request_part.locator("table.args").inner_text() == "tab\tinfo"
        assert "Session keys: visits" in request_part.inner_text()
        assert "hunter2" not in page.content()
        shot = tmp_path / "debug-page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # Unfolding the framework frames shows them.
        page.click("details.framework summary")
        assert page.locator("details.framework .frame").first.is_visible()
    finally:
        page.close()
