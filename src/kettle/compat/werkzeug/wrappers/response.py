"""Mirror of ``werkzeug.wrappers.response`` (``kettle.web.wrappers``)."""

from __future__ import annotations

from kettle.web.wrappers import Response, ResponseStream

__all__ = ["Response", "ResponseStream"]
