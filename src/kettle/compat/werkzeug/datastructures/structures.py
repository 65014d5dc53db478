"""Mirror of ``werkzeug.datastructures.structures`` (``kettle.http.multidict`` and
``kettle.http.structures``)."""

from __future__ import annotations

from kettle.http.headers import HeaderSet
from kettle.http.multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict
from kettle.http.structures import (
    CallbackDict,
    ImmutableDict,
    ImmutableDictMixin,
    ImmutableList,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    ImmutableTypeConversionDict,
    TypeConversionDict,
    UpdateDictMixin,
    iter_multi_items,
)
from kettle.http.structures import ImmutableOrderedMultiDict as _ImmutableOrderedMultiDict
from kettle.http.structures import OrderedMultiDict as _OrderedMultiDict

__all__ = [
    "CallbackDict",
    "CombinedMultiDict",
    "HeaderSet",
    "ImmutableDict",
    "ImmutableDictMixin",
    "ImmutableList",
    "ImmutableListMixin",
    "ImmutableMultiDict",
    "ImmutableMultiDictMixin",
    "ImmutableTypeConversionDict",
    "MultiDict",
    "TypeConversionDict",
    "UpdateDictMixin",
    "_ImmutableOrderedMultiDict",
    "_OrderedMultiDict",
    "iter_multi_items",
]
