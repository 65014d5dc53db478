"""pytest plugin: point ``flask`` (and the Werkzeug modules Flask's tests catch errors from)
at Kettle, so Flask's own test suite runs against ``kettle.flask``."""

from __future__ import annotations

import importlib
import sys

import _pytest.monkeypatch
import werkzeug

import kettle.flask

sys.modules["flask"] = kettle.flask
sys.modules["jinja2"] = importlib.import_module("kettle.templates")
for name in (
    "app", "blueprints", "cli", "config", "ctx", "debughelpers", "globals", "helpers",
    "sessions", "signals", "templating", "testing", "views", "wrappers", "json",
):  # fmt: skip
    module = importlib.import_module(f"kettle.web.{name}")
    sys.modules[f"flask.{name}"] = module
    setattr(kettle.flask, name, module)
sys.modules["flask.logging"] = importlib.import_module("kettle.web.app_logging")
sys.modules["flask.json.tag"] = importlib.import_module("kettle.web.json_tag")
sys.modules["flask.json.provider"] = importlib.import_module("kettle.web.json")
for name in ("exceptions", "routing"):
    module = importlib.import_module(f"kettle.web.{name}")
    sys.modules[f"werkzeug.{name}"] = module
    setattr(werkzeug, name, module)
if not hasattr(_pytest.monkeypatch, "notset"):  # Flask 3.1's conftest uses the old name
    _pytest.monkeypatch.notset = getattr(_pytest.monkeypatch, "NOTSET", object())  # type: ignore[attr-defined]
