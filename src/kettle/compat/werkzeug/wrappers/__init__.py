"""Mirror of ``werkzeug.wrappers``: Kettle's ``Request`` and ``Response`` (the same classes
Flask's names resolve to, so ``isinstance`` agrees across both names)."""

from __future__ import annotations

from kettle.web.wrappers import Request, Response, ResponseStream

__all__ = ["Request", "Response", "ResponseStream"]
