"""The ``kettle`` command line: a click group that the layers add their commands to.

Rules: this module and ``app.run`` are the only places of the web layer that import
``kettle.server``.
"""

from __future__ import annotations

from importlib.metadata import version

import click


@click.group()
@click.version_option(version("kettle"), prog_name="kettle")
def main() -> None:
    """Kettle: app, server, templates and realtime channels in one package."""
