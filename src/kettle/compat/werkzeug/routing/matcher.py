"""Mirror of ``werkzeug.routing.matcher``: Werkzeug's ``StateMachineMatcher`` is Kettle's
``Matcher`` (one compiled regex per domain plus a cache; the same match results)."""

from __future__ import annotations

from kettle.web.routing.matcher import Matcher as StateMachineMatcher

__all__ = ["StateMachineMatcher"]
