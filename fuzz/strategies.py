"""Composite hypothesis strategies for the fuzz targets (valid inputs plus mutations)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .grammar import client_frame

message = st.one_of(st.text(max_size=40), st.binary(max_size=40))
cut_points = st.lists(st.integers(min_value=0, max_value=10_000), max_size=8)


@st.composite
def websocket_stream(draw: st.DrawFn) -> tuple[bytes, list[Any]]:
    """Valid client frames for some messages (fragmented, pings interleaved)."""
    messages = draw(st.lists(message, max_size=5))
    frames: list[bytes] = []
    for item in messages:
        payload = item.encode() if isinstance(item, str) else item
        opcode = 1 if isinstance(item, str) else 2
        splits = sorted(draw(st.lists(st.integers(0, len(payload)), max_size=3)))
        parts = [payload[a:b] for a, b in zip([0, *splits], [*splits, len(payload)], strict=True)]
        for index, part in enumerate(parts):
            first = index == 0
            last = index == len(parts) - 1
            frames.append(client_frame(opcode if first else 0, part, fin=last))
            if draw(st.booleans()) and not last:
                frames.append(client_frame(9, b"p"))  # a ping between fragments is allowed
    return b"".join(frames), messages


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """``base`` with a few bytes flipped, inserted or cut."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "cut"]))
        if action == "insert" or not data:
            data[position:position] = draw(st.binary(min_size=1, max_size=4))
        elif action == "flip":
            index = min(position, len(data) - 1)
            data[index] ^= draw(st.integers(1, 255))
        else:
            del data[position : position + draw(st.integers(1, 8))]
    return bytes(data)


handshake_headers = st.dictionaries(
    st.sampled_from(
        ["Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
         "Sec-WebSocket-Protocol", "Origin"]
    ),
    st.one_of(
        st.sampled_from(
            ["websocket", "Upgrade", "keep-alive, Upgrade", "13", "8", "chat, superchat",
             "dGhlIHNhbXBsZSBub25jZQ==", "dGhl", "http://ok.example", "null", "", " ,"]
        ),
        st.text(max_size=30),
    ),
)  # fmt: skip

HEADER_VALUES = [
    "text/html;q=0.5, application/json", "*/*;q=0", "en-US,en;q=0.9", "bytes=0-4",
    "bytes=5-", "bytes=-3", "bytes=0-1,4-5", "bytes=9-2", "bytes=0-999", "bytes=",
    '"abc"', 'W/"abc", "def"', "*", "Sat, 29 Oct 1994 19:43:31 GMT", "not a date",
    "Basic dXNlcjpwYXNz", "Bearer abc", "Basic !!!", 'Digest username="a", realm="r"',
    "max-age=0, no-cache", "no-cache", "a=1; b=2", 'a="x\\"y"', "1.2.3.4, 5.6.7.8",
    "multipart/form-data; boundary=x", "text/plain; charset=utf-8", "http://e.example/p",
    "null", ";;;", ",,,", "=", "\x7f", "\u00ff",
]  # fmt: skip

request_headers = st.dictionaries(
    st.sampled_from(
        ["Cookie", "Accept", "Accept-Language", "Accept-Charset", "Accept-Encoding", "Range",
         "If-Range", "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since",
         "Authorization", "Cache-Control", "Pragma", "User-Agent", "X-Forwarded-For",
         "Content-Type", "Referer", "Origin"]
    ),
    st.one_of(
        st.sampled_from(HEADER_VALUES),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
    ),
)  # fmt: skip
