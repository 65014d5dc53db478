"""Werkzeug's ``Response`` default: a response whose default mimetype is ``text/plain``.

Owns ``PlainResponse``, the class ``werkzeug.wrappers.Response`` names. In Werkzeug, Flask's
``Response`` (``text/html``) is a subclass of it, and extensions test
``isinstance(value, werkzeug.wrappers.Response)`` on whatever Flask returns. Kettle's
``Response`` is the base class here, so the relation is stated with a metaclass: every
Kettle ``Response`` counts as a ``PlainResponse`` (it has every method ``PlainResponse``
has; only the default mimetype differs).

Rules: ``PlainResponse`` adds no behaviour but ``default_mimetype``; ``isinstance`` and
``issubclass`` against it answer as they do against Kettle's ``Response``; its own
subclasses are ordinary classes.
"""

from __future__ import annotations

from typing import Any

from . import wrappers


class ResponseFamily(type):
    """Metaclass of a class that stands for the whole family of Kettle responses in
    ``isinstance`` and ``issubclass``: the class whose own body sets
    ``_stands_for_family``. Its subclasses answer as ordinary classes do."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if "_stands_for_family" in cls.__dict__:
            return isinstance(instance, wrappers.Response)
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if "_stands_for_family" in cls.__dict__:
            return issubclass(subclass, wrappers.Response)
        return type.__subclasscheck__(cls, subclass)


class Response(wrappers.Response, metaclass=ResponseFamily):
    """A ``Response`` whose body is ``text/plain`` unless a mimetype is given (named
    ``Response``, as Werkzeug's, so its repr and pickles read the same)."""

    _stands_for_family = True
    default_mimetype = "text/plain"


PlainResponse = Response
