"""Small dict and list containers of Werkzeug's datastructures family.

Owns the immutable containers (``ImmutableList``, ``ImmutableDict``,
``ImmutableTypeConversionDict``), the converting ``TypeConversionDict``, the watched
``CallbackDict`` and ``FileMultiDict``, plus ``iter_multi_items``. The multi-value
mappings themselves live in ``multidict``; headers in ``headers``.

Rules: an immutable container raises ``TypeError`` naming its class on every mutating
call, is hashable, and its ``copy()`` returns a mutable container of the plain kind (as
Werkzeug does). ``CallbackDict`` calls ``on_update(self)`` after each change that really
happened (``setdefault`` of an existing key and ``pop`` of a missing one are no change).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, NoReturn

from .formparser import FileStorage
from .multidict import MultiDict, _iter_multi_items

_missing: Any = object()


def iter_multi_items(mapping: Any) -> Iterator[tuple[Any, Any]]:
    """Yield ``(key, value)`` pairs of a mapping or pair iterable; list/tuple values of a
    plain mapping (and every value of a MultiDict) are yielded one by one."""
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            if isinstance(value, list | tuple | set):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from _iter_multi_items(mapping)


def _refuse(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class ImmutableListMixin:
    """Makes a list subclass read-only and hashable."""

    _hash_cache: int | None = None

    def __hash__(self) -> int:
        if self._hash_cache is None:
            self._hash_cache = hash(tuple(self))  # type: ignore[arg-type]  # used on lists
        return self._hash_cache

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (list(self),)  # type: ignore[call-overload]  # used on lists

    __delitem__ = __setitem__ = __iadd__ = __imul__ = _refuse
    append = remove = extend = insert = pop = reverse = sort = _refuse


class ImmutableList(ImmutableListMixin, list[Any]):  # type: ignore[misc]  # mixin refuses
    """A list that refuses every change."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


class ImmutableDictMixin:
    """Makes a dict subclass read-only and hashable."""

    _hash_cache: int | None = None

    @classmethod
    def fromkeys(cls, keys: Iterable[Any], value: Any = None) -> Any:
        return cls(dict.fromkeys(keys, value))  # type: ignore[call-arg]  # dict subclasses

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (dict(self),)  # type: ignore[call-overload]  # used on dicts

    def _iter_hashitems(self) -> Iterable[Any]:
        return self.items()  # type: ignore[attr-defined, no-any-return]  # used on dicts

    def __hash__(self) -> int:
        if self._hash_cache is None:
            self._hash_cache = hash(frozenset(self._iter_hashitems()))
        return self._hash_cache

    setdefault = update = pop = popitem = clear = _refuse
    __setitem__ = __delitem__ = __ior__ = _refuse


class ImmutableDict(ImmutableDictMixin, dict[Any, Any]):  # type: ignore[misc]  # mixin refuses
    """A dict that refuses every change."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self) -> dict[Any, Any]:
        """A mutable plain ``dict`` with the same items."""
        return dict(self)

    def __copy__(self) -> ImmutableDict:
        return self


class TypeConversionDict(dict[Any, Any]):
    """A dict whose ``get`` can convert the value: ``d.get("n", type=int)``."""

    def get(self, key: Any, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        try:
            value = self[key]
        except KeyError:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default


class ImmutableTypeConversionDict(ImmutableDictMixin, TypeConversionDict):  # type: ignore[misc]
    """A ``TypeConversionDict`` that refuses every change."""

    def copy(self) -> TypeConversionDict:
        return TypeConversionDict(self)

    def __copy__(self) -> ImmutableTypeConversionDict:
        return self


class UpdateDictMixin(dict[Any, Any]):
    """Calls ``self.on_update(self)`` after every change of the dict."""

    on_update: Callable[[Any], None] | None = None

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        missing = key not in self
        value = super().setdefault(key, default)
        if missing:
            self._changed()
        return value

    def pop(self, key: Any, default: Any = _missing) -> Any:
        missing = key not in self
        value = super().pop(key) if default is _missing else super().pop(key, default)
        if not missing:
            self._changed()
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._changed()
        return item

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self, other: Any) -> Any:  # type: ignore[misc]  # dict.__ior__ returns Self
        self.update(other)
        return self


class CallbackDict(UpdateDictMixin):
    """A dict that calls ``on_update(self)`` whenever it changes."""

    def __init__(
        self, initial: Any = None, on_update: Callable[[Any], None] | None = None
    ) -> None:
        if initial is None:
            super().__init__()
        else:
            super().__init__(initial)
        self.on_update = on_update

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class FileMultiDict(MultiDict):
    """A MultiDict of uploads for building test requests: ``add_file(name, file, ...)``."""

    def add_file(
        self,
        name: str,
        file: str | IO[bytes] | FileStorage,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add ``file`` (a path, a binary file object or a FileStorage) under ``name``."""
        if isinstance(file, FileStorage):
            value = file
        else:
            stream: IO[bytes]
            if isinstance(file, str):
                if filename is None:
                    filename = file
                stream = open(file, "rb")  # noqa: SIM115  # the FileStorage owns it
            else:
                stream = file
            if filename and content_type is None:
                content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            value = FileStorage(stream, filename, name, content_type)
        self.add(name, value)


class ImmutableMultiDictMixin(ImmutableDictMixin):
    """Makes a MultiDict subclass read-only and hashable."""

    def _iter_hashitems(self) -> Iterable[Any]:
        return self.items(multi=True)  # type: ignore[attr-defined, no-any-return]  # MultiDicts

    add = popitemlist = poplist = setlist = setlistdefault = _refuse


class ImmutableHeadersMixin:
    """Makes a Headers subclass read-only (hashing is left to the class)."""

    __delitem__ = __setitem__ = set = setlist = add = add_header = _refuse
    remove = extend = update = insert = pop = popitem = setdefault = setlistdefault = _refuse
    __ior__ = _refuse


class OrderedMultiDict(MultiDict):
    """Werkzeug's ``OrderedMultiDict`` name. Kettle's MultiDict keeps values in insertion
    order per key; across keys, ``items(multi=True)`` also follows insertion order here."""

    def __init__(self, mapping: Any = None) -> None:
        self._order: list[tuple[str, Any]] = []
        super().__init__()
        if mapping is not None:
            for key, value in iter_multi_items(mapping):
                OrderedMultiDict.add(self, key, value)  # also for the immutable subclass

    def add(self, key: str, value: Any) -> None:
        super().add(key, value)
        self._order.append((key, value))

    def __setitem__(self, key: str, value: Any) -> None:
        self.setlist(key, [value])

    def setlist(self, key: str, new_list: Iterable[Any]) -> None:
        values = list(new_list)
        self._order = [(k, v) for k, v in self._order if k != key]
        self._order.extend((key, value) for value in values)
        super().setlist(key, values)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def pop(self, key: str, default: Any = _missing) -> Any:
        if key in self:
            self._order = [(k, v) for k, v in self._order if k != key]
        return super().pop(key) if default is _missing else super().pop(key, default)

    def poplist(self, key: str) -> list[Any]:
        self._order = [(k, v) for k, v in self._order if k != key]
        return super().poplist(key)

    def items(self, multi: bool = False) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        if multi:
            return iter(list(self._order))
        seen: dict[str, Any] = {}
        for key, value in self._order:
            seen.setdefault(key, value)
        return iter(seen.items())

    def keys(self) -> Any:
        return [key for key, _ in self.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (value for _, value in self.items())

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        return ((key, self.getlist(key)) for key in self.keys())

    def copy(self) -> OrderedMultiDict:
        return type(self)(list(self._order))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (list(self._order),)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedMultiDict):
            return self._order == other._order
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:  # dict's own __ne__ would ignore __eq__
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # mutable

    def clear(self) -> None:
        super().clear()
        self._order = []

    def update(self, mapping: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in iter_multi_items(mapping or {}):
            self.add(key, value)
        for key, value in kwargs.items():
            self.add(key, value)

    def popitemlist(self) -> tuple[str, list[Any]]:
        """Remove the most recently added key; all its values (``popitem`` gives the
        first). An empty dict raises ``key_error_class``."""
        keys = self.keys()
        if not keys:
            raise self.key_error_class("popitem(): dictionary is empty")
        return keys[-1], self.poplist(keys[-1])


class ImmutableOrderedMultiDict(ImmutableMultiDictMixin, OrderedMultiDict):  # type: ignore[misc]
    """An ``OrderedMultiDict`` that refuses every change; its hash depends on the order
    of the pairs, as its equality does."""

    def _iter_hashitems(self) -> Iterable[Any]:
        return enumerate(self._order)  # the mixin hashes a set: positions keep the order

    def copy(self) -> OrderedMultiDict:
        return OrderedMultiDict(list(self._order))

    def __copy__(self) -> ImmutableOrderedMultiDict:
        return self
