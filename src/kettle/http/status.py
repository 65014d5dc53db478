"""HTTP status codes and their reason phrases (RFC 9110 section 15, plus common extensions).

Owns the one table both the server and the web layer use to turn a number into a status
line. Rules: pure data and tiny pure functions; unknown codes in the valid range 100-999
get the reason "Unknown" instead of an error, because an application may use any
three-digit code (RFC 9110 section 15).
"""

from __future__ import annotations

HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}


def reason_phrase(code: int) -> str:
    """Return the reason phrase for ``code``; "Unknown" for an unlisted code in 100-999."""
    if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 999:
        raise ValueError(f"an HTTP status code is an int in 100-999, got {code!r}")
    return HTTP_STATUS_CODES.get(code, "Unknown")


def status_string(code: int) -> str:
    """Return the WSGI status string for ``code``, e.g. ``"404 Not Found"``."""
    return f"{code} {reason_phrase(code)}"


def parse_status(status: str) -> int:
    """Return the code of a WSGI status string such as ``"200 OK"``.

    The string must start with exactly three digits followed by a space (PEP 3333); the
    reason phrase may be empty but must not contain CR or LF (RFC 9112 section 4).
    """
    if not isinstance(status, str):
        raise TypeError(f"status must be a str, got {type(status).__name__}")
    if len(status) < 4 or status[3] != " " or not status[:3].isdigit() or not status.isascii():
        raise ValueError(f"status must look like '200 OK', got {status!r}")
    if "\r" in status or "\n" in status or "\0" in status:
        raise ValueError(f"status contains a control character: {status!r}")
    code = int(status[:3])
    if code < 100:
        raise ValueError(f"status code must be 100-999, got {status!r}")
    return code


def has_no_body(code: int) -> bool:
    """True for statuses whose response never carries content (RFC 9110 section 6.4.1)."""
    return code < 200 or code == 204 or code == 304
