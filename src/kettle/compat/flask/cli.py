"""Mirror of ``flask.cli``: the app-aware click group (``FlaskGroup`` is ``KettleGroup``), the
app locating functions and the built-in commands.

Adapters: ``find_app_by_string``, ``show_server_banner``, ``version_option``,
``SeparatedPathType`` and ``CertParamType`` keep Flask's names and signatures over Kettle's
CLI; they hold no logic of their own beyond that.
"""

from __future__ import annotations

import ssl
from typing import Any

import click
from click.core import ParameterSource

from kettle.web.cli import (
    AppGroup,
    FlaskGroup,
    NoAppException,
    ScriptInfo,
    _call_factory,
    _version_option,
    cli,
    find_best_app,
    get_version,
    load_dotenv,
    locate_app,
    pass_script_info,
    prepare_import,
    routes_command,
    run_command,
    shell_command,
    with_appcontext,
)
from kettle.web.globals import current_app
from kettle.web.helpers import get_debug_flag, get_load_dotenv

from ..werkzeug.serving import is_running_from_reloader, run_simple
from ..werkzeug.utils import import_string

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskGroup",
    "NoAppException",
    "ParameterSource",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "current_app",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "get_version",
    "import_string",
    "is_running_from_reloader",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "run_simple",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]

version_option = _version_option


def main() -> None:
    """The ``flask`` console script's entry point: Kettle's command line."""
    cli.main()


def find_app_by_string(module: Any, app_name: str) -> Any:
    """The app named by ``app_name`` (an attribute or a factory call) in ``module``."""
    return _call_factory(module, app_name)


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print the app being served and the debug mode, as ``flask run`` does on start."""
    if app_import_path is not None:
        click.echo(f" * Serving Flask app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


class SeparatedPathType(click.Path):
    """A list of paths separated by ``os.pathsep``, each checked as a ``click.Path``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(item, param, ctx) for item in items]


class CertParamType(click.ParamType):  # type: ignore[type-arg]  # generic since click 8.3
    """``--cert``: a certificate file, ``adhoc``, or an imported ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = click.STRING(value, param, ctx).lower()
            if text == "adhoc":
                return text
            module_name, _, attribute = str(value).rpartition(".")
            try:
                module = __import__(module_name, fromlist=[attribute]) if module_name else None
            except ImportError:
                module = None
            context = getattr(module, attribute, None)
            if isinstance(context, ssl.SSLContext):
                return context
            raise
