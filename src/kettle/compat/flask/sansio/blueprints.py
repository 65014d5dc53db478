"""Mirror of ``flask.sansio.blueprints``: ``Blueprint`` and its setup state."""

from __future__ import annotations

from kettle.web.blueprints import Blueprint, BlueprintSetupState, DeferredSetupFunction
from kettle.web.scaffold import Scaffold

from .scaffold import setupmethod

__all__ = [
    "Blueprint",
    "BlueprintSetupState",
    "DeferredSetupFunction",
    "Scaffold",
    "setupmethod",
]
