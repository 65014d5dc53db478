"""The sandbox: environments that render untrusted templates, as jinja2.sandbox defines it.

Owns ``SandboxedEnvironment``, ``ImmutableSandboxedEnvironment``, the ``unsafe`` marker,
``is_internal_attribute``, ``modifies_known_mutable``, ``safe_range``/``MAX_RANGE`` and the
protected ``str.format`` / ``str.format_map``.

Rules (Jinja2's safety rules):
- Attributes starting with ``_`` and Python internals (function/method/code/frame/traceback
  objects, generator and coroutine frames, ``type.mro``) are never handed out: the lookup
  yields an undefined whose use raises ``SecurityError``.
- Calls go through ``SandboxedEnvironment.call``: callables marked ``unsafe_callable`` or
  ``alters_data`` raise ``SecurityError``.
- ``range`` is capped at ``MAX_RANGE`` items.
- ``str.format``/``format_map`` reached from a template resolve their ``{a.b[c]}`` fields
  through the sandbox's own getattr/getitem, so format strings cannot reach internals;
  on Markup they also escape their arguments.
- The immutable variant also refuses the mutating methods of lists, dicts, sets and deques.
- Operators listed in ``intercepted_binops``/``intercepted_unops`` are routed through
  ``call_binop``/``call_unop`` by the compiler so subclasses can police them.
"""

from __future__ import annotations

import importlib
import operator
import types
from collections import abc, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import update_wrapper
from string import Formatter
from typing import Any, TypeVar

from markupsafe import EscapeFormatter, Markup

from .environment import Environment
from .exceptions import SecurityError
from .undefined import Undefined

__all__ = [
    "MAX_RANGE",
    "ImmutableSandboxedEnvironment",
    "SandboxedEnvironment",
    "is_internal_attribute",
    "modifies_known_mutable",
    "safe_range",
    "unsafe",
]

F = TypeVar("F", bound=Callable[..., Any])

# str.format's own field-name parser (the private C module has no type stubs).
formatter_field_name_split: Callable[[str], tuple[Any, Iterator[tuple[bool, Any]]]] = (
    importlib.import_module("_string").formatter_field_name_split
)

#: The largest ``range`` a sandboxed template may build.
MAX_RANGE = 100000

#: Kept for API parity; Python 3 function and method internals all start with ``__``.
UNSAFE_FUNCTION_ATTRIBUTES: set[str] = set()
UNSAFE_METHOD_ATTRIBUTES: set[str] = set()
UNSAFE_GENERATOR_ATTRIBUTES = {"gi_frame", "gi_code"}
UNSAFE_COROUTINE_ATTRIBUTES = {"cr_frame", "cr_code"}
UNSAFE_ASYNC_GENERATOR_ATTRIBUTES = {"ag_code", "ag_frame"}

# Mutating methods of the builtin mutable containers, by abstract type.
_MUTATORS: tuple[tuple[type, frozenset[str]], ...] = (
    (
        abc.MutableSet,
        frozenset(
            [
                "add",
                "clear",
                "difference_update",
                "discard",
                "pop",
                "remove",
                "symmetric_difference_update",
                "update",
            ]
        ),
    ),
    (abc.MutableMapping, frozenset(["clear", "pop", "popitem", "setdefault", "update"])),
    (
        abc.MutableSequence,
        frozenset(["append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"]),
    ),
    (
        deque,
        frozenset(
            [
                "append",
                "appendleft",
                "clear",
                "extend",
                "extendleft",
                "pop",
                "popleft",
                "remove",
                "rotate",
            ]
        ),
    ),
)


def safe_range(*args: int) -> range:
    """``range`` that refuses to build more than ``MAX_RANGE`` items."""
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise OverflowError(
            f"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MAX_RANGE})."
        )
    return result


def unsafe(f: F) -> F:
    """Mark a function or method as not callable from sandboxed templates."""
    f.unsafe_callable = True  # type: ignore[attr-defined]
    return f


def is_internal_attribute(obj: Any, attr: str) -> bool:
    """True if ``obj.attr`` exposes interpreter internals (frames, code, dunders...)."""
    if isinstance(obj, types.FunctionType):
        if attr in UNSAFE_FUNCTION_ATTRIBUTES:
            return True
    elif isinstance(obj, types.MethodType):
        if attr in UNSAFE_FUNCTION_ATTRIBUTES or attr in UNSAFE_METHOD_ATTRIBUTES:
            return True
    elif isinstance(obj, type):
        if attr == "mro":
            return True
    elif isinstance(obj, (types.CodeType, types.TracebackType, types.FrameType)):
        return True
    elif isinstance(obj, types.GeneratorType):
        if attr in UNSAFE_GENERATOR_ATTRIBUTES:
            return True
    elif isinstance(obj, types.CoroutineType):
        if attr in UNSAFE_COROUTINE_ATTRIBUTES:
            return True
    elif isinstance(obj, types.AsyncGeneratorType) and attr in UNSAFE_ASYNC_GENERATOR_ATTRIBUTES:
        return True
    return attr.startswith("__")


def modifies_known_mutable(obj: Any, attr: str) -> bool:
    """True if ``attr`` is a mutating method of a builtin mutable container type."""
    for container_type, mutators in _MUTATORS:
        if isinstance(obj, container_type):
            return attr in mutators
    return False


class SandboxedEnvironment(Environment):
    """An environment whose templates cannot reach Python internals or unsafe callables."""

    sandboxed = True

    default_binop_table: dict[str, Callable[[Any, Any], Any]] = {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "//": operator.floordiv,
        "**": operator.pow,
        "%": operator.mod,
    }
    default_unop_table: dict[str, Callable[[Any], Any]] = {
        "+": operator.pos,
        "-": operator.neg,
    }
    #: Operators the compiler routes through ``call_binop`` / ``call_unop``.
    intercepted_binops: frozenset[str] = frozenset()
    intercepted_unops: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = safe_range
        self.binop_table = dict(self.default_binop_table)
        self.unop_table = dict(self.default_unop_table)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """May templates read ``obj.attr`` (whose value is ``value``)?"""
        return not (attr.startswith("_") or is_internal_attribute(obj, attr))

    def is_safe_callable(self, obj: Any) -> bool:
        """May templates call ``obj``?"""
        return not (getattr(obj, "unsafe_callable", False) or getattr(obj, "alters_data", False))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Evaluate an intercepted binary operator."""
        return self.binop_table[operator](left, right)

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        """Evaluate an intercepted unary operator."""
        return self.unop_table[operator](arg)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """``obj[argument]``, falling back to a policed attribute for string keys."""
        try:
            return obj[argument]
        except (TypeError, LookupError):
            if isinstance(argument, str):
                try:
                    value = getattr(obj, argument)
                except AttributeError:
                    pass
                else:
                    return self._policed(obj, argument, value)
        return self.undefined(obj=obj, name=argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` if safe, falling back to ``obj[attribute]``."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                pass
        else:
            return self._policed(obj, attribute, value)
        return self.undefined(obj=obj, name=attribute)

    def _policed(self, obj: Any, attribute: str, value: Any) -> Any:
        wrapped = self.wrap_str_format(value)
        if wrapped is not None:
            return wrapped
        if self.is_safe_attribute(obj, attribute, value):
            return value
        return self.unsafe_undefined(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """An undefined that raises ``SecurityError`` naming the refused attribute."""
        undefined: Undefined = self.undefined(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe.",
            name=attribute,
            obj=obj,
            exc=SecurityError,
        )
        return undefined

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """If ``value`` is a bound ``str.format``/``format_map``, a sandboxed stand-in."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)):
            return None
        if value.__name__ not in ("format", "format_map"):
            return None
        text = value.__self__
        if not isinstance(text, str):
            return None
        text_type = type(text)
        is_format_map = value.__name__ == "format_map"
        formatter: SandboxedFormatter
        if isinstance(text, Markup):
            formatter = SandboxedEscapeFormatter(self, escape=text.escape)
        else:
            formatter = SandboxedFormatter(self)
        vformat = formatter.vformat

        def sandboxed_format(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs, args = args[0], ()
            return text_type(vformat(text, args, kwargs))

        return update_wrapper(sandboxed_format, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``__obj`` from a template, refusing unsafe callables."""
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{__obj!r} is not safely callable")
        return __context.call(__obj, *args, **kwargs)


class ImmutableSandboxedEnvironment(SandboxedEnvironment):
    """A sandbox that also refuses the mutating methods of builtin containers."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return not modifies_known_mutable(obj, attr)


class SandboxedFormatter(Formatter):
    """A ``string.Formatter`` resolving ``{a.b[c]}`` through the sandbox."""

    def __init__(self, env: Environment, **kwargs: Any) -> None:
        self._env = env
        super().__init__(**kwargs)

    def get_field(
        self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[Any, str]:
        first, rest = formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            obj = self._env.getattr(obj, str(key)) if is_attr else self._env.getitem(obj, key)
        return obj, str(first)


class SandboxedEscapeFormatter(SandboxedFormatter, EscapeFormatter):
    """The sandboxed formatter for Markup: arguments are escaped as they are formatted."""
