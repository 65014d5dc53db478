"""HTTP header collections: Headers (ordered, multi-value) and EnvironHeaders (WSGI view).

Owns the header containers of requests and responses, with Werkzeug's API: names compare
case-insensitively, ``headers[name]`` and ``get`` give the first value, ``getlist`` all,
``add``/``set``/``setdefault``/``extend``/``remove`` edit, ``to_wsgi_list`` feeds
``start_response``.

Rules: values are stored as ``str``; a value (or name) containing CR, LF or NUL is refused
with ``ValueError`` so a response can never be split (RFC 9110 section 5.5). Ints and other
objects are converted with ``str``. Storage is a list of (name, value) pairs in order;
lookups are linear, which is fastest for the dozen headers a response carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

from .options import dump_header, dump_options

_missing: Any = object()
_BAD = ("\r", "\n", "\0")


def check_header(name: str, value: Any) -> str:
    """``value`` as a header str; ``ValueError`` if it or ``name`` holds CR, LF or NUL."""
    text = value if type(value) is str else str(value)
    for bad in _BAD:
        if bad in text or bad in name:
            raise ValueError(f"Header values must not contain CR, LF or NUL: {name!r}")
    return text


def _with_options(value: Any, options: dict[str, Any]) -> Any:
    if options:
        return dump_options(str(value), options)
    return value


class HeaderKeyError(KeyError):
    """A header was missing (the web layer turns it into a 400 when read from a request)."""


class Headers:
    """An ordered, case-insensitive, multi-value collection of header pairs."""

    __slots__ = ("_list",)
    key_error_class: type[KeyError] = HeaderKeyError

    def __init__(self, defaults: Any = None) -> None:
        self._list: list[tuple[str, str]] = []
        if defaults is not None:
            self.extend(defaults)

    # -- reading -------------------------------------------------------------------------
    def __getitem__(self, key: str | int) -> Any:
        if type(key) is int:
            return self._list[key]
        if isinstance(key, slice):  # Werkzeug allows slices
            return type(self)(self._list[key])
        if not isinstance(key, str):
            raise self.key_error_class(key)
        lower = key.lower()
        for name, value in self._list:
            if name.lower() == lower:
                return value
        raise self.key_error_class(key)

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """The first value of ``key`` converted by ``type``; ``default`` if missing or bad."""
        lower = key.lower()
        for name, value in self._list:
            if name.lower() == lower:
                if type is None:
                    return value
                try:
                    return type(value)
                except (ValueError, TypeError):
                    return default
        return default

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Every value of ``key`` in order; with ``type`` the ones that convert."""
        lower = key.lower()
        result: list[Any] = []
        for name, value in self._list:
            if name.lower() == lower:
                if type is None:
                    result.append(value)
                    continue
                try:
                    result.append(type(value))
                except (ValueError, TypeError):
                    pass
        return result

    get_all = getlist

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        lower = key.lower()
        return any(name.lower() == lower for name, _value in self._list)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def __bool__(self) -> bool:
        return bool(self._list)

    def keys(self, lower: bool = False) -> Iterator[str]:
        for name, _value in self._list:
            yield name.lower() if lower else name

    def values(self) -> Iterator[str]:
        for _name, value in self._list:
            yield value

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        for name, value in self._list:
            yield (name.lower() if lower else name), value

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The pairs as a list for ``start_response``."""
        return list(self._list)

    def copy(self) -> Headers:
        new = self.__class__()
        new._list = list(self._list)
        return new

    def __copy__(self) -> Headers:
        return self.copy()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return set(other.items(lower=True)) == set(self.items(lower=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        lines = [f"{name}: {value}" for name, value in self._list]
        return "\r\n".join([*lines, "", ""])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"

    # -- writing -------------------------------------------------------------------------
    def add(self, key: str, value: Any, **options: Any) -> None:
        """Append a header; keyword options become ``; name=value`` parameters."""
        self._list.append((key, check_header(key, _with_options(value, options))))

    add_header = add

    def set(self, key: str, value: Any, **options: Any) -> None:
        """Replace every value of ``key`` with one, kept at the first one's position."""
        text = check_header(key, _with_options(value, options))
        lower = key.lower()
        pairs = self._list
        for index, (name, _value) in enumerate(pairs):
            if name.lower() == lower:
                pairs[index] = (key, text)
                self._list = pairs[: index + 1] + [
                    pair for pair in pairs[index + 1 :] if pair[0].lower() != lower
                ]
                return
        pairs.append((key, text))

    def __setitem__(self, key: str | int, value: Any) -> None:
        if isinstance(key, int):
            name, text = value
            self._list[key] = (name, check_header(name, text))
        elif isinstance(key, slice):
            self._list[key] = [(name, check_header(name, text)) for name, text in _pairs(value)]
        else:
            self.set(key, value)

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace every value of ``key`` with ``values``."""
        items = list(values)
        if not items:
            self.remove(key)
            return
        self.set(key, items[0])
        for value in items[1:]:
            self.add(key, value)

    def setdefault(self, key: str, default: Any) -> Any:
        """The value of ``key``, first setting it to ``default`` if missing."""
        if key in self:
            return self[key]
        self.set(key, default)
        return self[key]

    def setlistdefault(self, key: str, default: Iterable[Any]) -> list[Any]:
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def extend(self, *args: Any, **kwargs: Any) -> None:
        """Add every pair of a mapping, MultiDict, Headers or iterable of pairs, then of
        the keyword arguments; a list or tuple value adds one header per item."""
        if len(args) > 1:
            raise TypeError(f"extend expected at most 1 argument, got {len(args)}")
        if args:
            for key, value in _pairs(args[0]):
                self.add(key, value)
        for key, value in _pairs(kwargs):
            self.add(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Replace the values of each key given (a list or tuple value sets several);
        the keyword arguments are applied after the positional source, so they win."""
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 argument, got {len(args)}")
        for source in (*args, kwargs):
            grouped: dict[str, tuple[str, list[Any]]] = {}  # names compare case-insensitively
            for key, value in _pairs(source):
                grouped.setdefault(key.lower(), (key, []))[1].append(value)
            for key, values in grouped.values():
                self.setlist(key, values)

    def remove(self, key: str) -> None:
        """Remove every value of ``key`` (no error when missing)."""
        lower = key.lower()
        self._list = [pair for pair in self._list if pair[0].lower() != lower]

    def __delitem__(self, key: str | int) -> None:
        if isinstance(key, int | slice):
            del self._list[key]
        else:
            self.remove(key)

    def pop(self, key: str | int | None = None, default: Any = _missing) -> Any:
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        try:
            value = self[key]
        except KeyError:
            if default is _missing:
                raise
            return default
        self.remove(key)
        return value

    def popitem(self) -> tuple[str, str]:
        return self._list.pop()

    def clear(self) -> None:
        self._list.clear()

    def __ior__(self, other: Any) -> Headers:
        self.update(other)
        return self

    def __or__(self, other: Any) -> Headers:
        """A copy updated with ``other`` (a mapping or Headers), as ``dict | dict``."""
        if not isinstance(other, Mapping | Headers):
            return NotImplemented
        merged = self.copy()
        merged.update(other)
        return merged


def _pairs(source: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(source, Headers):
        yield from source.items()
    elif hasattr(source, "items") and hasattr(source, "getlist"):
        yield from source.items(multi=True)
    elif isinstance(source, Mapping):
        for key, value in source.items():
            if isinstance(value, list | tuple):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        for key, value in source:
            yield key, value


def _environ_name(key: str) -> str:
    upper = key.upper().replace("-", "_")
    if upper in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return upper
    return "HTTP_" + upper


def _readonly(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("The request's headers are read-only")


class EnvironHeaders(Headers):
    """A read-only Headers view over a WSGI environ (``request.headers``)."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    @property
    def _list(self) -> list[tuple[str, str]]:  # type: ignore[override]
        pairs = []
        for key, value in self.environ.items():
            if key.startswith("HTTP_") and key not in (
                "HTTP_CONTENT_TYPE",
                "HTTP_CONTENT_LENGTH",
            ):
                pairs.append((key[5:].replace("_", "-").title(), value))
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                pairs.append((key.replace("_", "-").title(), value))
        return pairs

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, str):
            value = self.environ.get(_environ_name(key))
            if value is None:
                raise self.key_error_class(key)
            return value
        return self._list[key]

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        value = self.environ.get(_environ_name(key))
        if value is None:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        value = self.get(key, _missing, type)
        return [] if value is _missing else [value]

    get_all = getlist

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _environ_name(key) in self.environ

    def __len__(self) -> int:
        return len(self._list)

    def copy(self) -> Headers:
        """A mutable Headers with the same pairs."""
        return Headers(self._list)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return set(other.items(lower=True)) == set(self.items(lower=True))
        return NotImplemented

    __hash__ = None

    add = set = setlist = setdefault = extend = update = _readonly
    remove = pop = popitem = clear = __setitem__ = __delitem__ = _readonly
    __or__ = __ior__ = _readonly  # as Werkzeug's: no merged copy of a request's headers


class HeaderSet:
    """A case-insensitive ordered set of tokens (Vary, Allow...), written back on change."""

    def __init__(
        self,
        headers: Iterable[str] | None = None,
        on_update: Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._headers = list(headers or ())
        self._set = {header.lower() for header in self._headers}
        self.on_update = on_update

    def __eq__(self, other: object) -> bool:
        """Equal to another HeaderSet or a set holding the same tokens (case-insensitive),
        as Werkzeug's (a ``MutableSet``) compares."""
        if isinstance(other, HeaderSet):
            return self._set == other._set
        if isinstance(other, set | frozenset):
            return self._set == {str(item).lower() for item in other}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def find(self, header: str) -> int:
        """The position of ``header`` (case-insensitive), or -1."""
        lower = header.lower()
        for index, item in enumerate(self._headers):
            if item.lower() == lower:
                return index
        return -1

    def index(self, header: str) -> int:
        """The position of ``header``; ``IndexError`` when absent."""
        found = self.find(header)
        if found < 0:
            raise IndexError(header)
        return found

    def add(self, header: str) -> None:
        """Add ``header`` unless present (compared case-insensitively)."""
        if header.lower() not in self._set:
            self._set.add(header.lower())
            self._headers.append(header)
            if self.on_update is not None:
                self.on_update(self)

    def update(self, iterable: Iterable[str]) -> None:
        for header in iterable:
            self.add(header)

    def discard(self, header: str) -> None:
        key = header.lower()
        if key in self._set:
            self._set.discard(key)
            self._headers = [item for item in self._headers if item.lower() != key]
            if self.on_update is not None:
                self.on_update(self)

    def remove(self, header: str) -> None:
        if header.lower() not in self._set:
            raise KeyError(header)
        self.discard(header)

    def clear(self) -> None:
        self._set.clear()
        self._headers.clear()
        if self.on_update is not None:
            self.on_update(self)

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        return set(self._headers) if preserve_casing else set(self._set)

    def to_header(self) -> str:
        """The tokens comma-separated; one that is not a token is quoted."""
        return dump_header(self._headers)

    def __contains__(self, header: object) -> bool:
        return isinstance(header, str) and header.lower() in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __bool__(self) -> bool:
        return bool(self._headers)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._headers!r})"


__all__ = ["EnvironHeaders", "HeaderKeyError", "HeaderSet", "Headers", "dump_header"]
