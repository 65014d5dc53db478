"""The ``loop`` object of ``{% for %}``: index, length, neighbours, cycle, changed, recursion.

Rules: the iterable is consumed lazily; ``length``/``revindex`` materialise the rest only
when a template asks for them; ``last``/``nextitem`` look one item ahead. Built only when
a loop body reads ``loop`` (the compiler decides). ``AsyncLoopContext`` is the same over
async iterables, with the length-dependent attributes awaitable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from .async_utils import auto_aiter
from .utils import internalcode, missing


class LoopContext:
    """A for loop's state, iterated as ``(item, loop)`` pairs."""

    index0 = -1
    _length: int | None = None
    _after: Any = missing
    _current: Any = missing
    _before: Any = missing
    _last_changed_value: Any = missing

    def __init__(
        self,
        iterable: Iterable[Any],
        undefined: Any,
        recurse: Callable[..., Any] | None = None,
        depth0: int = 0,
    ) -> None:
        self._iterable = iterable
        self._iterator = self._to_iterator(iterable)
        self._undefined = undefined
        self._recurse = recurse
        self.depth0 = depth0

    @staticmethod
    def _to_iterator(iterable: Iterable[Any]) -> Iterator[Any]:
        return iter(iterable)

    @property
    def length(self) -> int:
        if self._length is not None:
            return self._length
        try:
            self._length = len(self._iterable)  # type: ignore[arg-type]
        except TypeError:
            rest = list(self._iterator)
            self._iterator = self._to_iterator(rest)
            self._length = len(rest) + self.index + (self._after is not missing)
        return self._length

    def __len__(self) -> int:
        return self.length

    @property
    def depth(self) -> int:
        return self.depth0 + 1

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def revindex0(self) -> int:
        return self.length - self.index

    @property
    def revindex(self) -> int:
        return self.length - self.index0

    @property
    def first(self) -> bool:
        return self.index0 == 0

    def _peek_next(self) -> Any:
        if self._after is not missing:
            return self._after
        self._after = next(self._iterator, missing)
        return self._after

    @property
    def last(self) -> bool:
        return self._peek_next() is missing

    @property
    def previtem(self) -> Any:
        if self.first:
            return self._undefined("there is no previous item")
        return self._before

    @property
    def nextitem(self) -> Any:
        value = self._peek_next()
        if value is missing:
            return self._undefined("there is no next item")
        return value

    def cycle(self, *args: Any) -> Any:
        if not args:
            raise TypeError("no items for cycling given")
        return args[self.index0 % len(args)]

    def changed(self, *value: Any) -> bool:
        if self._last_changed_value != value:
            self._last_changed_value = value
            return True
        return False

    def __iter__(self) -> LoopContext:
        return self

    def __next__(self) -> tuple[Any, LoopContext]:
        if self._after is not missing:
            item = self._after
            self._after = missing
        else:
            item = next(self._iterator)
        self.index0 += 1
        self._before = self._current
        self._current = item
        return item, self

    @internalcode
    def __call__(self, iterable: Iterable[Any]) -> Any:
        if self._recurse is None:
            raise TypeError("The loop must have the 'recursive' marker to be called recursively.")
        return self._recurse(iterable, self._recurse, depth=self.depth)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.index}/{self.length}>"


class AsyncLoopContext(LoopContext):
    """``LoopContext`` over an async iterable; length-based attributes are awaitables."""

    _async_iterator: AsyncIterator[Any]

    def __init__(
        self,
        iterable: Any,
        undefined: Any,
        recurse: Callable[..., Any] | None = None,
        depth0: int = 0,
    ) -> None:
        self._iterable = iterable
        self._async_iterator = auto_aiter(iterable)
        self._undefined = undefined
        self._recurse = recurse
        self.depth0 = depth0

    @property
    def length(self) -> Any:
        return self._async_length()

    async def _async_length(self) -> int:
        if self._length is not None:
            return self._length
        try:
            self._length = len(self._iterable)  # type: ignore[arg-type]
        except TypeError:
            rest = [x async for x in self._async_iterator]
            self._async_iterator = auto_aiter(rest)
            self._length = len(rest) + self.index + (self._after is not missing)
        return self._length

    @property
    def revindex0(self) -> Any:
        return self._sub_index(0)

    @property
    def revindex(self) -> Any:
        return self._sub_index(1)

    async def _sub_index(self, offset: int) -> int:
        return await self._async_length() - self.index + offset

    async def _peek_next_async(self) -> Any:
        if self._after is not missing:
            return self._after
        try:
            self._after = await self._async_iterator.__anext__()
        except StopAsyncIteration:
            self._after = missing
        return self._after

    @property
    def last(self) -> Any:
        return self._last_async()

    async def _last_async(self) -> bool:
        return await self._peek_next_async() is missing

    @property
    def nextitem(self) -> Any:
        return self._nextitem_async()

    async def _nextitem_async(self) -> Any:
        value = await self._peek_next_async()
        if value is missing:
            return self._undefined("there is no next item")
        return value

    def __aiter__(self) -> AsyncLoopContext:
        return self

    async def __anext__(self) -> tuple[Any, AsyncLoopContext]:
        if self._after is not missing:
            item = self._after
            self._after = missing
        else:
            item = await self._async_iterator.__anext__()
        self.index0 += 1
        self._before = self._current
        self._current = item
        return item, self
