"""Multi-value mappings: MultiDict, ImmutableMultiDict and CombinedMultiDict.

Owns the containers that query strings, forms and uploaded files are parsed into. The API
follows Werkzeug's, because Flask applications call it directly: ``d[key]`` and ``get``
return the first value, ``getlist`` all of them, ``get(key, type=int)`` converts and falls
back to the default when the conversion raises ``ValueError`` or ``TypeError``.

Rules: a key maps internally to a non-empty list of values, in insertion order. A missing
key raises ``KeyError`` whose class the web layer can swap for a 400 error (see
``key_error_class``); the http layer itself knows nothing of HTTP errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

_missing: Any = object()


class MultiDictKeyError(KeyError):
    """A key was missing from a MultiDict (the web layer turns it into a 400)."""


class MultiDict(dict[str, Any]):
    """A dict holding a list of values per key; plain indexing returns the first value."""

    key_error_class: type[KeyError] = MultiDictKeyError

    def __init__(self, mapping: Any = None) -> None:
        super().__init__()
        if mapping is None:
            return
        if type(mapping) is list:
            setdefault = dict.setdefault
            for key, value in mapping:
                setdefault(self, key, []).append(value)
        elif isinstance(mapping, MultiDict):
            for key, values in mapping.lists():
                dict.__setitem__(self, key, list(values))
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if isinstance(value, list | tuple):
                    if value:
                        dict.__setitem__(self, key, list(value))
                else:
                    dict.__setitem__(self, key, [value])
        else:
            for key, value in mapping:
                dict.setdefault(self, key, []).append(value)

    def __getitem__(self, key: str) -> Any:
        values = dict.get(self, key)
        if values:  # missing, or left empty by setlistdefault(key, [])
            return values[0]
        raise self.key_error_class(key)

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, [value])

    def __getstate__(self) -> dict[str, list[Any]]:
        return dict(self.lists())

    def __setstate__(self, state: dict[str, list[Any]]) -> None:
        dict.clear(self)
        dict.update(self, state)

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self)

    def add(self, key: str, value: Any) -> None:
        """Append ``value`` to the values of ``key``."""
        dict.setdefault(self, key, []).append(value)

    def get(self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        """The first value of ``key``, converted by ``type``; ``default`` if missing or bad."""
        try:
            value = dict.__getitem__(self, key)[0]
        except (KeyError, IndexError):
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]:
        """All values of ``key`` (``[]`` if missing); with ``type``, the convertible ones."""
        try:
            values = dict.__getitem__(self, key)
        except KeyError:
            return []
        if type is None:
            return list(values)
        result = []
        for value in values:
            try:
                result.append(type(value))
            except (ValueError, TypeError):
                pass
        return result

    def setlist(self, key: str, new_list: Iterable[Any]) -> None:
        """Replace the values of ``key`` with ``new_list`` (an empty list removes the key)."""
        values = list(new_list)
        if values:
            dict.__setitem__(self, key, values)
        else:
            dict.pop(self, key, None)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def setlistdefault(self, key: str, default_list: Iterable[Any] | None = None) -> list[Any]:
        if key not in self:
            dict.__setitem__(self, key, list(default_list or ()))
        result: list[Any] = dict.__getitem__(self, key)
        return result

    def items(self, multi: bool = False) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """Pairs of key and first value; with ``multi=True`` one pair per value."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            else:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        """Pairs of key and the list of all its values."""
        for key, values in dict.items(self):
            yield key, list(values)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        """The first value of every key."""
        for values in dict.values(self):
            yield values[0]

    def listvalues(self) -> Iterator[list[Any]]:
        return (list(values) for values in dict.values(self))

    def copy(self) -> MultiDict:
        return self.__class__(self)

    def deepcopy(self, memo: Any = None) -> MultiDict:
        import copy as _copy

        return self.__class__(_copy.deepcopy(self.to_dict(flat=False), memo))

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        """A plain dict: first values, or lists of all values with ``flat=False``."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(self, mapping: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        """Add the values of ``mapping`` to the existing ones (it does not replace)."""
        for key, value in _iter_multi_items(mapping):
            self.add(key, value)
        for key, value in kwargs.items():
            self.add(key, value)

    def pop(self, key: str, default: Any = _missing) -> Any:
        try:
            values = dict.pop(self, key)
        except KeyError:
            if default is _missing:
                raise self.key_error_class(key) from None
            return default
        if values:
            return values[0]
        if default is _missing:
            raise self.key_error_class(key)
        return default

    def popitem(self) -> tuple[str, Any]:
        """Remove the last key; its first value. An empty dict (or a key left without
        values by ``setlistdefault``) raises ``key_error_class``, as a missing key does."""
        key, values = self.popitemlist()
        if not values:
            raise self.key_error_class(key)
        return key, values[0]

    def poplist(self, key: str) -> list[Any]:
        result: list[Any] = dict.pop(self, key, [])
        return result

    def popitemlist(self) -> tuple[str, list[Any]]:
        """Remove the last key; all its values."""
        if not dict.__len__(self):
            raise self.key_error_class("popitem(): dictionary is empty")
        key, values = dict.popitem(self)
        return key, values

    def __or__(self, other: Any) -> MultiDict:  # type: ignore[override]
        """A copy holding the values of both (``update`` adds, it does not replace)."""
        if not isinstance(other, Mapping):
            return NotImplemented
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other: Any) -> MultiDict:  # type: ignore[override]
        """Add the values of ``other`` (a mapping or pairs) in place."""
        if not isinstance(other, Mapping | Iterable):
            return NotImplemented
        self.update(other)
        return self

    def __copy__(self) -> MultiDict:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> MultiDict:
        return self.deepcopy(memo)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


def _iter_multi_items(mapping: Any) -> Iterator[tuple[str, Any]]:
    if mapping is None:
        return
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            if isinstance(value, list | tuple):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from mapping


def _immutable(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class ImmutableMultiDict(MultiDict):
    """A read-only MultiDict: what ``request.args``, ``form`` and ``files`` are."""

    __setitem__ = _immutable
    __delitem__ = _immutable
    add = _immutable
    setlist = _immutable
    setdefault = _immutable
    setlistdefault = _immutable
    update = _immutable
    pop = _immutable
    popitem = _immutable
    poplist = _immutable
    popitemlist = _immutable
    clear = _immutable
    __ior__ = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items(multi=True)))

    def copy(self) -> MultiDict:
        """A mutable copy."""
        return MultiDict(self)

    def __copy__(self) -> ImmutableMultiDict:
        return self


class CombinedMultiDict(ImmutableMultiDict):
    """A read-only view over several MultiDicts, searched in order (``request.values``)."""

    def __init__(self, dicts: Iterable[MultiDict] | None = None) -> None:
        super().__init__()
        self.dicts: list[MultiDict] = list(dicts or ())

    def __getitem__(self, key: str) -> Any:
        for d in self.dicts:
            if key in d:
                return d[key]
        raise self.key_error_class(key)

    def get(self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        for d in self.dicts:
            if key in d:
                if type is None:
                    return d[key]
                try:
                    return type(d[key])
                except (ValueError, TypeError):
                    continue
        return default

    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]:
        result: list[Any] = []
        for d in self.dicts:
            result.extend(d.getlist(key, type))
        return result

    def _keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for d in self.dicts:
            for key in d:
                seen.setdefault(key, None)
        return list(seen)

    def keys(self) -> Any:
        return self._keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def has_key(self, key: str) -> bool:
        return key in self

    def items(self, multi: bool = False) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        seen: set[str] = set()
        for d in self.dicts:
            for key, value in d.items(multi):
                if multi:
                    yield key, value
                elif key not in seen:
                    seen.add(key)
                    yield key, value

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        for _key, value in self.items():
            yield value

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        for key in self._keys():
            yield key, self.getlist(key)

    def listvalues(self) -> Iterator[list[Any]]:
        return (values for _key, values in self.lists())

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def copy(self) -> MultiDict:
        """A mutable MultiDict holding all values of all dicts."""
        return MultiDict(list(self.items(multi=True)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other.items())
        return NotImplemented

    def __ne__(self, other: object) -> bool:  # dict's own __ne__ would ignore __eq__
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:  # type: ignore[override]
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"
