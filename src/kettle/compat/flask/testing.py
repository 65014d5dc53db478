"""Mirror of ``flask.testing``: the test client, the CLI runner and the environ builder."""

from __future__ import annotations

from urllib.parse import urlsplit

from kettle.web.cli import ScriptInfo
from kettle.web.sessions import SessionMixin
from kettle.web.testing import EnvironBuilder, FlaskClient, FlaskCliRunner

__all__ = [
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "ScriptInfo",
    "SessionMixin",
    "urlsplit",
]
