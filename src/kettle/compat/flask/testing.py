"""Mirror of ``flask.testing``: the test client, the CLI runner and the environ builder."""

from __future__ import annotations

from urllib.parse import urlsplit

from click.testing import CliRunner, Result

from kettle.web.cli import ScriptInfo
from kettle.web.sessions import SessionMixin
from kettle.web.testing import EnvironBuilder, FlaskClient, FlaskCliRunner

from ..werkzeug.test import Client
from ..werkzeug.wrappers import Request as BaseRequest

__all__ = [
    "BaseRequest",
    "CliRunner",
    "Client",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "Result",
    "ScriptInfo",
    "SessionMixin",
    "urlsplit",
]
