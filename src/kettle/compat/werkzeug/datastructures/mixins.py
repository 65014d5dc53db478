"""Mirror of ``werkzeug.datastructures.mixins`` (``kettle.http.structures``)."""

from __future__ import annotations

from kettle.http.structures import (
    ImmutableDictMixin,
    ImmutableHeadersMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
)

__all__ = [
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableListMixin",
    "ImmutableMultiDictMixin",
    "UpdateDictMixin",
]
