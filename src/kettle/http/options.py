"""Header value grammar: options (``type; k=v``), lists, dicts, quoting, Accept, Authorization.

Owns the parsing and dumping of structured header values (RFC 9110 section 5.6) with
Werkzeug's function names: ``parse_options_header``, ``dump_options_header``,
``parse_list_header``, ``parse_dict_header``, ``dump_header``, ``quote_header_value``,
``unquote_header_value``, ``parse_accept_header`` (``Accept``, ``MIMEAccept``,
``LanguageAccept``, ``CharsetAccept``) and ``Authorization``.

Rules: parsers never raise on malformed input; they skip what they cannot read. Parameter
names are lower-cased; RFC 2231/5987 extended values (``name*=UTF-8''%C3%A9``) are decoded.
Accept entries with an invalid quality are dropped (RFC 9110 section 12.4.2).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_PARAM_RE = re.compile(
    r"""\s*;\s*([^\s;=]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*?))?\s*(?=;|$)""", re.DOTALL
)


def quote_header_value(value: Any, allow_token: bool = True) -> str:
    """Quote ``value`` for a header unless it is a token (RFC 9110 section 5.6.4)."""
    text = str(value)
    if not text:
        return '""'
    if allow_token and all(ch in _TOKEN for ch in text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def unquote_header_value(value: str, is_filename: bool = False) -> str:
    """Remove the quotes and backslash escapes of a quoted-string."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        if is_filename and inner[:2] == "\\\\":
            return inner  # a UNC path from IE: keep the backslashes as they are
        return re.sub(r"\\(.)", r"\1", inner)
    return value


_SAFE_CHARSETS = frozenset(("ascii", "us-ascii", "utf-8", "iso-8859-1"))
_EXTENDED_RE = re.compile(r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)$")


def _decode_extended_if_safe(value: str) -> str:
    """Decode ``charset'lang'%XX`` for the charsets RFC 8187 clients use; else keep it."""
    match = _EXTENDED_RE.match(value)
    if match is None:
        return value
    charset = match.group(1).lower()
    if charset not in _SAFE_CHARSETS:
        return value
    return unquote_to_bytes(match.group(2)).decode(charset, "replace")


def _decode_extended(value: str) -> str:
    """Decode an RFC 2231/5987 ``charset'lang'percent-encoded`` value."""
    charset, _, rest = value.partition("'")
    _lang, _, encoded = rest.partition("'")
    try:
        return unquote_to_bytes(encoded).decode(charset or "utf-8", "replace")
    except LookupError:
        return unquote_to_bytes(encoded).decode("latin-1")


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """``'text/html; charset=utf-8'`` -> ``('text/html', {'charset': 'utf-8'})``."""
    if not value:
        return "", {}
    head, sep, rest = value.partition(";")
    options: dict[str, str] = {}
    if sep:
        for match in _PARAM_RE.finditer(";" + rest):
            name = match.group(1).lower()
            raw = match.group(2)
            if not raw:
                continue
            # Later parameters win, an extended ``name*`` included, as in Werkzeug.
            if name.endswith("*"):
                options[name[:-1]] = _decode_extended(unquote_header_value(raw))
            else:
                options[name] = unquote_header_value(raw, name == "filename")
    return head.strip(), options


def dump_options(value: str, options: Mapping[str, Any]) -> str:
    """``value; key=quoted`` for each option; ``None`` options are left out."""
    parts = [value]
    for key, option in options.items():
        if option is not None:
            parts.append(f"{key}={quote_header_value(option)}")
    return "; ".join(parts)


def dump_options_header(header: str | None, options: Mapping[str, Any]) -> str:
    """Like ``dump_options``; without a header value the options stand alone."""
    if header is None:
        return dump_options("", options)[2:]
    return dump_options(header, options)


def dump_header(iterable: Iterable[Any] | Mapping[str, Any]) -> str:
    """A comma-separated header from a list, or ``k=v`` pairs from a dict."""
    if isinstance(iterable, Mapping):
        items = []
        for key, value in iterable.items():
            items.append(key if value is None else f"{key}={quote_header_value(value)}")
        return ", ".join(items)
    return ", ".join(quote_header_value(item) for item in iterable)


def _split_commas(value: str) -> list[str] | None:
    """Split on commas outside quoted strings; ``None`` if a quoted string is unclosed."""
    if '"' not in value:
        return value.split(",")
    items = []
    start = 0
    quoted = False
    escaped = False
    for index, ch in enumerate(value):
        if escaped:
            escaped = False
        elif quoted:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == ",":
            items.append(value[start:index])
            start = index + 1
    if quoted:
        return None
    items.append(value[start:])
    return items


def parse_list_header(value: str) -> list[str]:
    """``'a, "b, c"'`` -> ``['a', 'b, c']``; an unclosed quoted string gives ``[]``."""
    result = []
    for item in _split_commas(value) or ():
        item = item.strip(" \t")
        if item:
            result.append(unquote_header_value(item))
    return result


def parse_dict_header(value: str) -> dict[str, str | None]:
    """``'a="b c", d'`` -> ``{'a': 'b c', 'd': None}``; ``k*=UTF-8''..`` is decoded."""
    result: dict[str, str | None] = {}
    for item in parse_list_header(value):
        key, sep, raw = item.partition("=")
        key = key.strip(" \t")
        if not key:
            continue
        if not sep:
            result[key] = None
            continue
        raw = raw.strip(" \t")
        if key.endswith("*"):
            key = key[:-1]
            raw = _decode_extended_if_safe(raw)
        result[key] = unquote_header_value(raw)
    return result


def _immutable(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class Accept(list[tuple[str, float]]):
    """A parsed Accept-* header: (value, quality) pairs, most specific and best first.

    Immutable (as Werkzeug's), which lets parsed headers be shared from a cache.
    """

    append = extend = insert = remove = pop = clear = sort = reverse = _immutable
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _immutable

    def __init__(self, values: Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            super().__init__()
            self.provided = False
            return
        self.provided = True
        super().__init__(
            sorted(values, key=lambda pair: (self._specificity(pair[0]), pair[1]), reverse=True)
        )

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """The quality the client gives ``key`` (0 when not accepted)."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return any(self._value_matches(value, item) for item, _quality in self)

    def find(self, key: str) -> int:
        """The index of the exact entry ``key``, or -1."""
        for index, (item, _quality) in enumerate(self):
            if self._value_matches(key, item):
                return index
        return -1

    def index(self, key: Any, *args: Any) -> int:
        if isinstance(key, str):
            found = self.find(key)
            if found < 0:
                raise ValueError(key)
            return found
        return list.index(self, key, *args)

    def values(self) -> Iterator[str]:
        for item, _quality in self:
            yield item

    def to_header(self) -> str:
        parts = []
        for value, quality in self:
            parts.append(value if quality == 1 else f"{value};q={quality}")
        return ",".join(parts)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        for client_item, quality in self:
            if self._value_matches(match, client_item):
                return client_item, quality
        return None

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The server value the client likes best (quality, then specificity, then order)."""
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] = (False,)
        for server_item in matches:
            found = self._best_single_match(server_item)
            if found is None:
                continue
            client_item, quality = found
            if quality <= 0 or quality < best_quality:
                continue
            specificity = self._specificity(client_item)
            if quality > best_quality or specificity > best_specificity:
                result = server_item
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The value the client likes best, or ``None``."""
        return self[0][0] if self else None


_MIME_SPLIT = re.compile(r"/|\s*;\s*")


class MIMEAccept(Accept):
    """The Accept header: matches ``type/subtype`` with wildcards and parameters."""

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(part != "*" for part in _MIME_SPLIT.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        value_type, value_sub, *value_params = _MIME_SPLIT.split(value.lower())
        if value_type == "*" and value_sub != "*":
            raise ValueError(f"invalid mimetype {value!r}")
        item_type, item_sub, *item_params = _MIME_SPLIT.split(item.lower())
        if item_type == "*" and item_sub != "*":
            return False
        if (item_type, item_sub) == ("*", "*") or (value_type, value_sub) == ("*", "*"):
            return True
        return item_type == value_type and (
            item_sub == "*"
            or value_sub == "*"
            or (item_sub == value_sub and sorted(item_params) == sorted(value_params))
        )

    @property
    def accept_html(self) -> bool:
        return self.__contains__("text/html") or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        return self.__contains__("application/xhtml+xml") or self.__contains__("application/xml")

    @property
    def accept_json(self) -> bool:
        return self.__contains__("application/json")


def _normalize_lang(value: str) -> list[str]:
    return re.split(r"[_-]", value.lower())


class LanguageAccept(Accept):
    """Accept-Language: ``en-US`` and ``en_us`` compare equal."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(value) == _normalize_lang(item)


class CharsetAccept(Accept):
    """Accept-Charset: compares codec names case-insensitively."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or value.lower().replace("_", "-") == item.lower().replace("_", "-")


_ACCEPT_CACHE: dict[tuple[str, type[Accept]], Accept] = {}
_ACCEPT_CACHE_SIZE = 256


def parse_accept_header(value: str | None, cls: type[Accept] | None = None) -> Any:
    """Parse an Accept-* header into ``cls`` (``Accept`` by default).

    Results are immutable and cached per (value, class): browsers send the same few
    headers again and again.
    """
    cls = cls or Accept
    if not value:
        return cls(None)
    key = (value, cls)
    cached = _ACCEPT_CACHE.get(key)
    if cached is not None:
        return cached
    if len(_ACCEPT_CACHE) >= _ACCEPT_CACHE_SIZE:
        _ACCEPT_CACHE.clear()
    result = _ACCEPT_CACHE[key] = _parse_accept(value, cls)
    return result


def _parse_accept(value: str, cls: type[Accept]) -> Accept:
    pairs: list[tuple[str, float]] = []
    for item in parse_list_header(value):
        head, options = parse_options_header(item)
        if not head:
            continue
        quality: float = 1
        if "q" in options:
            try:
                quality = float(options.pop("q"))
            except ValueError:
                continue
            if not 0 <= quality <= 1:
                continue
        if options:
            head = dump_options(head, options)
        pairs.append((head, quality))
    return cls(pairs)


class Authorization(dict[str, Any]):
    """A parsed Authorization header: ``type`` plus ``parameters`` or a ``token``.

    Basic credentials are available as ``auth.username`` / ``auth.password`` (RFC 7617);
    Bearer and other token schemes as ``auth.token`` (RFC 6750).
    """

    def __init__(
        self, auth_type: str, data: dict[str, str | None] | None = None, token: str | None = None
    ) -> None:
        super().__init__(data or {})
        self.type = auth_type
        self.token = token

    @property
    def parameters(self) -> dict[str, Any]:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse the header; ``None`` when missing or malformed."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            if not sep:
                return None
            return cls(scheme, {"username": username, "password": password})
        if not rest:
            return None
        if "=" in rest.rstrip("="):
            return cls(scheme, parse_dict_header(rest))
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        if self.type == "basic":
            raw = f"{self.get('username', '')}:{self.get('password', '')}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} {dump_header(self)}"

    def __repr__(self) -> str:
        return f"<Authorization {self.to_header()!r}>"


def _flag(name: str) -> property:
    def get(self: CacheControl) -> bool:
        return name in self

    def set_(self: CacheControl, value: bool | None) -> None:
        self._set(name, None if value else _REMOVE)

    return property(get, set_, doc=f"Whether ``{name}`` is present.")


def _optional_value(name: str) -> property:
    def get(self: CacheControl) -> str | bool | None:
        if name not in self:
            return None
        value = self[name]
        return True if value is None else value

    def set_(self: CacheControl, value: str | bool | None) -> None:
        if value is None or value is False:
            self._set(name, _REMOVE)
        else:
            self._set(name, None if value is True else str(value))

    return property(get, set_, doc=f"``{name}``: True, its field list, or None when absent.")


def _seconds(name: str) -> property:
    def get(self: CacheControl) -> int | None:
        value = self.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def set_(self: CacheControl, value: int | None) -> None:
        self._set(name, _REMOVE if value is None else str(int(value)))

    return property(get, set_, doc=f"``{name}`` in seconds, or None.")


_REMOVE: Any = object()


class CacheControl(dict[str, str | None]):
    """A Cache-Control header (RFC 9111 section 5.2) with attribute access, written back.

    ``cc.max_age = 300`` and ``cc.public = True`` update the header through ``on_update``;
    assigning ``None`` or ``False`` removes a directive.
    """

    def __init__(self, value: str | None = None, on_update: Any = None) -> None:
        super().__init__(parse_dict_header(value) if value else {})
        self.on_update = on_update

    def _set(self, name: str, value: Any) -> None:
        if value is _REMOVE:
            self.pop(name, None)
        else:
            self[name] = value
        if self.on_update is not None:
            self.on_update(self)

    def to_header(self) -> str:
        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"

    no_cache = _optional_value("no-cache")
    private = _optional_value("private")
    no_store = _flag("no-store")
    no_transform = _flag("no-transform")
    must_revalidate = _flag("must-revalidate")
    proxy_revalidate = _flag("proxy-revalidate")
    must_understand = _flag("must-understand")
    public = _flag("public")
    immutable = _flag("immutable")
    only_if_cached = _flag("only-if-cached")
    max_age = _seconds("max-age")
    s_maxage = _seconds("s-maxage")
    max_stale = _seconds("max-stale")
    min_fresh = _seconds("min-fresh")
    stale_while_revalidate = _seconds("stale-while-revalidate")
    stale_if_error = _seconds("stale-if-error")


class WWWAuthenticate:
    """A WWW-Authenticate challenge (RFC 9110 section 11.6.1): ``type`` plus ``parameters``
    or a ``token``. ``on_update`` is called after every change (a response writes it back).
    """

    def __init__(
        self,
        auth_type: str | None = None,
        values: dict[str, str | None] | None = None,
        token: str | None = None,
        on_update: Any = None,
    ) -> None:
        self._type = auth_type.lower() if auth_type else None
        self._parameters: dict[str, str | None] = dict(values or {})
        self._token = token
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @property
    def type(self) -> str | None:
        return self._type

    @type.setter
    def type(self, value: str | None) -> None:
        self._type = value.lower() if value else None
        self._changed()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._changed()

    @property
    def parameters(self) -> dict[str, str | None]:
        return self._parameters

    def __getitem__(self, key: str) -> str | None:
        return self._parameters.get(key.lower())

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            self._parameters.pop(key.lower(), None)
        else:
            self._parameters[key.lower()] = value
        self._changed()

    def __delitem__(self, key: str) -> None:
        self._parameters.pop(key.lower(), None)
        self._changed()

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._parameters.get(key.lower(), default)

    def __bool__(self) -> bool:
        return self._type is not None

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse one challenge; ``None`` for a missing header."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if not rest:
            return cls(scheme)
        if "=" in rest.rstrip("="):
            return cls(scheme, parse_dict_header(rest))
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        if self._type is None:
            return ""
        scheme = self._type.title()
        if self._token is not None:
            return f"{scheme} {self._token}"
        if self._parameters:
            items = [
                key if value is None else f"{key}={quote_header_value(value, allow_token=False)}"
                for key, value in self._parameters.items()
            ]
            return f"{scheme} {', '.join(items)}"
        return scheme

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<WWWAuthenticate {self.to_header()!r}>"


class ContentSecurityPolicy(dict[str, str]):
    """A Content-Security-Policy header: ``directive value; directive value``.

    Directives read and write as attributes with underscores (``csp.script_src``); a
    missing one reads as ``None``; ``on_update`` is called after every change.
    """

    def __init__(self, value: str | None = None, on_update: Any = None) -> None:
        super().__init__()
        for part in (value or "").split(";"):
            name, _, rest = part.strip().partition(" ")
            if name:
                self[name.lower()] = rest.strip()
        self.on_update = on_update

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name.replace("_", "-"))

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "on_update":
            object.__setattr__(self, name, value)
            return
        key = name.replace("_", "-")
        if value is None:
            self.pop(key, None)
        else:
            self[key] = str(value)
        if self.on_update is not None:
            self.on_update(self)

    def to_header(self) -> str:
        return "; ".join(f"{name} {value}".rstrip() for name, value in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ContentSecurityPolicy {self.to_header()!r}>"
