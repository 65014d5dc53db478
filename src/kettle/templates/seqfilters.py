"""Builtin filters over sequences and mappings (sort, unique, min/max, join, first/last,
slice, batch, groupby, sum, list, reverse, attr), with the async variants jinja2 has;
``filters`` gathers them into the filter table.

Owns the attribute getters used by filters that take ``attribute=`` (dotted paths, digit
parts as indexes, looked up with ``environment.getitem``); ``mapfilters`` uses them too.

Rules:
- Names, signatures and ``pass_*`` markings match jinja2 3.1.
- Filters that consume an iterable have one public callable built by
  ``async_utils.async_variant``: it dispatches on ``environment.is_async`` and, when
  async, accepts async iterables.
- Bad arguments raise ``FilterArgumentError`` with a message.
"""

from __future__ import annotations

import random
from collections import abc
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from inspect import getattr_static
from itertools import chain, groupby
from typing import Any, NamedTuple, TypeVar

from markupsafe import escape, soft_str

from .async_utils import async_variant, auto_aiter, auto_to_list
from .exceptions import FilterArgumentError
from .undefined import Undefined
from .utils import pass_context, pass_environment, pass_eval_context

# Filters sit below the environment in the import graph; they only use its public
# attributes (getitem, getattr, undefined, policies, call_filter, call_test, is_async).
Environment = Any

V = TypeVar("V")
Getter = Callable[[Any], Any]


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


@async_variant(sync_do_unique)
async def do_unique(
    environment: Environment,
    value: AsyncIterable[V] | Iterable[V],
    case_sensitive: bool = False,
    attribute: str | int | None = None,
) -> Iterator[V]:
    return sync_do_unique(environment, await auto_to_list(value), case_sensitive, attribute)


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


@async_variant(sync_do_join)
async def do_join(
    eval_ctx: Any,
    value: AsyncIterable[Any] | Iterable[Any],
    d: str = "",
    attribute: str | int | None = None,
) -> str:
    return sync_do_join(eval_ctx, await auto_to_list(value), d, attribute)


@pass_environment
def sync_do_first(environment: Environment, seq: Iterable[V]) -> V | Undefined:
    """The first item (undefined for an empty sequence)."""
    try:
        return next(iter(seq))
    except StopIteration:
        return environment.undefined("No first item, sequence was empty.")  # type: ignore[no-any-return]


@async_variant(sync_do_first)
async def do_first(environment: Environment, seq: AsyncIterable[V] | Iterable[V]) -> V | Undefined:
    try:
        return await auto_aiter(seq).__anext__()  # type: ignore[no-any-return]
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


@async_variant(sync_do_slice)
async def do_slice(
    value: AsyncIterable[V] | Iterable[V], slices: int, fill_with: Any | None = None
) -> Iterator[list[V]]:
    return sync_do_slice(await auto_to_list(value), slices, fill_with)


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


@async_variant(sync_do_groupby)
async def do_groupby(
    environment: Environment,
    value: AsyncIterable[V] | Iterable[V],
    attribute: str | int,
    default: Any | None = None,
    case_sensitive: bool = False,
) -> list[_GroupTuple]:
    key, shown = _group_key_getters(environment, attribute, default, case_sensitive)
    ordered = sorted(await auto_to_list(value), key=key)
    groups = [_GroupTuple(k, await auto_to_list(items)) for k, items in groupby(ordered, key)]
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


@async_variant(sync_do_sum)
async def do_sum(
    environment: Environment,
    iterable: AsyncIterable[V] | Iterable[V],
    attribute: str | int | None = None,
    start: Any = 0,
) -> V:
    total = start
    getter = make_attrgetter(environment, attribute) if attribute is not None else None
    async for item in auto_aiter(iterable):
        total += getter(item) if getter is not None else item
    return total  # type: ignore[no-any-return]


def sync_do_list(value: Iterable[V]) -> list[V]:
    """Convert to a list."""
    return list(value)


@async_variant(sync_do_list)
async def do_list(value: AsyncIterable[V] | Iterable[V]) -> list[V]:
    return await auto_to_list(value)


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
