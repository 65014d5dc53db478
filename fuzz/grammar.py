"""Input generators shared by the hypothesis tests and the atheris targets.

Each generator builds inputs that are *near* valid (mutated requests, template sources made
of template tokens, multipart bodies with real boundaries, WebSocket frames with random
fragmentation), because purely random bytes stop at the first parser check. Both the
hypothesis strategies (``*_strategy``) and the byte-driven builders used by atheris
(``*_from_bytes``) live here so the two fuzzers explore the same space.
"""

from __future__ import annotations

import itertools
import os
import struct

from hypothesis import strategies as st

# -- HTTP requests ----------------------------------------------------------------------

REQUEST_PIECES = [
    b"GET / HTTP/1.1\r\n", b"POST /p?q=1 HTTP/1.1\r\n", b"HEAD /x HTTP/1.0\r\n",
    b"GET http://h/a HTTP/1.1\r\n", b"OPTIONS * HTTP/1.1\r\n", b"CONNECT h:443 HTTP/1.1\r\n",
    b"GET / HTTP/2.0\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"Host: x\r\n", b"Host: y\r\n", b"Content-Length: 3\r\n", b"Content-Length: 0\r\n",
    b"Content-Length: -1\r\n", b"Content-Length: 99999999999999999999\r\n",
    b"Transfer-Encoding: chunked\r\n", b"Transfer-Encoding: gzip, chunked\r\n",
    b"Transfer-Encoding: identity\r\n", b"Connection: close\r\n",
    b"Connection: keep-alive\r\n", b"Connection: upgrade\r\n", b"Upgrade: websocket\r\n",
    b"Expect: 100-continue\r\n", b"X: a\r\n b\r\n", b" folded\r\n", b"Bad Header: x\r\n",
    b"X:\x00\r\n", b"\r\n", b"\n", b"\r", b"abc", b"3\r\nabc\r\n", b"0\r\n\r\n",
    b"ffffffffffffffff\r\n", b"1;ext=v\r\nz\r\n", b"0\r\nTrailer: t\r\n\r\n",
]  # fmt: skip

request_piece = st.one_of(st.sampled_from(REQUEST_PIECES), st.binary(max_size=24))
request_stream = st.lists(request_piece, max_size=24).map(b"".join)


def cuts_of(data: bytes, points: list[int]) -> list[bytes]:
    """Split ``data`` at the given offsets (taken modulo its length, sorted, deduplicated)."""
    if not data:
        return [b""] if points else []
    offsets = sorted({p % (len(data) + 1) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(offsets) if b > a]


# -- templates --------------------------------------------------------------------------

TEMPLATE_PIECES = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", " ", "\n", "x", "y",
    "items", "loop", "loop.index", "1", "2.5", "'s'", '"t"', "[", "]", "(", ")", "{", "}",
    ",", ":", ".", "|", "~", "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", ">=",
    "and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "endfor",
    "set", "endset", "block", "endblock", "macro", "endmacro", "call", "endcall",
    "filter", "endfilter", "with", "endwith", "raw", "endraw", "include", "import",
    "from", "extends", "recursive", "caller", "=", "|upper", "|default('d')", "|join(',')",
    "|length", "|e", "|safe", "|sort", "|map('upper')", "|batch(2)", "defined", "none",
    "true", "range(3)", "x.y", "x['k']", "x()", "varargs", "kwargs", "self", "super()",
    "autoescape", "endautoescape", "do", "break", "continue", "namespace()", "ns.a",
    "\\", "'", '"', "{{ x }}", "{% if x %}a{% endif %}", "{% for i in items %}{{ i }}{% endfor %}",
]  # fmt: skip

template_source = st.lists(
    st.one_of(st.sampled_from(TEMPLATE_PIECES), st.text(max_size=4)), max_size=30
).map("".join)


# -- forms ------------------------------------------------------------------------------

FORM_PIECES = [
    b"--B\r\n", b"--B--\r\n", b"--B--", b"\r\n", b"Content-Disposition: form-data; name=\"a\"\r\n",
    b"Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n",
    b"Content-Disposition: form-data; name*=UTF-8''%C3%A4\r\n", b"Content-Type: text/plain\r\n",
    b"Content-Disposition: attachment\r\n", b"value", b"\xff\xfe", b"--", b"-B", b"a=1&b=2",
    b"%zz", b"&&=", b"x" * 70,
]  # fmt: skip

form_body = st.lists(
    st.one_of(st.sampled_from(FORM_PIECES), st.binary(max_size=16)), max_size=20
).map(b"".join)
content_type = st.sampled_from(
    [
        "multipart/form-data; boundary=B",
        'multipart/form-data; boundary="B"',
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "text/plain",
        "multipart/form-data; boundary=" + "B" * 300,
    ]
)


# -- WebSocket frames ---------------------------------------------------------------------


def client_frame(
    opcode: int, payload: bytes, fin: bool = True, mask: bytes | None = None
) -> bytes:
    """One client-to-server frame (always masked, RFC 6455 section 5.3)."""
    key = mask if mask is not None else os.urandom(4)
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        head = bytes([first, 0x80 | size])
    elif size < 65536:
        head = bytes([first, 0x80 | 126]) + struct.pack("!H", size)
    else:
        head = bytes([first, 0x80 | 127]) + struct.pack("!Q", size)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
