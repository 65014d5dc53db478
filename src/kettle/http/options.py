"""Header value grammar: options (``type; k=v``), lists, dicts, quoting, Accept, Authorization.

Owns the parsing and dumping of structured header values (RFC 9110 section 5.6) with
Werkzeug's function names: ``parse_options_header``, ``dump_options_header``,
``parse_list_header``, ``parse_dict_header``, ``dump_header``, ``quote_header_value`` and
``unquote_header_value``. Accept-* headers live in ``accept.py``, Authorization and
WWW-Authenticate in ``auth.py``, Cache-Control and CSP in ``directives.py``.

Rules: parsers never raise on malformed input; they skip what they cannot read. Parameter
names are lower-cased; RFC 2231/5987 extended values (``name*=UTF-8''%C3%A9``) are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

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


# One ``; name=value`` parameter (RFC 9110 section 5.6.6): a token name, ``=`` with no
# space around it, and a token or quoted-string value. A part that does not fit (no value,
# a non-ASCII token, a quoted string that never closes) matches as an empty delimiter and
# is skipped, so a bad part never swallows the next one. A backslash always takes the next
# character, so the quoted-string match is linear (no backtracking on runs of ``\``).
_TOKEN_CHARS = r"[\w!#$%&'*+\-.^`|~]+"
_OPTION_RE = re.compile(
    rf"""\s*;\s*(?:({_TOKEN_CHARS})=({_TOKEN_CHARS}|"(?:[^"\\]|\\.)*"))?""", re.ASCII
)
_CONTINUATION_RE = re.compile(r"\*(\d+)$", re.ASCII)
_CHARSET_VALUE_RE = re.compile(
    r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)", re.ASCII
)


def _extended_value(value: str, inherited: str | None) -> tuple[str, str | None]:
    """Decode an RFC 2231 ``charset'lang'%XX`` value (or a continuation using the charset
    of an earlier part); an unknown charset leaves it as sent. Returns the value and the
    charset later continuations inherit."""
    charset = inherited
    match = _CHARSET_VALUE_RE.match(value)
    if match is not None:
        charset = match.group(1).lower() or inherited
        value = match.group(2)
    if charset in _SAFE_CHARSETS:
        return unquote(value, encoding=charset, errors="replace"), charset
    return value, inherited


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """``'text/html; charset=utf-8'`` -> ``('text/html', {'charset': 'utf-8'})``.

    As Werkzeug 3.1: names are lowercased; ``name*`` values are RFC 2231 decoded for
    ASCII, UTF-8 and Latin-1; ``name*0``, ``name*1``... are joined; quoted values lose
    their quotes, ``\\`` / ``\"`` escapes and multipart's ``%22``.
    """
    if value is None:
        return "", {}
    head, _, rest = value.partition(";")
    head = head.strip()
    rest = rest.strip()
    if not head or not rest:
        return head, {}
    options: dict[str, str] = {}
    charset: str | None = None
    for name, raw in _OPTION_RE.findall(";" + rest):
        if not name:
            continue
        name = name.lower()
        if name.endswith("*"):
            name = name[:-1]
            raw, charset = _extended_value(raw, charset)
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')
        continuation = _CONTINUATION_RE.search(name)
        if continuation is not None:
            name = name[: continuation.start()]
            options[name] = options.get(name, "") + raw
        else:
            options[name] = raw
    return head, options


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
