"""Mirror of ``werkzeug.testapp`` (``kettle.web.testapp``): ``test_app``, a WSGI app that
describes the request and the serving process, and ``iter_sys_path``."""

from __future__ import annotations

from kettle.web.testapp import iter_sys_path, test_app

__all__ = ["iter_sys_path", "test_app"]
