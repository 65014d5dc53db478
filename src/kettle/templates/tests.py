"""The builtin tests of the template language (``{{ x is odd }}``), as jinja2.tests has them.

Owns every builtin test function and the ``TESTS`` table (name -> callable) that
``defaults.DEFAULT_TESTS`` exposes. Rules: each test returns a plain bool (or what the
operator returns for the comparison aliases) and never raises on the kinds of value its
name asks about; ``filter`` and ``test`` receive the environment via ``pass_environment``.
"""

from __future__ import annotations

import operator
from collections import abc
from collections.abc import Callable, Container
from numbers import Number
from typing import Any

from .undefined import Undefined
from .utils import pass_environment

# Filters sit below the environment in the import graph; they only use its public
# attributes (getitem, getattr, undefined, policies, call_filter, call_test, is_async).
Environment = Any

__all__ = ["TESTS"]


def test_odd(value: int) -> bool:
    """True if ``value`` is odd."""
    return value % 2 == 1


def test_even(value: int) -> bool:
    """True if ``value`` is even."""
    return value % 2 == 0


def test_divisibleby(value: int, num: int) -> bool:
    """True if ``value`` is a multiple of ``num``."""
    return value % num == 0


def test_defined(value: Any) -> bool:
    """True unless ``value`` is undefined."""
    return not isinstance(value, Undefined)


def test_undefined(value: Any) -> bool:
    """True if ``value`` is undefined."""
    return isinstance(value, Undefined)


@pass_environment
def test_filter(env: Environment, value: str) -> bool:
    """True if a filter named ``value`` exists in the environment."""
    return value in env.filters


@pass_environment
def test_test(env: Environment, value: str) -> bool:
    """True if a test named ``value`` exists in the environment."""
    return value in env.tests


def test_none(value: Any) -> bool:
    """True if ``value`` is None."""
    return value is None


def test_boolean(value: Any) -> bool:
    """True for the two bool singletons only."""
    return value is True or value is False


def test_false(value: Any) -> bool:
    """True if ``value`` is the ``False`` singleton."""
    return value is False


def test_true(value: Any) -> bool:
    """True if ``value`` is the ``True`` singleton."""
    return value is True


def test_integer(value: Any) -> bool:
    """True for ints that are not bools."""
    return isinstance(value, int) and value is not True and value is not False


def test_float(value: Any) -> bool:
    """True for floats."""
    return isinstance(value, float)


def test_lower(value: str) -> bool:
    """True if the text of ``value`` is lower case."""
    return str(value).islower()


def test_upper(value: str) -> bool:
    """True if the text of ``value`` is upper case."""
    return str(value).isupper()


def test_string(value: Any) -> bool:
    """True for str (Markup included)."""
    return isinstance(value, str)


def test_mapping(value: Any) -> bool:
    """True for mappings (dict and anything registered as one)."""
    return isinstance(value, abc.Mapping)


def test_number(value: Any) -> bool:
    """True for numbers (bool, int, float, complex, Decimal, Fraction...)."""
    return isinstance(value, Number)


def test_sequence(value: Any) -> bool:
    """True if ``value`` has a length and supports item access."""
    try:
        len(value)
        value.__getitem__  # noqa: B018 - probing for the attribute
    except Exception:
        return False
    return True


def test_sameas(value: Any, other: Any) -> bool:
    """True if ``value`` is the very object ``other``."""
    return value is other


def test_iterable(value: Any) -> bool:
    """True if ``iter(value)`` works."""
    try:
        iter(value)
    except TypeError:
        return False
    return True


def test_escaped(value: Any) -> bool:
    """True if ``value`` is already safe HTML (has ``__html__``)."""
    return hasattr(value, "__html__")


def test_in(value: Any, seq: Container[Any]) -> bool:
    """True if ``value`` is in ``seq``."""
    return value in seq


TESTS: dict[str, Callable[..., Any]] = {
    "odd": test_odd,
    "even": test_even,
    "divisibleby": test_divisibleby,
    "defined": test_defined,
    "undefined": test_undefined,
    "filter": test_filter,
    "test": test_test,
    "none": test_none,
    "boolean": test_boolean,
    "false": test_false,
    "true": test_true,
    "integer": test_integer,
    "float": test_float,
    "lower": test_lower,
    "upper": test_upper,
    "string": test_string,
    "mapping": test_mapping,
    "number": test_number,
    "sequence": test_sequence,
    "iterable": test_iterable,
    "callable": callable,
    "sameas": test_sameas,
    "escaped": test_escaped,
    "in": test_in,
    "==": operator.eq,
    "eq": operator.eq,
    "equalto": operator.eq,
    "!=": operator.ne,
    "ne": operator.ne,
    ">": operator.gt,
    "gt": operator.gt,
    "greaterthan": operator.gt,
    "ge": operator.ge,
    ">=": operator.ge,
    "<": operator.lt,
    "lt": operator.lt,
    "lessthan": operator.lt,
    "<=": operator.le,
    "le": operator.le,
}
