"""Protocol data only: headers, cookies, status codes, URLs, forms, ranges and dates.

Rules: imports the standard library, markupsafe and python-multipart only; nothing else of
kettle. No sockets, threads or application state live here.

The common names can be imported from the package (``from kettle.http import Headers``);
they are loaded on first use, so ``import kettle.http.status`` (the server's only need)
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Headers": "headers",
    "EnvironHeaders": "headers",
    "HeaderSet": "headers",
    "MultiDict": "multidict",
    "ImmutableMultiDict": "multidict",
    "CombinedMultiDict": "multidict",
    "FileStorage": "formparser",
    "parse_form_data": "multipart",
    "parse_cookie": "cookies",
    "dump_cookie": "cookies",
    "parse_options_header": "options",
    "dump_options_header": "options",
    "dump_header": "options",
    "parse_list_header": "options",
    "parse_dict_header": "options",
    "quote_header_value": "options",
    "unquote_header_value": "options",
    "parse_accept_header": "accept",
    "Accept": "accept",
    "MIMEAccept": "accept",
    "LanguageAccept": "accept",
    "CharsetAccept": "accept",
    "Authorization": "auth",
    "WWWAuthenticate": "auth",
    "CacheControl": "directives",
    "ContentSecurityPolicy": "directives",
    "ETags": "conditional",
    "Range": "conditional",
    "ContentRange": "conditional",
    "IfRange": "conditional",
    "generate_etag": "conditional",
    "quote_etag": "conditional",
    "unquote_etag": "conditional",
    "parse_etags": "conditional",
    "is_resource_modified": "conditional",
    "parse_range_header": "conditional",
    "parse_content_range_header": "conditional",
    "parse_if_range_header": "conditional",
    "url_quote": "urls",
    "url_unquote": "urls",
    "url_encode": "urls",
    "url_decode": "urls",
    "iri_to_uri": "urls",
    "uri_to_iri": "urls",
    "format_http_date": "dates",
    "parse_http_date": "dates",
    "HTTP_STATUS_CODES": "status",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kettle.http' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
