"""Mirror of ``werkzeug.middleware.lint`` (``kettle.web.lint``)."""

from __future__ import annotations

from kettle.web.lint import HTTPWarning, LintMiddleware, WSGIWarning

__all__ = ["HTTPWarning", "LintMiddleware", "WSGIWarning"]
