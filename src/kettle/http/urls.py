"""URL helpers: percent-quoting, query strings to and from MultiDicts, IRI <-> URI.

Owns the URL text rules every other layer uses: ``url_quote``/``url_unquote``,
``url_encode``/``url_decode`` (query strings), ``iri_to_uri``/``uri_to_iri`` (RFC 3987),
and ``wsgi_decoding`` of PEP 3333 "bytes as latin-1" strings.

Rules: decoding never raises; in query strings invalid UTF-8 stays percent-encoded
(``%C0``), elsewhere it is replaced (U+FFFD). Query values keep blank
values (``a=&b`` gives ``a=''`` and ``b=''``) and their order, as Werkzeug does. ``None``
values are skipped when encoding.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit
from urllib.parse import urlencode as _std_urlencode

from .multidict import MultiDict, _iter_multi_items


def url_quote(value: str | bytes, safe: str = "/:", charset: str = "utf-8") -> str:
    """Percent-encode everything but unreserved characters and ``safe``."""
    if isinstance(value, str):
        value = value.encode(charset)
    return quote(value, safe=safe)


def url_quote_plus(value: str | bytes, safe: str = "") -> str:
    """Percent-encode for a form value: spaces become ``+``."""
    return url_quote(value, safe=safe + " ").replace(" ", "+")


def url_unquote(value: str | bytes, charset: str = "utf-8", errors: str = "replace") -> str:
    """Decode percent-escapes; invalid bytes become U+FFFD."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return unquote(value, encoding=charset, errors=errors)


def url_unquote_plus(value: str | bytes, charset: str = "utf-8", errors: str = "replace") -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return url_unquote(value.replace("+", " "), charset, errors)


def _quote_bad_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: write undecodable bytes back as ``%XX`` (as Werkzeug does)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(f"%{byte:02X}" for byte in bad), error.end


codecs.register_error("kettle.url_quote", _quote_bad_bytes)

_HEX_BYTES = {
    f"{a}{b}".encode(): bytes([int(a + b, 16)])
    for a in "0123456789abcdefABCDEF"
    for b in "0123456789abcdefABCDEF"
}


def _fast_unquote(value: str) -> str:
    """Percent-decode as UTF-8 (invalid bytes stay ``%XX``); a table lookup per escape."""
    pieces = value.encode("utf-8", "surrogatepass").split(b"%")
    out = [pieces[0]]
    append = out.append
    table = _HEX_BYTES
    for piece in pieces[1:]:
        byte = table.get(piece[:2])
        if byte is None:
            append(b"%")
            append(piece)
        else:
            append(byte)
            append(piece[2:])
    return b"".join(out).decode("utf-8", "kettle.url_quote")


def iter_query_pairs(query: str | bytes) -> Iterator[tuple[str, str]]:
    """Yield (key, value) pairs of a query string, blanks kept, ``+`` as space."""
    if isinstance(query, bytes):
        query = query.decode("latin-1")
    if not query:
        return
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "+" in key:
            key = key.replace("+", " ")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in key:
            key = _fast_unquote(key)
        if "%" in value:
            value = _fast_unquote(value)
        yield key, value


def query_lists(query: str) -> dict[str, list[str]]:
    """Each key of a text query string with the list of its values: ``iter_query_pairs``
    grouped by key, in the same order, in one pass without a generator."""
    if "&" not in query and "%" not in query and "+" not in query:
        key, _, value = query.partition("=")  # a single parameter, the common case
        return {key: [value]} if query else {}
    lists: dict[str, list[str]] = {}
    if "%" in query or "+" in query:
        for key, value in iter_query_pairs(query):
            if key in lists:
                lists[key].append(value)
            else:
                lists[key] = [value]
        return lists
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            if key in lists:
                lists[key].append(value)
            else:
                lists[key] = [value]
    return lists


def url_decode(query: str | bytes, cls: type[MultiDict] | None = None) -> MultiDict:
    """Parse a query string (or urlencoded body) into a MultiDict (or ``cls``)."""
    return (cls or MultiDict)(list(iter_query_pairs(query)))


def url_encode(obj: Mapping[str, Any] | Any, sort: bool = False) -> str:
    """Encode a dict, MultiDict or list of pairs as a query string; ``None`` skipped."""
    pairs = [
        (str(key), value if isinstance(value, bytes) else str(value))
        for key, value in _iter_multi_items(obj)
        if value is not None
    ]
    if sort:
        pairs.sort(key=lambda pair: pair[0])
    return _std_urlencode(pairs, safe="!$'()*,/:;?@")


def _encode_netloc(parts: SplitResult) -> str:
    """The authority as ASCII: IDNA host (lower-cased), bracketed IPv6, quoted userinfo."""
    try:
        port = parts.port
    except ValueError:
        return quote(parts.netloc, safe="%!$&'()*+,;=:@[]")  # not a valid port: keep it
    host = parts.hostname or ""
    try:
        netloc = host.encode("idna").decode("ascii")
    except UnicodeError:
        netloc = quote(host, safe="")
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        auth = quote(parts.username, safe="%!$&'()*+,;=")
        if parts.password is not None:
            auth += ":" + quote(parts.password, safe="%!$&'()*+,;=")
        netloc = f"{auth}@{netloc}"
    return netloc


@lru_cache(maxsize=1024)
def iri_to_uri(iri: str) -> str:
    """Turn an IRI into an ASCII URI: IDNA host, percent-encoded UTF-8 elsewhere.

    A pure function of its text, cached: the test client's ``EnvironBuilder`` converts
    the same path and base URL on every request."""
    # Control characters (CR/LF above all: response splitting) are dropped or encoded as
    # urlsplit and Werkzeug do, and backslashes are encoded so "/\\host" cannot turn into
    # a protocol-relative redirect in browsers.
    parts = urlsplit(iri)
    uri = urlunsplit(
        (
            parts.scheme,
            _encode_netloc(parts),
            quote(parts.path, safe="%!$&'()*+,/:;=@"),
            quote(parts.query, safe="%!$&'()*+,/:;=?@"),
            quote(parts.fragment, safe="%!#$&'()*+,/:;=?@"),
        )
    )
    scheme = parts.scheme
    if scheme and not parts.netloc and iri[len(scheme) + 1 :].startswith("//"):
        # An empty authority ("itms-services://?...") is kept: urlunsplit drops it for
        # schemes it does not know.
        rest = uri[len(scheme) + 1 :]
        if not rest.startswith("//"):
            uri = f"{scheme}://{rest}"
    return uri


def uri_to_iri(uri: str) -> str:
    """Turn a URI into an IRI: decode the host and every escape that is safe to show.

    Escapes that would change a part's meaning stay (``%2F`` in a path, ``%26`` in a
    query, controls, space and ``%`` everywhere), as do bytes that are not UTF-8.
    """
    parts = urlsplit(uri)
    return urlunsplit(
        (
            parts.scheme,
            _decode_netloc(parts),
            _unquote_except(parts.path, _KEEP_PATH),
            _unquote_except(parts.query, _KEEP_QUERY),
            _unquote_except(parts.fragment, _KEEP_FRAGMENT),
        )
    )


def _decode_netloc(parts: SplitResult) -> str:
    try:
        port = parts.port
    except ValueError:
        return parts.netloc  # not a valid port: leave the authority alone
    host = parts.hostname or ""
    if "xn--" in host:
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            pass  # not valid IDNA: keep the host as it is
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        auth = _unquote_except(parts.username, _KEEP_USER)
        if parts.password is not None:
            auth += ":" + _unquote_except(parts.password, _KEEP_USER)
        netloc = f"{auth}@{netloc}"
    return netloc


# Bytes whose escapes uri_to_iri keeps, per part (after the WHATWG URL standard's
# percent-encode sets): controls, space, "%" and DEL always, plus the part's delimiters.
_ALWAYS_KEEP = frozenset((*range(0x21), 0x25, 0x7F))
_KEEP_PATH = _ALWAYS_KEEP | {ord(c) for c in "/?#"}
_KEEP_QUERY = _ALWAYS_KEEP | {ord(c) for c in "&=+#"}
_KEEP_FRAGMENT = _ALWAYS_KEEP
_KEEP_USER = _ALWAYS_KEEP | {ord(c) for c in ":@/?#"}


def _unquote_except(value: str, keep: frozenset[int]) -> str:
    """Decode percent-escapes as UTF-8 except those of bytes in ``keep``."""
    if "%" not in value:
        return value
    pieces = value.split("%")
    out = [pieces[0]]
    pending = bytearray()
    for piece in pieces[1:]:
        byte = _HEX_BYTES.get(piece[:2].encode("utf-8", "surrogatepass"))
        if byte is None or byte[0] in keep:
            out.append(_flush(pending))
            out.append("%" + piece)
            continue
        pending += byte
        if len(piece) > 2:
            out.append(_flush(pending))
            out.append(piece[2:])
    out.append(_flush(pending))
    return "".join(out)


def _flush(pending: bytearray) -> str:
    if not pending:
        return ""
    text = bytes(pending).decode("utf-8", "kettle.url_quote")
    pending.clear()
    return text


def wsgi_decoding(value: str, charset: str = "utf-8") -> str:
    """Turn a PEP 3333 latin-1 environ string back into text (bytes decoded as UTF-8)."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode(charset, "replace")


__all__ = [
    "iri_to_uri",
    "iter_query_pairs",
    "query_lists",
    "quote",
    "unquote",
    "uri_to_iri",
    "url_decode",
    "url_encode",
    "url_quote",
    "url_quote_plus",
    "url_unquote",
    "url_unquote_plus",
    "urlsplit",
    "wsgi_decoding",
]
