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
