"""kettle.templates.async_utils: async_variant's dispatch, metadata and use as a filter,
test or global in sync and async environments; auto_await/auto_aiter/auto_to_list."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import pytest

from kettle.templates import Environment
from kettle.templates.async_utils import async_variant, auto_aiter, auto_await, auto_to_list
from kettle.templates.nodes import EvalContext
from kettle.templates.utils import (
    _PassArg,
    pass_context,
    pass_environment,
    pass_eval_context,
)


async def _numbers(n: int) -> AsyncIterator[int]:
    for i in range(n):
        yield i


def _calls_to(log: list[str]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """An unmarked sync/async pair that records which one ran and with which arguments."""

    def sync_total(value: Iterable[int], start: int = 0) -> str:
        """Add up the items."""
        log.append(f"sync {start}")
        return f"sync:{sum(value, start)}"

    async def total(value: Any, start: int = 0) -> str:
        log.append(f"async {start}")
        return f"async:{sum(await auto_to_list(value), start)}"

    return sync_total, total


# -- metadata ---------------------------------------------------------------------------


def test_metadata_name_from_async_rest_from_sync() -> None:
    sync_total, total = _calls_to([])
    wrapped = async_variant(sync_total)(total)
    assert wrapped.__name__ == "total"
    assert wrapped.__qualname__ == total.__qualname__
    assert wrapped.__module__ == __name__
    assert wrapped.__doc__ == "Add up the items."
    assert wrapped.__wrapped__ is sync_total
    assert wrapped.jinja_async_variant is True
    # An unmarked sync function gets the eval context (to find the environment).
    assert wrapped.jinja_pass_arg is _PassArg.eval_context


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (pass_environment, _PassArg.environment),
        (pass_context, _PassArg.context),
        (pass_eval_context, _PassArg.eval_context),
    ],
    ids=["environment", "context", "eval_context"],
)
def test_marking_comes_from_sync_function(marker: Any, expected: _PassArg) -> None:
    @marker
    def sync_first(owner: Any, value: Any) -> Any:
        return value

    async def first(owner: Any, value: Any) -> Any:
        return value

    wrapped = async_variant(sync_first)(first)
    assert wrapped.jinja_pass_arg is expected
    assert wrapped.jinja_async_variant is True


# -- direct calls -----------------------------------------------------------------------


def test_unmarked_strips_eval_context_and_dispatches() -> None:
    log: list[str] = []
    wrapped = async_variant(_calls_to(log)[0])(_calls_to(log)[1])
    sync_ctx = EvalContext(Environment())
    async_ctx = EvalContext(Environment(enable_async=True))
    assert wrapped(sync_ctx, [1, 2, 3], start=10) == "sync:16"
    result = wrapped(async_ctx, [1, 2, 3], 10)
    assert inspect.iscoroutine(result)
    assert asyncio.run(result) == "async:16"
    assert log == ["sync 10", "async 10"]


def test_environment_first_keeps_environment() -> None:
    @pass_environment
    def sync_label(environment: Any, value: str) -> str:
        return f"sync {value} {environment.is_async}"

    async def label(environment: Any, value: str) -> str:
        return f"async {value} {environment.is_async}"

    wrapped = async_variant(sync_label)(label)
    assert wrapped(Environment(), "x") == "sync x False"
    assert asyncio.run(wrapped(Environment(enable_async=True), "y")) == "async y True"


# -- through templates ------------------------------------------------------------------


def _environments(**filters: Any) -> tuple[Environment, Environment]:
    sync_env, async_env = Environment(), Environment(enable_async=True)
    sync_env.filters.update(filters)
    async_env.filters.update(filters)
    return sync_env, async_env


def test_unmarked_filter_in_both_environments() -> None:
    log: list[str] = []
    sync_total, total = _calls_to(log)
    sync_env, async_env = _environments(total=async_variant(sync_total)(total))
    source = "{{ items|total(5) }}"
    assert sync_env.from_string(source).render(items=[1, 2]) == "sync:8"
    template = async_env.from_string(source)
    assert asyncio.run(template.render_async(items=_numbers(4))) == "async:11"
    assert log == ["sync 5", "async 5"]


def test_context_filter_sees_template_variables() -> None:
    @pass_context
    def sync_tag(context: Any, value: str) -> str:
        return f"{context['prefix']}-{value}-sync"

    @async_variant(sync_tag)
    async def tag(context: Any, value: str) -> str:
        return f"{context['prefix']}-{value}-async"

    sync_env, async_env = _environments(tag=tag)
    source = "{{ 'a'|tag }}"
    assert sync_env.from_string(source).render(prefix="p") == "p-a-sync"
    assert asyncio.run(async_env.from_string(source).render_async(prefix="q")) == "q-a-async"


def test_eval_context_filter_sees_autoescape() -> None:
    @pass_eval_context
    def sync_flag(eval_ctx: Any, value: str) -> str:
        return f"{value}:{eval_ctx.autoescape}:sync"

    @async_variant(sync_flag)
    async def flag(eval_ctx: Any, value: str) -> str:
        return f"{value}:{eval_ctx.autoescape}:async"

    sync_env, async_env = _environments(flag=flag)
    source = "{{ 'v'|flag }}{% autoescape true %} {{ 'w'|flag }}{% endautoescape %}"
    assert sync_env.from_string(source).render() == "v:False:sync w:True:sync"
    rendered = asyncio.run(async_env.from_string(source).render_async())
    assert rendered == "v:False:async w:True:async"


def test_constant_arguments_are_not_folded_in_async_environment() -> None:
    log: list[str] = []
    sync_total, total = _calls_to(log)
    wrapped = async_variant(sync_total)(total)
    _, async_env = _environments(total=wrapped)
    template = async_env.from_string("{{ [1, 2, 3]|total }}")
    assert log == []  # nothing ran at compile time
    assert asyncio.run(template.render_async()) == "async:6"
    assert log == ["async 0"]


def test_as_test_and_global() -> None:
    @pass_environment
    def sync_is_small(environment: Any, value: int) -> bool:
        return value < 3

    @async_variant(sync_is_small)
    async def is_small(environment: Any, value: int) -> bool:
        return value < 3

    sync_env, async_env = Environment(), Environment(enable_async=True)
    for env in (sync_env, async_env):
        env.tests["small"] = is_small
    source = "{% for n in items if n is small %}{{ n }}{% endfor %}"
    assert sync_env.from_string(source).render(items=[1, 5, 2]) == "12"
    rendered = asyncio.run(async_env.from_string(source).render_async(items=_numbers(5)))
    assert rendered == "012"


def test_builtin_filters_are_async_variants() -> None:
    env = Environment()
    for name in ("join", "list", "sum", "map", "select", "groupby", "first", "unique"):
        assert env.filters[name].jinja_async_variant is True, name
    assert getattr(env.filters["upper"], "jinja_async_variant", False) is False


# -- bad input --------------------------------------------------------------------------


def test_non_callable_sync_function_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"takes the sync function, got 'str'"):
        async_variant("join")  # type: ignore[arg-type]


def test_non_callable_async_function_is_rejected() -> None:
    decorate = async_variant(len)
    with pytest.raises(TypeError, match=r"decorates the async function, got 'int'"):
        decorate(3)  # type: ignore[arg-type]


# -- auto_await / auto_aiter / auto_to_list ---------------------------------------------


def test_auto_await_values_and_awaitables() -> None:
    async def seven() -> int:
        return 7

    class Box:
        def __await__(self) -> Any:
            return seven().__await__()

    async def run() -> list[Any]:
        return [
            await auto_await(1),
            await auto_await("s"),
            await auto_await(None),
            await auto_await(seven()),
            await auto_await(Box()),
        ]

    assert asyncio.run(run()) == [1, "s", None, 7, 7]


def test_auto_aiter_and_auto_to_list() -> None:
    async def run() -> tuple[list[int], list[int], list[str], list[int]]:
        from_sync = [x async for x in auto_aiter(iter([1, 2]))]
        from_async = [x async for x in auto_aiter(_numbers(3))]
        return from_sync, from_async, await auto_to_list("ab"), await auto_to_list([])

    assert asyncio.run(run()) == ([1, 2], [0, 1, 2], ["a", "b"], [])


def test_auto_aiter_of_non_iterable_raises_type_error() -> None:
    with pytest.raises(TypeError, match="not iterable"):
        auto_aiter(5)  # type: ignore[arg-type]
