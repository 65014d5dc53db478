"""The sans-IO multipart decoder/encoder (kettle.http.multipart_events), byte for byte."""

from __future__ import annotations

import pytest

from kettle.http.formparser import ContentTooLargeError
from kettle.http.headers import Headers
from kettle.http.multipart_events import (
    NEED_DATA,
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    MultipartEncoder,
    Preamble,
)

BODY = (
    b"preamble\r\n--xyz\r\n"
    b'Content-Disposition: form-data; name="a"\r\n\r\n'
    b"one\r\n--xyz\r\n"
    b'Content-Disposition: form-data; name="f"; filename="f.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"line1\r\nline2\r\n--xyz\r\n"
    b'Content-Disposition: form-data; name="empty"\r\n\r\n'
    b"--xyz--\r\nepilogue"
)
EVENTS = [
    Preamble(b"preamble"),
    Field("a", Headers([("Content-Disposition", 'form-data; name="a"')])),
    Data(b"one", False),
    File(
        "f",
        "f.txt",
        Headers(
            [
                ("Content-Disposition", 'form-data; name="f"; filename="f.txt"'),
                ("Content-Type", "text/plain"),
            ]
        ),
    ),
    Data(b"line1\r\nline2", False),
    Field("empty", Headers([("Content-Disposition", 'form-data; name="empty"')])),
    Data(b"", False),
    Epilogue(b"epilogue"),
]


def decode(chunks):
    decoder = MultipartDecoder(b"xyz")
    events = []
    for chunk in [*chunks, None]:
        decoder.receive_data(chunk)
        while True:
            event = decoder.next_event()
            if event is NEED_DATA:
                break
            events.append(event)
            if isinstance(event, Epilogue):
                return events
    return events


def merged(events):
    """Adjacent Data events of one part joined (their split depends on the chunking)."""
    out = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data) and out[-1].more_data:
            out[-1] = Data(out[-1].data + event.data, event.more_data)
        else:
            out.append(event)
    return out


# Chunk edges inside a part's header block or its delimiter are covered from 7 bytes up.
@pytest.mark.parametrize("size", [7, 16, 64, len(BODY)])
def test_decoder_gives_the_same_events_for_any_chunking(size):
    chunks = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    assert merged(decode(chunks)) == EVENTS


def test_encoder_round_trips():
    encoder = MultipartEncoder(b"xyz")
    body = b"".join(encoder.send_event(event) for event in EVENTS)
    assert body == BODY
    with pytest.raises(ValueError, match="Cannot generate"):
        encoder.send_event(Preamble(b""))


def test_truncated_body_and_limits():
    decoder = MultipartDecoder(b"xyz")
    decoder.receive_data(b"--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\nabc")
    decoder.receive_data(None)
    assert isinstance(decoder.next_event(), Preamble)
    assert isinstance(decoder.next_event(), Field)
    assert decoder.next_event() == Data(b"abc", True)
    with pytest.raises(ValueError, match="body ended"):
        decoder.next_event()
    with pytest.raises(ContentTooLargeError):
        MultipartDecoder(b"xyz", max_form_memory_size=4).receive_data(b"12345")
    limited = MultipartDecoder(b"xyz", max_parts=1)
    limited.receive_data(BODY)
    limited.next_event()
    limited.next_event()
    limited.next_event()
    with pytest.raises(ContentTooLargeError):
        limited.next_event()
