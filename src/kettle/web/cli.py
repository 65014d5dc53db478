"""The ``kettle`` command line: a click group that the layers add their commands to, and the
Flask-style app commands (``kettle --app MODULE run|routes|shell`` and ``app.cli`` commands).

Rules: this module and ``app.run`` are the only places of the web layer that import
``kettle.server`` (here through ``devserver``). The app is located lazily, only when a
command needs it: ``--app module``, ``--app module:name`` or ``--app "module:factory()"``,
else ``KETTLE_APP``/``FLASK_APP``, else ``app.py``/``wsgi.py`` in the current folder.
``.env`` and ``.flaskenv`` are loaded when python-dotenv is installed. A missing or
ambiguous app is a clear ``NoAppException`` message, not a traceback.
"""

from __future__ import annotations

import ast
import code
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from functools import update_wrapper
from importlib.metadata import version
from typing import Any, TypeVar

import click

from kettle.server.cli import serve_command

from .ctx import has_app_context
from .devserver import run_app

F = TypeVar("F", bound=Callable[..., Any])


class NoAppException(click.UsageError):
    """The app could not be found or loaded."""


def _is_app(value: Any) -> bool:
    return callable(getattr(value, "wsgi_app", None)) and hasattr(value, "url_map")


def _call_factory(module: Any, expression: str) -> Any:
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(f"Failed to parse {expression!r} as an attribute name or call.")
    if isinstance(node, ast.Name):
        name, args, kwargs = node.id, [], {}
        call = False
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        try:
            args = [ast.literal_eval(arg) for arg in node.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            raise NoAppException(f"Failed to parse arguments as literal values: {expression!r}.")
        call = True
    else:
        raise NoAppException(f"Failed to parse {expression!r} as an attribute name or call.")
    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.")
    app = attr(*args, **kwargs) if call or (callable(attr) and not _is_app(attr)) else attr
    if not _is_app(app):
        raise NoAppException(
            f"A valid Kettle application was not obtained from '{module.__name__}:{expression}'."
        )
    return app


def find_best_app(module: Any) -> Any:
    """The app in ``module``: ``app``/``application``, the only app instance, or a factory."""
    for name in ("app", "application"):
        if _is_app(getattr(module, name, None)):
            return getattr(module, name)
    found = [value for value in vars(module).values() if _is_app(value)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NoAppException(
            f"Detected multiple Kettle applications in module '{module.__name__}'. Use"
            f" '{module.__name__}:name' to specify the correct one."
        )
    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if callable(factory):
            app = factory()
            if _is_app(app):
                return app
    raise NoAppException(
        f"Failed to find Kettle application or factory in module '{module.__name__}'. Use"
        f" '{module.__name__}:name' to specify one."
    )


def locate_app(import_path: str) -> Any:
    module_name, _, app_name = import_path.partition(":")
    if module_name.endswith(".py"):
        path = os.path.abspath(module_name)
        sys.path.insert(0, os.path.dirname(path))
        module_name = os.path.splitext(os.path.basename(path))[0]
    elif os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        if getattr(error, "name", None) == module_name:
            raise NoAppException(f"Could not import {module_name!r}.")
        raise
    if app_name:
        return _call_factory(module, app_name)
    return find_best_app(module)


def load_dotenv(path: str | os.PathLike[str] | None = None) -> bool:
    """Load ``.env`` and ``.flaskenv`` (or ``path``) into ``os.environ`` (needs python-dotenv)."""
    if importlib.util.find_spec("dotenv") is None:
        if path is not None or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False
    dotenv: Any = importlib.import_module("dotenv")
    loaded = False
    if path is not None:
        return bool(dotenv.load_dotenv(path, encoding="utf-8"))
    for name in (".env", ".flaskenv"):
        found = dotenv.find_dotenv(name, usecwd=True)
        if found:
            dotenv.load_dotenv(found, encoding="utf-8", override=False)
            loaded = True
    return loaded


class ScriptInfo:
    """What CLI commands need to find the app; passed as the click context's ``obj``."""

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Any] | None = None,
        set_debug_flag: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.data: dict[str, Any] = {}
        self._loaded_app: Any = None

    def load_app(self) -> Any:
        if self._loaded_app is not None:
            return self._loaded_app
        path = self.app_import_path or os.environ.get("KETTLE_APP") or os.environ.get("FLASK_APP")
        if self.create_app is not None:
            app = self.create_app()
        elif path:
            app = locate_app(path)
        else:
            app = None
            for candidate in ("wsgi.py", "app.py"):
                if os.path.isfile(candidate):
                    app = locate_app(candidate)
                    break
            if app is None:
                raise NoAppException(
                    "Could not locate a Kettle application. Use the 'kettle --app' option,"
                    " 'KETTLE_APP' environment variable, or a 'wsgi.py' or 'app.py' file in"
                    " the current directory."
                )
        debug = os.environ.get("KETTLE_DEBUG") or os.environ.get("FLASK_DEBUG")
        if self.set_debug_flag and debug:
            app.debug = debug.lower() not in ("0", "false", "no")
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the command inside the app's application context (loading the app if needed)."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run inside the app context unless told otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        # Like Flask's CLI: every command of the app runs with the app context pushed, so
        # plain click commands added with ``app.cli.add_command`` can use ``current_app``.
        info = ctx.find_object(ScriptInfo)
        if info is not None and not has_app_context():
            ctx.with_resource(info.load_app().app_context())
        return super().invoke(ctx)


class KettleGroup(click.Group):
    """The ``kettle`` command: built-in commands plus the loaded app's ``app.cli`` commands."""

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        info = ctx.ensure_object(ScriptInfo)
        try:
            return info.load_app().cli  # type: ignore[no-any-return]
        except NoAppException as error:
            if ctx.params.get("app") or os.environ.get("KETTLE_APP"):
                click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        group = self._app_commands(ctx)
        if group is None:
            return None
        app_command = group.get_command(ctx, name)
        if app_command is not None and not has_app_context():
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        return app_command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        if info.app_import_path or os.environ.get("KETTLE_APP") or os.environ.get("FLASK_APP"):
            group = self._app_commands(ctx)
            if group is not None:
                names.update(group.list_commands(ctx))
        return sorted(names)


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    if value is not None:
        os.environ["KETTLE_DEBUG"] = "1" if value else "0"
    return value


def _set_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not ctx.resilient_parsing:
        load_dotenv(value)
    return value


@click.group(cls=KettleGroup)
@click.version_option(version("kettle"), prog_name="kettle")
@click.option(
    "-A", "--app", metavar="IMPORT", callback=_set_app, is_eager=True, expose_value=False,
    help="The app to load: 'module', 'module:name' or 'module:factory(args)'.",
)  # fmt: skip
@click.option(
    "--debug/--no-debug", default=None, callback=_set_debug, expose_value=False,
    help="Set debug mode.",
)  # fmt: skip
@click.option(
    "-e", "--env-file", type=click.Path(exists=True, dir_okay=False), callback=_set_env_file,
    is_eager=True, expose_value=False, help="Load environment variables from this file.",
)  # fmt: skip
def main() -> None:
    """Kettle: app, server, templates and realtime channels in one package."""


@main.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option("--reload/--no-reload", default=None, help="Restart on Python file changes.")
@click.option("--with-threads/--without-threads", default=True, help="Serve with threads.")
@click.option("--extra-files", default="", help="More files that trigger a reload, ':'-separated.")
@pass_script_info
def run_command(
    info: ScriptInfo, host: str, port: int, reload: bool | None, with_threads: bool,
    extra_files: str,
) -> None:  # fmt: skip
    """Serve the app on kettle.server; reloads on code changes in debug mode."""
    app = info.load_app()
    run_app(
        app, host, port, use_reloader=app.debug if reload is None else reload,
        threaded=with_threads, extra_files=[p for p in extra_files.split(os.pathsep) if p],
    )  # fmt: skip


@main.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """An interactive Python shell in the app's context, with ``app`` and ``g`` defined."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    banner = (
        f"Python {sys.version} on {sys.platform}\nApp: {app.name}\nInstance: {app.instance_path}"
    )
    context: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as handle:
            exec(compile(handle.read(), startup, "exec"), context)
    context.update(app.make_shell_context())
    code.interact(banner=banner, local=context)


@main.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort", "-s", type=click.Choice(("endpoint", "methods", "rule", "match")),
    default="endpoint",
    help="How to sort the routes.",
)  # fmt: skip
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    rows = [
        (rule.endpoint, ", ".join(sorted((rule.methods or set()) - ignored)), rule.rule)
        for rule in rules
    ]
    if sort in ("endpoint", "rule"):
        index = 0 if sort == "endpoint" else 2
        rows.sort(key=lambda row: row[index])
    elif sort == "methods":
        rows.sort(key=lambda row: row[1])
    headers = ("Endpoint", "Methods", "Rule")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(3)]
    line = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(line.format(*headers).rstrip())
    click.echo(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        click.echo(line.format(*row).rstrip())


main.add_command(serve_command)

FlaskGroup = KettleGroup
