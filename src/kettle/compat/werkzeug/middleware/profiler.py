"""Mirror of ``werkzeug.middleware.profiler`` (``kettle.web.profiler``).

Adapter: the profiler class is looked up in this module when a request starts, so
patching ``werkzeug.middleware.profiler.Profile`` (as Werkzeug's tests do) takes effect.
"""

from __future__ import annotations

from cProfile import Profile
from pstats import Stats

from kettle.web.profiler import ProfilerMiddleware as _ProfilerMiddleware


class ProfilerMiddleware(_ProfilerMiddleware):
    """Kettle's profiler middleware, creating ``Profile`` from this module's namespace."""

    def make_profile(self) -> Profile:
        return Profile()


__all__ = ["Profile", "ProfilerMiddleware", "Stats"]
