"""The ``kettle`` console script: Kettle's command line plus the ``--compat`` option.

Rules: ``--compat`` (accepted before the command, as ``kettle --compat --app app run``, and
by ``run`` and ``serve`` themselves) installs kettle.compat before any app is imported, so an
unmodified Flask app and its extensions run on Kettle; it also sets ``KETTLE_COMPAT=1`` so
the processes the command starts (the reloader's child, workers) resolve ``flask`` the same
way. The option is eager: it acts before the app is located. The commands themselves live in
kettle.web.cli and kettle.server.cli; this module only adds the option to them.
"""

from __future__ import annotations

import os
from typing import Any

import click

from kettle.server.cli import serve_command
from kettle.web.cli import main as kettle_group
from kettle.web.cli import run_command

from . import CompatError, install


def _activate(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value and not ctx.resilient_parsing:
        os.environ["KETTLE_COMPAT"] = "1"
        try:
            install()
        except CompatError as error:
            raise click.UsageError(str(error), ctx) from None
    return value


def compat_option() -> click.Option:
    """A fresh ``--compat`` flag (click options are not shared between commands)."""
    return click.Option(
        ["--compat"],
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_activate,
        help="Run a Flask app unchanged: its (and its extensions') flask, werkzeug and"
        " jinja2 imports resolve to Kettle (kettle.compat). KETTLE_COMPAT=1 does the same.",
    )


for _command in (kettle_group, run_command, serve_command):
    if not any(param.name == "compat" for param in _command.params):
        _command.params.append(compat_option())


def main() -> None:
    """Entry point of the ``kettle`` console script."""
    kettle_group.main()


if __name__ == "__main__":
    main()
