"""Mirror of ``werkzeug.http`` over ``kettle.http``.

Adapters: ``parse_cookie`` also takes a WSGI environ (its ``HTTP_COOKIE``) and reads a
latin-1 string as WSGI-encoded UTF-8, as Werkzeug's does; ``is_resource_modified`` takes
the environ (the sans-IO form is ``werkzeug.sansio.http.is_resource_modified``).
"""

from __future__ import annotations

from typing import Any

from kettle.http.accept import parse_accept_header
from kettle.http.conditional import (
    generate_etag,
    parse_content_range_header,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
    quote_etag,
    unquote_etag,
)
from kettle.http.conditional import is_environ_modified as is_resource_modified
from kettle.http.cookies import dump_cookie
from kettle.http.cookies import parse_cookie as _parse_cookie
from kettle.http.fieldutils import (
    COEP,
    COOP,
    dump_age,
    dump_csp_header,
    http_date,
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    parse_age,
    parse_cache_control_header,
    parse_csp_header,
    parse_date,
    parse_set_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)
from kettle.http.multidict import MultiDict
from kettle.http.options import (
    dump_header,
    dump_options_header,
    parse_dict_header,
    parse_list_header,
    parse_options_header,
    quote_header_value,
    unquote_header_value,
)
from kettle.http.status import HTTP_STATUS_CODES
from kettle.http.urls import wsgi_decoding


def parse_cookie(cookie: dict[str, Any] | str | None = None, cls: Any = None) -> MultiDict:
    """The cookies of a ``Cookie`` header, or of a WSGI environ's ``HTTP_COOKIE``."""
    header: str | None = cookie.get("HTTP_COOKIE", "") if isinstance(cookie, dict) else cookie
    if header and not header.isascii() and max(header) <= "\xff":
        header = wsgi_decoding(header)  # a WSGI (latin-1 carried) string, as Werkzeug reads it
    return _parse_cookie(header, cls)


__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "dump_age",
    "dump_cookie",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]
