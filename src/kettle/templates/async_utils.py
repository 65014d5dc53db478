"""Helpers for async templates, under jinja2.async_utils' names.

Rules: ``auto_await`` awaits a value only if it is awaitable; ``auto_aiter`` iterates sync
and async iterables alike; ``auto_to_list`` collects either into a list. Generated async
code imports them through ``runtime.ASYNC_EXPORTED``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from .runtime import auto_aiter, auto_await


async def auto_to_list(value: AsyncIterable[Any] | Iterable[Any]) -> list[Any]:
    return [x async for x in auto_aiter(value)]


__all__ = ["auto_aiter", "auto_await", "auto_to_list"]
