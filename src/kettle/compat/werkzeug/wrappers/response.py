"""Mirror of ``werkzeug.wrappers.response`` (see ``werkzeug.wrappers``)."""

from __future__ import annotations

from kettle.web.plain_response import PlainResponse as Response
from kettle.web.wrappers import ResponseStream

__all__ = ["Response", "ResponseStream"]
