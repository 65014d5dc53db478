"""Mirror of ``werkzeug.wrappers``: Kettle's ``Request``; ``Response`` is Kettle's response
with Werkzeug's ``text/plain`` default (``kettle.web.plain_response``), of which Flask's
(Kettle's) ``Response`` counts as a subclass, as in Werkzeug."""

from __future__ import annotations

from kettle.web.plain_response import PlainResponse as Response
from kettle.web.wrappers import Request, ResponseStream

__all__ = ["Request", "Response", "ResponseStream"]
