"""Mirror of ``flask.sansio.scaffold``: what apps and blueprints share.

Adapter: ``setupmethod`` keeps Flask's decorator for extension classes that subclass the
app or a blueprint; it runs the object's own ``_check_setup_finished`` (Kettle's check that
setup is not changed after the first request or registration) before the method.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar

from kettle.templates import BaseLoader, FileSystemLoader
from kettle.web.exceptions import default_exceptions
from kettle.web.scaffold import Scaffold, find_package, get_root_path

from ...werkzeug.exceptions import HTTPException
from ...werkzeug.utils import cached_property

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "BaseLoader",
    "FileSystemLoader",
    "HTTPException",
    "Scaffold",
    "cached_property",
    "default_exceptions",
    "find_package",
    "get_root_path",
    "setupmethod",
]


def setupmethod(f: F) -> F:
    """Mark a method as setup-only: calling it too late raises the object's error."""
    name = f.__name__

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        check = getattr(self, "_check_setup_finished", None)
        if check is not None:
            check(name)
        return f(self, *args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]
