"""Mirror of ``werkzeug.datastructures``: the whole family, from ``kettle.http`` (multi-value
dicts, headers, accept, auth, cache control, CSP, ETags, ranges, uploads)."""

from __future__ import annotations

import warnings
from typing import Any

from kettle.http.structures import ImmutableOrderedMultiDict as _ImmutableOrderedMultiDict
from kettle.http.structures import OrderedMultiDict as _OrderedMultiDict

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .auth import Authorization, WWWAuthenticate
from .cache_control import RequestCacheControl, ResponseCacheControl
from .csp import ContentSecurityPolicy
from .etag import ETags
from .file_storage import FileMultiDict, FileStorage
from .headers import EnvironHeaders, Headers
from .mixins import (
    ImmutableDictMixin,
    ImmutableHeadersMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
)
from .range import ContentRange, IfRange, Range
from .structures import (
    CallbackDict,
    CombinedMultiDict,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    ImmutableTypeConversionDict,
    MultiDict,
    TypeConversionDict,
    iter_multi_items,
)

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "EnvironHeaders",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableList",
    "ImmutableListMixin",
    "ImmutableMultiDict",
    "ImmutableMultiDictMixin",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "UpdateDictMixin",
    "WWWAuthenticate",
    "iter_multi_items",
]


def __getattr__(name: str) -> Any:
    """``OrderedMultiDict`` and ``ImmutableOrderedMultiDict`` are deprecated in Werkzeug 3.1
    (a warning on access, as there); they remain available."""
    found = {
        "OrderedMultiDict": _OrderedMultiDict,
        "ImmutableOrderedMultiDict": _ImmutableOrderedMultiDict,
    }.get(name)
    if found is None:
        raise AttributeError(f"module 'werkzeug.datastructures' has no attribute {name!r}")
    warnings.warn(
        f"'{name}' is deprecated and will be removed in Werkzeug 3.2. Use 'MultiDict' instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return found
