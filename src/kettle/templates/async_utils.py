"""Helpers for async templates and async filters, under jinja2.async_utils' names.

Owns the one adapter from sync to async iteration that the runtime, the loop object and
the filters share, and ``async_variant``, the decorator that joins a sync and an async
implementation of one filter (or test, or global) into a single callable.

Rules:
- ``auto_await`` awaits a value only if it is awaitable (plain builtin values skip the
  probe); ``auto_aiter`` iterates sync and async iterables alike; ``auto_to_list``
  collects either into a list. Generated async code imports the first two through
  ``runtime.ASYNC_EXPORTED``.
- ``async_variant(sync_func)`` decorates the async implementation. The result calls the
  async one when the environment is async and the sync one otherwise, deciding per call
  from its first argument (the environment for ``pass_environment``, else the context or
  eval context's environment). A sync function with no ``pass_*`` marking gets the eval
  context only to find the environment; it is removed before either implementation runs.
  The result keeps the async function's name and the sync function's docstring, ``pass_*``
  marking and ``__wrapped__``, and carries ``jinja_async_variant = True``, so constant
  folding leaves it to render time in async environments.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from functools import WRAPPER_ASSIGNMENTS, wraps
from typing import Any

from .utils import _PassArg, pass_eval_context

_PLAIN_TYPES = frozenset({int, float, bool, str, list, dict, tuple, type(None)})
# The async function lends its identity, the sync one everything else functools copies.
_ASYNC_NAMES = ("__module__", "__name__", "__qualname__")
_SYNC_NAMES = tuple(name for name in WRAPPER_ASSIGNMENTS if name not in _ASYNC_NAMES)


async def auto_await(value: Any) -> Any:
    """``await value`` if it is awaitable, else ``value`` itself."""
    if type(value) in _PLAIN_TYPES:  # skip the isawaitable probe for common values
        return value
    if inspect.isawaitable(value):
        return await value
    return value


class _SyncAsAsync(AsyncIterator[Any]):
    """Adapt a plain iterable to the async iterator protocol."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self._iterator: Iterator[Any] = iter(iterable)

    def __aiter__(self) -> _SyncAsAsync:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._iterator)
        except StopIteration:
            raise StopAsyncIteration() from None


def auto_aiter(iterable: AsyncIterable[Any] | Iterable[Any]) -> AsyncIterator[Any]:
    """An async iterator over ``iterable``, whether it is async or not."""
    if hasattr(iterable, "__aiter__"):
        return iterable.__aiter__()
    return _SyncAsAsync(iterable)


async def auto_to_list(value: AsyncIterable[Any] | Iterable[Any]) -> list[Any]:
    """The items of a sync or async iterable, as a list."""
    return [item async for item in auto_aiter(value)]


def async_variant(sync_func: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    """Decorate the async implementation of ``sync_func``: the result runs whichever
    matches ``environment.is_async`` at call time (see the module rules)."""
    if not callable(sync_func):
        raise TypeError(
            f"async_variant() takes the sync function, got {type(sync_func).__name__!r}"
        )

    def decorate(async_func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(async_func):
            raise TypeError(
                "async_variant(...) decorates the async function, got"
                f" {type(async_func).__name__!r}"
            )
        pass_arg = _PassArg.from_obj(sync_func)
        dispatch = _dispatcher(sync_func, async_func, pass_arg)
        wraps(async_func, assigned=_ASYNC_NAMES, updated=())(dispatch)
        wraps(sync_func, assigned=_SYNC_NAMES)(dispatch)
        if pass_arg is None:
            dispatch = pass_eval_context(dispatch)
        dispatch.jinja_async_variant = True  # type: ignore[attr-defined]
        return dispatch

    return decorate


def _dispatcher(
    sync_func: Callable[..., Any], async_func: Callable[..., Any], pass_arg: _PassArg | None
) -> Callable[..., Any]:
    """One closure per calling convention, so each call makes a single attribute test."""
    if pass_arg is _PassArg.environment:

        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if args[0].is_async:
                return async_func(*args, **kwargs)
            return sync_func(*args, **kwargs)

    elif pass_arg is None:

        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if args[0].environment.is_async:
                return async_func(*args[1:], **kwargs)
            return sync_func(*args[1:], **kwargs)

    else:

        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if args[0].environment.is_async:
                return async_func(*args, **kwargs)
            return sync_func(*args, **kwargs)

    return dispatch


__all__ = ["async_variant", "auto_aiter", "auto_await", "auto_to_list"]
