"""Mirror of ``werkzeug.datastructures.headers`` (``kettle.http.headers``)."""

from __future__ import annotations

from kettle.http.headers import EnvironHeaders, Headers
from kettle.http.structures import ImmutableHeadersMixin

__all__ = ["EnvironHeaders", "Headers", "ImmutableHeadersMixin"]
