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
