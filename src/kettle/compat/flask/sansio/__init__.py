"""Mirror of ``flask.sansio``: the request-free base classes of apps and blueprints."""

from __future__ import annotations
