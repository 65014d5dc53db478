"""Mirror of ``werkzeug.user_agent`` (the request's ``UserAgent``)."""

from __future__ import annotations

from kettle.web.request import UserAgent

__all__ = ["UserAgent"]
