"""Mirror of ``werkzeug.datastructures.csp`` (``kettle.http.directives``)."""

from __future__ import annotations

from kettle.http.directives import ContentSecurityPolicy

__all__ = ["ContentSecurityPolicy"]
