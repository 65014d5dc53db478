"""Mirror of the ``werkzeug`` package's public import paths over Kettle (see kettle.compat)."""

from __future__ import annotations
