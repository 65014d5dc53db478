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
import platform
import re
import sys
import traceback
from collections.abc import Callable
from functools import update_wrapper
from importlib.metadata import entry_points, version
from typing import Any, TypeVar

import click

from kettle.server.cli import serve_command

from .ctx import has_app_context
from .debug import is_framework_file
from .devserver import DEV_THREADS, run_app
from .globals import flask_is_kettle
from .helpers import get_debug_flag

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
    if call or (callable(attr) and not _is_app(attr)):
        try:
            app = attr(*args, **kwargs)
        except TypeError as error:
            if not _called_with_wrong_args(attr, error):
                raise
            raise NoAppException(
                f"The factory {expression!r} in module {module.__name__!r} could not be called"
                " with the specified arguments."
            ) from error
    else:
        app = attr
    if not _is_app(app):
        raise NoAppException(
            f"A valid Kettle application was not obtained from '{module.__name__}:{expression}'."
        )
    return app


def _called_with_wrong_args(factory: Any, error: TypeError) -> bool:
    """Whether ``error`` came from calling ``factory`` with arguments it does not take
    (Python raised it before the factory's body ran), not from inside the factory."""
    code = getattr(factory, "__code__", None)
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return False
        tb = tb.tb_next
    return True


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
            try:
                app = factory()
            except TypeError as error:
                if not _called_with_wrong_args(factory, error):
                    raise
                raise NoAppException(
                    f"Detected factory '{name}' in module '{module.__name__}', but could not"
                    f" call it without arguments. Use '{module.__name__}:{name}(args)' to"
                    " specify arguments."
                ) from error
            if _is_app(app):
                return app
    raise NoAppException(
        f"Failed to find Kettle application or factory in module '{module.__name__}'. Use"
        f" '{module.__name__}:name' to specify one."
    )


def prepare_import(path: str) -> str:
    """Put the folder above ``path``'s package on ``sys.path``; return its dotted name."""
    path = os.path.realpath(path)
    stem, extension = os.path.splitext(path)
    if extension == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    names: list[str] = []
    while True:
        path, name = os.path.split(path)
        names.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(names))


def locate_app(module_name: str, app_name: str | None, raise_if_not_found: bool = True) -> Any:
    """The app ``app_name`` (an attribute or a factory call) in ``module_name``, or the best
    one found there. A module that is missing gives ``None`` unless ``raise_if_not_found``;
    an ``ImportError`` raised while importing it is reported with its traceback."""
    try:
        importlib.import_module(module_name)
    except ImportError as error:
        missing = getattr(error, "name", None) or ""
        if not missing or not module_name.startswith(missing):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return _call_factory(module, app_name)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load ``.flaskenv`` then ``.env`` (the later wins) and then ``path`` into
    ``os.environ``; variables already set are never overwritten. Needs python-dotenv;
    without it, a hint is printed when such files exist. True if anything was read."""
    if importlib.util.find_spec("dotenv") is None:
        if path is not None or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False
    dotenv: Any = importlib.import_module("dotenv")
    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (".flaskenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


class ScriptInfo:
    """What CLI commands need to find the app; passed as the click context's ``obj``."""

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Any] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.load_dotenv_defaults = load_dotenv_defaults
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.data: dict[str, Any] = {}
        self._loaded_app: Any = None

    def has_app_hint(self) -> bool:
        """Whether there is any app to look for (option, variable, factory or file)."""
        return bool(
            self.app_import_path
            or self.create_app is not None
            or os.environ.get("KETTLE_APP")
            or os.environ.get("FLASK_APP")
            or os.path.isfile("wsgi.py")
            or os.path.isfile("app.py")
        )

    def load_app(self) -> Any:
        if self._loaded_app is not None:
            return self._loaded_app
        path = self.app_import_path or os.environ.get("KETTLE_APP") or os.environ.get("FLASK_APP")
        app = None
        if self.create_app is not None:
            app = self.create_app()
        elif path:
            module_path, app_name = ([*re.split(r":(?![\\/])", path, maxsplit=1), None])[:2]
            app = locate_app(prepare_import(module_path or ""), app_name)
        else:
            for candidate in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(candidate), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(
                "Could not locate a Kettle application. Use the 'kettle --app' option,"
                " 'KETTLE_APP' (or 'FLASK_APP') environment variable, or a 'wsgi.py' or 'app.py'"
                " file in the current directory."
            )
        if self.set_debug_flag:
            app.debug = get_debug_flag()
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


# Commands that take their own app argument and so run without ``--app``.
STANDALONE_COMMANDS: set[click.Command] = {serve_command}


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

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # Like Flask's CLI: every command of the app runs with the app context pushed, so
        # plain click commands added with ``app.cli.add_command`` can use ``current_app``.
        # Commands that load their own WSGI app (``serve``) need none.
        name, command, rest = super().resolve_command(ctx, args)
        info = ctx.find_object(ScriptInfo)
        if (
            command is not None
            and command not in STANDALONE_COMMANDS
            and info is not None
            and not has_app_context()
        ):
            ctx.with_resource(info.load_app().app_context())
        return name, command, rest


def get_version(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """``--version`` for app CLIs: the versions of Python, Kettle and click; under
    kettle.compat also the Flask and Werkzeug releases whose API Kettle serves, one line
    each as ``flask --version`` prints them."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(
        f"Python {platform.python_version()}\nKettle {version('kettle')}\n"
        f"{_mirrored_versions()}Click {version('click')}",
        color=ctx.color,
    )
    ctx.exit()


def _mirrored_versions() -> str:
    if not flask_is_kettle():
        return ""
    lines = []
    # The mirrors declare the release they follow (kettle.compat.flask.FLASK_VERSION, ...).
    for name, mirror in (("Flask", "flask"), ("Werkzeug", "werkzeug")):
        module = sys.modules.get(f"kettle.compat.{mirror}")
        release = getattr(module, f"{mirror.upper()}_VERSION", None)
        if release is not None:
            lines.append(f"{name} {release} (its API, served by Kettle)\n")
    return "".join(lines)


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    if value is not None and not ctx.resilient_parsing:
        os.environ["FLASK_DEBUG"] = os.environ["KETTLE_DEBUG"] = "1" if value else "0"
    return value


def _set_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if ctx.resilient_parsing:
        return value
    info = ctx.find_object(ScriptInfo)
    if value is not None or info is None or info.load_dotenv_defaults:
        load_dotenv(value)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"], type=click.Path(exists=True, dir_okay=False), callback=_set_env_file,
    is_eager=True, expose_value=False, help="Load environment variables from this file.",
)  # fmt: skip
_app_option = click.Option(
    ["-A", "--app"], metavar="IMPORT", callback=_set_app, is_eager=True, expose_value=False,
    help="The app to load: 'module', 'module:name' or 'module:factory(args)'.",
)  # fmt: skip
_debug_option = click.Option(
    ["--debug/--no-debug"], default=None, callback=_set_debug, expose_value=False,
    help="Set debug mode.",
)  # fmt: skip
_version_option = click.Option(
    ["--version"], is_flag=True, is_eager=True, expose_value=False, callback=get_version,
    help="Show the Kettle version.",
)  # fmt: skip


class KettleGroup(AppGroup):
    """A CLI for an app (``FlaskGroup``): ``--app``/``--debug``/``--env-file``, the built-in
    ``run``, ``shell`` and ``routes`` commands, and the loaded app's ``app.cli`` commands."""

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Any] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(_version_option)
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self._plugins_loaded = False
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:  # fmt: skip
        if "obj" not in extra and "obj" not in (self.context_settings or {}):
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        info = ctx.ensure_object(ScriptInfo)
        try:
            return info.load_app().cli  # type: ignore[no-any-return]
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None

    def _load_plugin_commands(self) -> None:
        """Add, once, the click commands that installed packages register under the
        ``flask.commands`` entry-point group (Flask-Migrate's ``db``, ...), as Flask's CLI
        does. As there, they load the app only if they ask for it (``with_appcontext``),
        so they are standalone. Flask extensions import ``flask``: run them with
        kettle.compat active (``--compat`` or KETTLE_COMPAT=1)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry in entry_points(group="flask.commands"):
            command = entry.load()
            STANDALONE_COMMANDS.add(command)
            self.add_command(command, entry.name)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
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
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        if not info.has_app_hint() and not flask_is_kettle():
            # `kettle --help` with no app in sight: no error to show. Under kettle.compat,
            # as `flask --help` does, the loading error says how to name the app.
            return sorted(names)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option("--reload/--no-reload", default=None, help="Restart on Python file changes.")
@click.option("--with-threads/--without-threads", default=True, help="Serve with threads.")
@click.option(
    "--threads", "-t", type=click.IntRange(1), default=DEV_THREADS, show_default=True,
    help="Worker threads (an open WebSocket or event stream may hold one).",
)  # fmt: skip
@click.option("--extra-files", default="", help="More files that trigger a reload, ':'-separated.")
@pass_script_info
def run_command(
    info: ScriptInfo, host: str, port: int, reload: bool | None, with_threads: bool,
    threads: int, extra_files: str,
) -> None:  # fmt: skip
    """Serve the app on kettle.server; reloads on code changes in debug mode."""
    app = _load_app_for_run(info)
    run_app(
        app, host, port, use_reloader=app.debug if reload is None else reload,
        threaded=with_threads, threads=threads if with_threads else 1,
        extra_files=[p for p in extra_files.split(os.pathsep) if p], port_option="--port",
    )  # fmt: skip


def _load_app_for_run(info: ScriptInfo) -> Any:
    """The app, or exit 1 with the app's own part of the traceback when importing it
    fails (a ``SyntaxError``, an ``ImportError`` inside the app): not the frames of click
    and importlib. Under the reloader the supervisor then serves that error as a page."""
    try:
        return info.load_app()
    except NoAppException:
        raise
    except Exception as error:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if not is_framework_file(frame.filename)
        ]
        lines = traceback.format_list(frames)
        lines += traceback.format_exception_only(type(error), error)
        click.echo("Error: could not import the app:\n" + "".join(lines).rstrip(), err=True)
        raise SystemExit(1) from None


# `kettle run --debug` works as well as `kettle --debug run` (as in Flask); `run` loads the
# app itself, after its own options are parsed, so that `--debug` is seen.
run_command.params.insert(0, _debug_option)
STANDALONE_COMMANDS.add(run_command)


@click.command("shell", short_help="Run a shell in the app context.")
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


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort", "-s", type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="How to sort the routes: by endpoint, methods, domain (subdomain or host), rule, or"
    " in match order.",
)  # fmt: skip
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods (the framework's own
    ``kettle.*`` routes, such as ``kettle.static``, are left out). A Subdomain column (Host
    with host matching) appears when some rule has one."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    rules = [rule for rule in app.url_map.iter_rules() if not rule.endpoint.startswith("kettle.")]
    if not rules:
        click.echo("No routes were registered.")
        return
    host_matching = app.url_map.host_matching
    domains = [(rule.host if host_matching else rule.subdomain) or "" for rule in rules]
    headers = ["Endpoint", "Methods", "Rule"]
    if any(domains):
        headers.insert(2, "Host" if host_matching else "Subdomain")
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    rows = []
    for rule, domain in zip(rules, domains, strict=True):
        row = [str(rule.endpoint), ", ".join(sorted((rule.methods or set()) - ignored)), rule.rule]
        if len(headers) == 4:
            row.insert(2, domain)
        rows.append(row)
    columns = {"endpoint": 0, "methods": 1, "rule": len(headers) - 1}
    if len(headers) == 4:
        columns["domain"] = 2
    if sort in columns:
        rows.sort(key=lambda row: row[columns[sort]])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(line.format(*headers).rstrip())
    click.echo(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        click.echo(line.format(*row).rstrip())


main = KettleGroup(
    name="kettle",
    help="Kettle: app, server, templates and realtime channels in one package.",
)  # --version prints Python, Kettle and Click versions, as ``flask --version`` does
main.add_command(serve_command)
cli = main  # Flask's name for its command group (``flask.cli.cli``)


FlaskGroup = KettleGroup
