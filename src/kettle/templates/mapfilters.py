"""The builtin filters that run another filter or test on each item: ``map``, ``select``,
``reject``, ``selectattr`` and ``rejectattr``, with their async variants.

Rules:
- Names, signatures and ``pass_*`` markings match jinja2 3.1; the helpers
  (``prepare_map``, ``prepare_select_or_reject``, ``select_or_reject``,
  ``async_select_or_reject``) keep jinja2.filters' names and arguments.
- The named filter or test is looked up through ``environment.call_filter`` /
  ``call_test`` on every item, with the render context, so a sandbox or a custom
  environment sees each call.
- Each filter is one public callable built by ``async_utils.async_variant``; the async
  form accepts async iterables and awaits awaitable results of ``map``.
- Bad arguments raise ``FilterArgumentError`` with a message.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

from .async_utils import async_variant, auto_aiter, auto_await
from .exceptions import FilterArgumentError
from .seqfilters import Getter, make_attrgetter
from .utils import pass_context

V = TypeVar("V")


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
        async for item in auto_aiter(value):
            if keep(item):
                yield item


@pass_context
def sync_do_map(context: Any, value: Iterable[Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Apply a filter, or look up ``attribute=``, on each item."""
    if value:
        func = prepare_map(context, args, kwargs)
        for item in value:
            yield func(item)


@async_variant(sync_do_map)
async def do_map(
    context: Any, value: AsyncIterable[Any] | Iterable[Any], *args: Any, **kwargs: Any
) -> AsyncIterator[Any]:
    if value:
        func = prepare_map(context, args, kwargs)
        async for item in auto_aiter(value):
            yield await auto_await(func(item))


def _identity(value: Any) -> Any:
    return value


def _negate(value: Any) -> bool:
    return not value


@pass_context
def sync_do_select(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Keep items passing a test (truthy items without a test name)."""
    return select_or_reject(context, value, args, kwargs, _identity, False)


@async_variant(sync_do_select)
async def do_select(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _identity, False)


@pass_context
def sync_do_reject(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Drop items passing a test (truthy items without a test name)."""
    return select_or_reject(context, value, args, kwargs, _negate, False)


@async_variant(sync_do_reject)
async def do_reject(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _negate, False)


@pass_context
def sync_do_selectattr(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Keep items whose attribute passes a test (is truthy without a test name)."""
    return select_or_reject(context, value, args, kwargs, _identity, True)


@async_variant(sync_do_selectattr)
async def do_selectattr(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _identity, True)


@pass_context
def sync_do_rejectattr(context: Any, value: Iterable[V], *args: Any, **kwargs: Any) -> Iterator[V]:
    """Drop items whose attribute passes a test (is truthy without a test name)."""
    return select_or_reject(context, value, args, kwargs, _negate, True)


@async_variant(sync_do_rejectattr)
async def do_rejectattr(
    context: Any, value: AsyncIterable[V] | Iterable[V], *args: Any, **kwargs: Any
) -> AsyncIterator[V]:
    return async_select_or_reject(context, value, args, kwargs, _negate, True)
