"""Mirror of the ``werkzeug`` package over Kettle: ``Client``, ``Request``, ``Response``,
``run_simple`` (see kettle.compat). ``werkzeug.X`` is the module ``kettle.compat.werkzeug.X``.

Rules: imports and signature adapters only; behaviour lives in kettle.http / kettle.web.
``__version__`` is deprecated as in Werkzeug 3.1 and gives the Werkzeug version mirrored.
"""

from __future__ import annotations

import warnings
from typing import Any

from .serving import run_simple
from .test import Client
from .wrappers import Request, Response

WERKZEUG_VERSION = "3.1.9"

__all__ = ["Client", "Request", "Response", "run_simple"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        warnings.warn(
            "The '__version__' attribute is deprecated and will be removed in Werkzeug 3.2."
            " Use feature detection or 'importlib.metadata.version(\"werkzeug\")' instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return WERKZEUG_VERSION
    raise AttributeError(f"module 'werkzeug' has no attribute {name!r}")
