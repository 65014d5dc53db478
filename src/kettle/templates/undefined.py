"""The values templates see for names and attributes that do not exist.

Owns ``Undefined`` and its variants ``ChainableUndefined``, ``DebugUndefined``,
``StrictUndefined`` and ``make_logging_undefined``; ``runtime`` re-exports them under the
names jinja2.runtime uses.

Rules (jinja2 3.1 semantics): the default ``Undefined`` prints as ``""``, is falsy, iterates
empty and has length 0; any other operation (arithmetic, calls, item or attribute access,
ordering) raises the configured exception, ``UndefinedError`` by default, with a message
that says how the value was reached. Dunder lookups raise ``AttributeError`` so Python's
protocol probing (copy, pickle, awaitables) keeps working. Undefined values are equal only
to undefined values of the same class.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn

from .exceptions import TemplateRuntimeError, UndefinedError
from .utils import internalcode, missing, object_type_repr

__all__ = [
    "ChainableUndefined",
    "DebugUndefined",
    "StrictUndefined",
    "Undefined",
    "make_logging_undefined",
]


class Undefined:
    """The default undefined: printable, falsy, iterable; anything else raises."""

    __slots__ = (
        "_undefined_exception",
        "_undefined_hint",
        "_undefined_name",
        "_undefined_obj",
    )
    # Marker read by utils.is_undefined (looked up on the type, never the instance).
    _kettle_is_undefined = True

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        self._undefined_hint = hint
        self._undefined_obj = obj
        self._undefined_name = name
        self._undefined_exception = exc

    @property
    def _undefined_message(self) -> str:
        """Explain how the value was reached: a missing name, attribute or item."""
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return f"{self._undefined_name!r} is undefined"
        owner = object_type_repr(self._undefined_obj)
        if not isinstance(self._undefined_name, str):
            return f"{owner} has no element {self._undefined_name!r}"
        return f"{owner!r} has no attribute {self._undefined_name!r}"

    @internalcode
    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self._undefined_exception(self._undefined_message)

    @internalcode
    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self._fail_with_undefined_error()

    __add__ = __radd__ = __sub__ = __rsub__ = _fail_with_undefined_error
    __mul__ = __rmul__ = __div__ = __rdiv__ = _fail_with_undefined_error
    __truediv__ = __rtruediv__ = _fail_with_undefined_error
    __floordiv__ = __rfloordiv__ = _fail_with_undefined_error
    __mod__ = __rmod__ = _fail_with_undefined_error
    __pos__ = __neg__ = _fail_with_undefined_error
    __call__ = __getitem__ = _fail_with_undefined_error
    __lt__ = __le__ = __gt__ = __ge__ = _fail_with_undefined_error
    __int__ = __float__ = __complex__ = _fail_with_undefined_error
    __pow__ = __rpow__ = _fail_with_undefined_error

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __str__(self) -> str:
        return ""

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    async def __aiter__(self) -> AsyncIterator[Any]:
        empty: tuple[Any, ...] = ()
        for item in empty:
            yield item

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Undefined"


def make_logging_undefined(
    logger: logging.Logger | None = None, base: type[Undefined] = Undefined
) -> type[Undefined]:
    """Derive from ``base`` an undefined class that logs printing, iteration, truth
    tests (as warnings) and failures (as errors) to ``logger``."""
    if logger is None:
        logger = logging.getLogger(__name__)
        logger.addHandler(logging.StreamHandler(sys.stderr))
    log = logger

    class LoggingUndefined(base):  # type: ignore[valid-type,misc]
        __slots__ = ()

        def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
            try:
                super()._fail_with_undefined_error(*args, **kwargs)
            except self._undefined_exception as error:
                log.error("Template variable error: %s", error)
                raise error
            raise AssertionError("unreachable: the base class always raises")

        def _warn(self) -> None:
            log.warning("Template variable warning: %s", self._undefined_message)

        def __str__(self) -> str:
            self._warn()
            text: str = super().__str__()
            return text

        def __iter__(self) -> Iterator[Any]:
            self._warn()
            items: Iterator[Any] = super().__iter__()
            return items

        def __bool__(self) -> bool:
            self._warn()
            truth: bool = super().__bool__()
            return truth

    return LoggingUndefined


class ChainableUndefined(Undefined):
    """An undefined whose attributes and items are itself, so ``a.b.c`` stays quiet."""

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)

    def __getattr__(self, name: str) -> ChainableUndefined:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self

    def __getitem__(self, _name: Any) -> ChainableUndefined:  # type: ignore[override]
        return self


class DebugUndefined(Undefined):
    """An undefined that prints as the expression it stands for, ``{{ name }}``."""

    __slots__ = ()

    def __str__(self) -> str:
        if self._undefined_hint:
            message = f"undefined value printed: {self._undefined_hint}"
        elif self._undefined_obj is missing:
            message = str(self._undefined_name)
        else:
            owner = object_type_repr(self._undefined_obj)
            message = f"no such element: {owner}[{self._undefined_name!r}]"
        return f"{{{{ {message} }}}}"


class StrictUndefined(Undefined):
    """An undefined that raises on everything except the ``defined`` test."""

    __slots__ = ()
    __iter__ = __str__ = __len__ = Undefined._fail_with_undefined_error
    __eq__ = __ne__ = __bool__ = __hash__ = Undefined._fail_with_undefined_error
    __contains__ = Undefined._fail_with_undefined_error
