"""Cookies: parse a Cookie header into a MultiDict, dump one Set-Cookie value (RFC 6265).

Owns the cookie wire format. ``parse_cookie`` keeps repeated names in order (the first is
what ``cookies[name]`` returns) and unquotes ``"..."`` values with backslash and octal
escapes. ``dump_cookie`` writes attributes in a fixed order (Domain, Expires, Max-Age,
Secure, HttpOnly, Path, SameSite, Partitioned) as Werkzeug does, so headers compare
byte for byte.

Rules: a value that is not a plain cookie-octet run (RFC 6265 section 4.1.1) is quoted,
with ``"`` and ``\\`` backslash-escaped and control, ``;``, ``,`` and non-ASCII bytes
written as octal escapes, so any text round-trips. Keys must be tokens; SameSite must be
Strict, Lax or None; anything else is a ``ValueError``, not a malformed header.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timedelta
from time import time
from typing import Any

from .dates import format_http_date
from .multidict import MultiDict

# RFC 6265 section 4.2.1 (cookie-pair), read leniently as browsers send it: a name is
# anything but space, tab, '=', '"' and ';'; a value is a quoted string with backslash
# escapes or a run without space, tab, '"' and ';'. Anything else is skipped up to ';'.
_PAIR_RE = re.compile(
    r"""[ \t]*([^ \t=";]+)(?:[ \t]*=[ \t]*("(?:[^\\"]|\\.)*"|[^ \t";]*))?[ \t]*(?:;|\Z)""",
    re.ASCII,
)
_UNQUOTED_VALUE_RE = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.ASCII)
_SLASH_RE = re.compile(rb'[\x00-\x19",;\\\x7f-\xff]')
_UNSLASH_RE = re.compile(rb"\\([0-3][0-7]{2}|.)")
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _slash(match: re.Match[bytes]) -> bytes:
    char = match.group(0)
    if char in (b'"', b"\\"):
        return b"\\" + char
    return b"\\%03o" % char[0]


def _unslash(match: re.Match[bytes]) -> bytes:
    escape = match.group(1)
    if len(escape) == 3:
        return bytes([int(escape, 8)])
    return escape


def parse_cookie(header: str | None, cls: type[MultiDict] | None = None) -> MultiDict:
    """Parse a Cookie header (already decoded text) into a MultiDict of name -> value."""
    if not header:
        return (cls or MultiDict)()
    pairs: list[tuple[str, str]] = []
    pos = 0
    length = len(header)
    while pos < length:
        match = _PAIR_RE.match(header, pos)
        if match is None:
            next_pos = header.find(";", pos)
            if next_pos < 0:
                break
            pos = next_pos + 1
            continue
        pos = match.end()
        key, value = match.group(1), match.group(2) or ""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            raw = _UNSLASH_RE.sub(_unslash, value[1:-1].encode())
            value = raw.decode("utf-8", "replace")
        pairs.append((key, value))
    return (cls or MultiDict)(pairs)


def quote_cookie_value(value: str) -> str:
    """The value as written on the wire: bare when possible, else quoted and escaped."""
    if _UNQUOTED_VALUE_RE.fullmatch(value):
        return value
    return '"' + _SLASH_RE.sub(_slash, value.encode()).decode("ascii") + '"'


def _expires_text(expires: Any) -> str | None:
    if expires is None:
        return None
    if isinstance(expires, str):
        return expires
    if isinstance(expires, datetime | int | float):
        return format_http_date(expires)
    raise TypeError(f"expires must be a datetime, a timestamp or a string, not {expires!r}")


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """One Set-Cookie header value. ``max_age`` in seconds also sets ``Expires``."""
    if not _TOKEN_RE.fullmatch(key):
        raise ValueError(f"Invalid cookie name {key!r}")
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if max_age is not None and expires is None and sync_expires:
        expires = time() + max_age
    if samesite is not None:
        samesite = samesite.title()
        if samesite not in ("Strict", "Lax", "None"):
            raise ValueError("SameSite must be 'Strict', 'Lax', or 'None'.")
    if partitioned:
        secure = True
    parts = [f"{key}={quote_cookie_value(value)}"]
    if domain:
        host = domain.partition(":")[0].lstrip(".")
        if not host.isascii():
            try:  # an internationalized domain is sent in its ASCII (IDNA) form
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise ValueError(f"Invalid cookie domain {domain!r}") from None
        _check_attr(host)
        parts.append(f"Domain={host}")
    expires_text = _expires_text(expires)
    if expires_text is not None:
        _check_attr(expires_text)
        parts.append(f"Expires={expires_text}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        _check_attr(path)
        parts.append(f"Path={path}")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    if partitioned:
        parts.append("Partitioned")
    header = "; ".join(parts)
    if max_size and len(header) > max_size:
        warnings.warn(
            f"The {key!r} cookie is too large: the header is {len(header)} bytes but the"
            f" limit is {max_size} bytes. Browsers may silently ignore cookies larger"
            " than this.",
            stacklevel=2,
        )
    return header


def _check_attr(text: str) -> None:
    if ";" in text or "\r" in text or "\n" in text or "\0" in text:
        raise ValueError(f"Cookie attribute must not contain ';', CR, LF or NUL: {text!r}")
