"""Mirror of ``flask.json``: the app-aware JSON functions (``flask.json.provider`` and
``flask.json.tag`` are the submodules beside this one)."""

from __future__ import annotations

from kettle.web.globals import current_app
from kettle.web.json import dump, dumps, jsonify, load, loads

__all__ = ["current_app", "dump", "dumps", "jsonify", "load", "loads"]
