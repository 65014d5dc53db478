"""Mirror of ``flask.sansio.app``: ``App``, the base of the app class without request
handling."""

from __future__ import annotations

from kettle.web.app_logging import create_logger
from kettle.web.appbase import App
from kettle.web.config import Config, ConfigAttribute
from kettle.web.helpers import get_debug_flag
from kettle.web.json import DefaultJSONProvider, JSONProvider
from kettle.web.scaffold import Scaffold, find_package
from kettle.web.templating import DispatchingJinjaLoader, Environment

from ...werkzeug.exceptions import Aborter, BadRequest, BadRequestKeyError
from ...werkzeug.routing import BuildError, Map, Rule
from ...werkzeug.utils import cached_property
from ...werkzeug.wrappers import Response
from .scaffold import setupmethod

__all__ = [
    "Aborter",
    "App",
    "BadRequest",
    "BadRequestKeyError",
    "BuildError",
    "Config",
    "ConfigAttribute",
    "DefaultJSONProvider",
    "DispatchingJinjaLoader",
    "Environment",
    "JSONProvider",
    "Map",
    "Response",
    "Rule",
    "Scaffold",
    "cached_property",
    "create_logger",
    "find_package",
    "get_debug_flag",
    "setupmethod",
]
