"""Mirror of the ``flask`` package's public import paths over Kettle (see kettle.compat)."""

from __future__ import annotations
