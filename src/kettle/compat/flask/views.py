"""Mirror of ``flask.views``: class-based views and ``http_method_funcs``."""

from __future__ import annotations

from kettle.web.globals import current_app, request
from kettle.web.views import HTTP_METHOD_FUNCS as http_method_funcs
from kettle.web.views import MethodView, View

__all__ = ["MethodView", "View", "current_app", "http_method_funcs", "request"]
