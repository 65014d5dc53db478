"""Mirror of ``flask.blueprints``: ``Blueprint`` and its setup state."""

from __future__ import annotations

from kettle.web.blueprints import Blueprint, BlueprintSetupState
from kettle.web.blueprints import Blueprint as SansioBlueprint
from kettle.web.cli import AppGroup
from kettle.web.files import send_from_directory
from kettle.web.globals import current_app

__all__ = [
    "AppGroup",
    "Blueprint",
    "BlueprintSetupState",
    "SansioBlueprint",
    "current_app",
    "send_from_directory",
]
