"""Builtin filters over sequences and mappings (sort, group, sum, map, select...), with the
async variants jinja2 has; ``filters`` gathers them into the filter table.

Owns the attribute getters used by filters that take ``attribute=`` (dotted paths, digit
parts as indexes, looked up with ``environment.getitem``), the async helpers, and every
filter that consumes an iterable.

Rules:
- Names, signatures and ``pass_*`` markings match jinja2 3.1.
- Filters that consume an iterable have one public callable that dispatches on
  ``environment.is_async`` and, when async, accepts async iterables and awaitable results,
  as jinja2's ``async_variant`` does.
- Bad arguments raise ``FilterArgumentError`` with a message.
"""

from __future__ import annotations

import inspect
import random
from collections import abc
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from functools import WRAPPER_ASSIGNMENTS, wraps
from inspect import getattr_static
from itertools import chain, groupby
from typing import Any, NamedTuple, TypeVar

from markupsafe import escape, soft_str

from .exceptions import FilterArgumentError
from .undefined import Undefined
from .utils import _PassArg, pass_context, pass_environment, pass_eval_context

# Filters sit below the environment in the import graph; they only use its public
# attributes (getitem, getattr, undefined, policies, call_filter, call_test, is_async).
Environment = Any

V = TypeVar("V")
Getter = Callable[[Any], Any]

# -- async support -------------------------------------------------------------------------

_PLAIN_TYPES = frozenset({int, float, bool, str, list, dict, tuple, type(None)})


async def _auto_await(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:  # skip the isawaitable probe for common values
        return value
    if inspect.isawaitable(value):
        return await value
    return value


class _SyncToAsync(AsyncIterator[Any]):
    """Adapt a plain iterator to the async iterator protocol."""

    def __init__(self, iterator: Iterator[Any]) -> None:
        self._iterator = iterator

    def __aiter__(self) -> _SyncToAsync:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._iterator)
        except StopIteration as stop:
            raise StopAsyncIteration(stop.value) from stop


def _auto_aiter(iterable: AsyncIterable[Any] | Iterable[Any]) -> AsyncIterator[Any]:
    if hasattr(iterable, "__aiter__"):
        return iterable.__aiter__()
    return _SyncToAsync(iter(iterable))


async def _auto_to_list(value: AsyncIterable[Any] | Iterable[Any]) -> list[Any]:
    return [item async for item in _auto_aiter(value)]


def _async_variant(sync_func: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    """Combine ``sync_func`` and the decorated coroutine function into one filter that
    picks by ``environment.is_async``. Unmarked sync filters get the eval context only to
    reach the environment; it is stripped before the call."""

    def decorate(async_func: Callable[..., Any]) -> Callable[..., Any]:
        pass_arg = _PassArg.from_obj(sync_func)
        strip_first = pass_arg is None
        env_first = pass_arg is _PassArg.environment
        own_names = ("__module__", "__name__", "__qualname__")
        borrowed = tuple(set(WRAPPER_ASSIGNMENTS).difference(own_names))

        # One specialised closure per calling convention: this runs on every call.
        if env_first:

            def dispatch(*args: Any, **kwargs: Any) -> Any:
                if args[0].is_async:
                    return async_func(*args, **kwargs)
                return sync_func(*args, **kwargs)

        elif strip_first:

            def dispatch(*args: Any, **kwargs: Any) -> Any:
                if args[0].environment.is_async:
                    return async_func(*args[1:], **kwargs)
                return sync_func(*args[1:], **kwargs)

        else:

            def dispatch(*args: Any, **kwargs: Any) -> Any:
                if args[0].environment.is_async:
                    return async_func(*args, **kwargs)
                return sync_func(*args, **kwargs)

        wraps(async_func, assigned=own_names, updated=())(dispatch)
        wraps(sync_func, assigned=borrowed)(dispatch)
        if strip_first:
            dispatch = pass_eval_context(dispatch)
        dispatch.jinja_async_variant = True  # type: ignore[attr-defined]
        return dispatch

    return decorate


# -- attribute getters ---------------------------------------------------------------------


def ignore_case(value: V) -> V:
    """Lower-case strings so sorting and grouping ignore case; other values pass through."""
    if isinstance(value, str):
        return value.lower()  # type: ignore[return-value]
    return value


def _attribute_path(attribute: str | int | None) -> list[str | int]:
    """Split ``"a.0.b"`` into ``["a", 0, "b"]`` (digit parts become indexes)."""
    if attribute is None:
        return []
    if isinstance(attribute, str):
        return [int(part) if part.isdigit() else part for part in attribute.split(".")]
    return [attribute]


def make_attrgetter(
    environment: Environment,
    attribute: str | int | None,
    postprocess: Getter | None = None,
    default: Any | None = None,
) -> Getter:
    """Build a getter following a dotted ``attribute`` path with ``environment.getitem``."""
    path = _attribute_path(attribute)
    getitem = environment.getitem

    def getter(item: Any) -> Any:
        for part in path:
            item = getitem(item, part)
            if default is not None and isinstance(item, Undefined):
                item = default
        if postprocess is not None:
            item = postprocess(item)
        return item

    return getter


def make_multi_attrgetter(
    environment: Environment, attribute: str | int | None, postprocess: Getter | None = None
) -> Callable[[Any], list[Any]]:
    """Like ``make_attrgetter`` for a comma-separated list of paths; returns a list."""
    names: list[str | int | None] = (
        list(attribute.split(",")) if isinstance(attribute, str) else [attribute]
    )
    paths = [_attribute_path(name) for name in names]
    getitem = environment.getitem

    def getter(item: Any) -> list[Any]:
        values = []
        for path in paths:
            value = item
            for part in path:
                value = getitem(value, part)
            values.append(postprocess(value) if postprocess is not None else value)
        return values

    return getter


# -- sequences -------------------------------------------------------------------------------


def do_dictsort(
    value: abc.Mapping[Any, Any],
    case_sensitive: bool = False,
    by: str = "key",
    reverse: bool = False,
) -> list[tuple[Any, Any]]:
    """Sort a dict's items by key or value."""
    if by == "key":
        position = 0
    elif by == "value":
        position = 1
    else:
        raise FilterArgumentError('You can only sort by either "key" or "value"')

    def sort_key(item: tuple[Any, Any]) -> Any:
        return item[position] if case_sensitive else ignore_case(item[position])

    return sorted(value.items(), key=sort_key, reverse=reverse)


@pass_environment
def do_sort(
    environment: Environment,
    value: Iterable[V],
    reverse: bool = False,
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> list[V]:
    """Sort, by item or by one or more comma-separated attribute paths."""
    key = make_multi_attrgetter(environment, attribute, None if case_sensitive else ignore_case)
    return sorted(value, key=key, reverse=reverse)


@pass_environment
def sync_do_unique(
    environment: Environment,
    value: Iterable[V],
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> Iterator[V]:
    """Yield the items whose key (item or attribute) was not seen before."""
    getter = make_attrgetter(environment, attribute, None if case_sensitive else ignore_case)
    seen = set()
    for item in value:
        key = getter(item)
        if key not in seen:
            seen.add(key)
            yield item


@_async_variant(sync_do_unique)
async def do_unique(
    environment: Environment,
    value: AsyncIterable[V] | Iterable[V],
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> Iterator[V]:
    return sync_do_unique(environment, await _auto_to_list(value), case_sensitive, attribute)


def _min_or_max(
    environment: Environment,
    value: Iterable[V],
    func: Callable[..., V],
    case_sensitive: bool,
    attribute: str | int | None,
) -> V | Undefined:
    it = iter(value)
    try:
        first = next(it)
    except StopIteration:
        return environment.undefined("No aggregated item, sequence was empty.")  # type: ignore[no-any-return]
    key = make_attrgetter(environment, attribute, None if case_sensitive else ignore_case)
    return func(chain([first], it), key=key)


@pass_environment
def do_min(
    environment: Environment,
    value: Iterable[V],
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> V | Undefined:
    """The smallest item (undefined for an empty sequence)."""
    return _min_or_max(environment, value, min, case_sensitive, attribute)


@pass_environment
def do_max(
    environment: Environment,
    value: Iterable[V],
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> V | Undefined:
    """The largest item (undefined for an empty sequence)."""
    return _min_or_max(environment, value, max, case_sensitive, attribute)


@pass_eval_context
def sync_do_join(
    eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    """Join the items with ``d``; under autoescape unsafe items are escaped if any item or
    the separator is Markup."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    if not eval_ctx.autoescape:
        return str(d).join(map(str, value))
    if hasattr(d, "__html__"):
        return soft_str(d).join(map(soft_str, value))
    items = value if type(value) is list else list(value)
    for item in items:
        if type(item) is not str:
            break
    else:  # only plain strings (the common case): no Markup involved
        return str(d).join(items)
    texts = []
    has_markup = False
    for item in items:
        if hasattr(item, "__html__"):
            has_markup = True
            texts.append(item)
        else:
            texts.append(str(item))
    separator = escape(d) if has_markup else str(d)
    return separator.join(texts)


@_async_variant(sync_do_join)
async def do_join(
    eval_ctx: Any,
    value: AsyncIterable[Any] | Iterable[Any],
    d: str = "",
    attribute: str | int | None = None,
) -> str:
    return sync_do_join(eval_ctx, await _auto_to_list(value), d, attribute)


@pass_environment
def sync_do_first(environment: Environment, seq: Iterable[V]) -> V | Undefined:
    """The first item (undefined for an empty sequence)."""
    try:
        return next(iter(seq))
    except StopIteration:
        return environment.undefined("No first item, sequence was empty.")  # type: ignore[no-any-return]


@_async_variant(sync_do_first)
async def do_first(environment: Environment, seq: AsyncIterable[V] | Iterable[V]) -> V | Undefined:
    try:
        return await _auto_aiter(seq).__anext__()  # type: ignore[no-any-return]
    except StopAsyncIteration:
        return environment.undefined("No first item, sequence was empty.")  # type: ignore[no-any-return]


@pass_environment
def do_last(environment: Environment, seq: abc.Reversible[V]) -> V | Undefined:
    """The last item (undefined for an empty sequence)."""
    try:
        return next(iter(reversed(seq)))
    except StopIteration:
        return environment.undefined("No last item, sequence was empty.")  # type: ignore[no-any-return]


@pass_context
def do_random(context: Any, seq: abc.Sequence[V]) -> V | Undefined:
    """A random item (undefined for an empty sequence)."""
    try:
        return random.choice(seq)
    except IndexError:
        return context.environment.undefined("No random item, sequence was empty.")  # type: ignore[no-any-return]


def sync_do_slice(
    value: Iterable[V], slices: int, fill_with: V | None = None
) -> Iterator[list[V]]:
    """Cut into ``slices`` columns of near-equal length (longer ones first), padding the
    short ones with ``fill_with`` when given."""
    seq = list(value)
    per_slice, with_extra = divmod(len(seq), slices)
    start = 0
    for number in range(slices):
        end = start + per_slice + (1 if number < with_extra else 0)
        column = seq[start:end]
        if fill_with is not None and number >= with_extra:
            column.append(fill_with)
        yield column
        start = end


@_async_variant(sync_do_slice)
async def do_slice(
    value: AsyncIterable[V] | Iterable[V], slices: int, fill_with: Any | None = None
) -> Iterator[list[V]]:
    return sync_do_slice(await _auto_to_list(value), slices, fill_with)


def do_batch(value: Iterable[V], linecount: int, fill_with: V | None = None) -> Iterator[list[V]]:
    """Group into lists of ``linecount`` items; pad the last with ``fill_with`` if given."""
    batch: list[V] = []
    for item in value:
        if len(batch) == linecount:
            yield batch
            batch = []
        batch.append(item)
    if batch:
        if fill_with is not None and len(batch) < linecount:
            batch += [fill_with] * (linecount - len(batch))
        yield batch


class _GroupTuple(NamedTuple):
    grouper: Any
    list: list[Any]

    # Print like a plain tuple so debugging output does not reveal the subclass.
    def __repr__(self) -> str:
        return tuple.__repr__(self)

    def __str__(self) -> str:
        return tuple.__str__(self)


def _group_key_getters(
    environment: Environment, attribute: str | int, default: Any, case_sensitive: bool
) -> tuple[Getter, Getter | None]:
    sort_key = make_attrgetter(
        environment, attribute, None if case_sensitive else ignore_case, default
    )
    shown = None if case_sensitive else make_attrgetter(environment, attribute, default=default)
    return sort_key, shown


@pass_environment
def sync_do_groupby(
    environment: Environment,
    value: Iterable[V],
    attribute: str | int,
    default: Any | None = None,
    case_sensitive: bool = False,
) -> list[_GroupTuple]:
    """Group items by an attribute path; each group is ``(grouper, list)``. Without
    ``case_sensitive`` the grouper is the first item's original value."""
    key, shown = _group_key_getters(environment, attribute, default, case_sensitive)
    groups = [_GroupTuple(k, list(items)) for k, items in groupby(sorted(value, key=key), key)]
    if shown is not None:
        groups = [_GroupTuple(shown(items[0]), items) for _, items in groups]
    return groups


@_async_variant(sync_do_groupby)
async def do_groupby(
    environment: Environment,
    value: AsyncIterable[V] | Iterable[V],
    attribute: str | int,
    default: Any | None = None,
    case_sensitive: bool = False,
) -> list[_GroupTuple]:
    key, shown = _group_key_getters(environment, attribute, default, case_sensitive)
    ordered = sorted(await _auto_to_list(value), key=key)
    groups = [_GroupTuple(k, await _auto_to_list(items)) for k, items in groupby(ordered, key)]
    if shown is not None:
        groups = [_GroupTuple(shown(items[0]), items) for _, items in groups]
    return groups


@pass_environment
def sync_do_sum(
    environment: Environment,
    iterable: Iterable[V],
    attribute: str | int | None = None,
    start: Any = 0,
) -> V:
    """Sum the items (or an attribute of each) starting from ``start``."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total: V = sum(iterable, start)  # type: ignore[arg-type,assignment]
    return total


@_async_variant(sync_do_sum)
async def do_sum(
    environment: Environment,
    iterable: AsyncIterable[V] | Iterable[V],
    attribute: str | int | None = None,
    start: Any = 0,
) -> V:
    total = start
    getter = make_attrgetter(environment, attribute) if attribute is not None else None
    async for item in _auto_aiter(iterable):
        total += getter(item) if getter is not None else item
    return total  # type: ignore[no-any-return]


def sync_do_list(value: Iterable[V]) -> list[V]:
    """Convert to a list."""
    return list(value)


@_async_variant(sync_do_list)
async def do_list(value: AsyncIterable[V] | Iterable[V]) -> list[V]:
    return await _auto_to_list(value)


def do_reverse(value: Any) -> Any:
    """Reverse a string or iterable."""
    if isinstance(value, str):
        return value[::-1]
    try:
        return reversed(value)
    except TypeError:
        try:
            items = list(value)
        except TypeError as error:
            raise FilterArgumentError("argument must be iterable") from error
        items.reverse()
        return items


@pass_environment
def do_attr(environment: Environment, obj: Any, name: str) -> Any:
    """Look up attribute ``name`` only (never an item), through the environment so a
    sandbox can veto it."""
    try:
        # getattr_static sees real attributes without running descriptors.
        getattr_static(obj, name)
    except AttributeError:
        if not hasattr(obj, name):
            return environment.undefined(obj=obj, name=name)
    return environment.getattr(obj, name)


# -- map / select / reject -------------------------------------------------------------------


def prepare_map(context: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Getter:
    """The per-item function of ``map``: an attribute getter or a filter call."""
    if not args and "attribute" in kwargs:
        attribute = kwargs.pop("attribute")
        default = kwargs.pop("default", None)
        if kwargs:
            raise FilterArgumentError(f"Unexpected keyword argument {next(iter(kwargs))!r}")
        return make_attrgetter(context.environment, attribute, default=default)
    if not args:
        raise FilterArgumentError("map requires a filter argument")
    name, rest = args[0], args[1:]

    def apply(item: Any) -> Any:
        return context.environment.call_filter(name, item, rest, kwargs, context=context)

    return apply


def prepare_select_or_reject(
    context: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    modfunc: Callable[[Any], Any],
    lookup_attr: bool,
) -> Getter:
    """The per-item predicate of select/reject(attr): test name and args from ``args``."""
    offset = 0
    transform: Getter | None = None
    if lookup_attr:
        if not args:
            raise FilterArgumentError("Missing parameter for attribute name")
        transform = make_attrgetter(context.environment, args[0])
        offset = 1
    check: Getter = bool
    if len(args) > offset:
        name, rest = args[offset], args[offset + 1 :]

        def check(item: Any) -> Any:
            return context.environment.call_test(name, item, rest, kwargs, context)

    if transform is None:
        return lambda item: modfunc(check(item))
    getter = transform
    return lambda item: modfunc(check(getter(item)))


def select_or_reject(
    context: Any,
    value: Iterable[V],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    modfunc: Callable[[Any], Any],
    lookup_attr: bool,
) -> Iterator[V]:
    if value:
        keep = prepare_select_or_reject(context, args, kwargs, modfunc, lookup_attr)
        for item in value:
            if keep(item):
                yield item


async def async_select_or_reject(
    context: Any,
    value: AsyncIterable[V] | Iterable[V],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    modfunc: Callable[[Any], Any],
    lookup_attr: bool,
) -> AsyncIterator[V]:
    if value:
        keep = prepare_select_or_reject(context, args, kwargs, modfunc, lookup_attr)
        async for item in _auto_aiter(value):
            if keep(item):
                yield item


@pass_context
def sync_do_map(context: Any, value: Iterable[Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Apply a filter, or look up ``attribute=``, on each item."""
    if value:
        func = prepare_map(context, args, kwargs)
        for item in value:
            yield func(item)


@_async_variant(sync_do_map)
async def do_map(
    context: Any, value: AsyncIterable[Any] | Iterable[Any], *args: Any, **kwargs: Any
) -> AsyncIterator[Any]:
    if value:
        func = prepare_map(context, args, kwargs)
        async for item in _auto_aiter(value):
            yield await _auto_await(func(item))


def _identity(value: Any) -> Any:
    return value


def _negate(value: Any) -> bool:
    return not value


@pass_context
def sync_do_select(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Keep items passing a test (truthy items without a test name)."""
    return select_or_reject(context, value, args, kwargs, _identity, False)


@_async_variant(sync_do_select)
async def do_select(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _identity, False)


@pass_context
def sync_do_reject(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Drop items passing a test (truthy items without a test name)."""
    return select_or_reject(context, value, args, kwargs, _negate, False)


@_async_variant(sync_do_reject)
async def do_reject(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _negate, False)


@pass_context
def sync_do_selectattr(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Keep items whose attribute passes a test (is truthy without a test name)."""
    return select_or_reject(context, value, args, kwargs, _identity, True)


@_async_variant(sync_do_selectattr)
async def do_selectattr(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _identity, True)


@pass_context
def sync_do_rejectattr(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Drop items whose attribute passes a test (is truthy without a test name)."""
    return select_or_reject(context, value, args, kwargs, _negate, True)


@_async_variant(sync_do_rejectattr)
async def do_rejectattr(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _negate, True)
