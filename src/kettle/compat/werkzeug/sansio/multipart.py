"""Mirror of ``werkzeug.sansio.multipart`` (``kettle.http.multipart_events``)."""

from __future__ import annotations

from kettle.http.multipart_events import (
    NEED_DATA,
    Data,
    Epilogue,
    Event,
    Field,
    File,
    MultipartDecoder,
    MultipartEncoder,
    NeedData,
    Preamble,
    State,
)

__all__ = [
    "NEED_DATA",
    "Data",
    "Epilogue",
    "Event",
    "Field",
    "File",
    "MultipartDecoder",
    "MultipartEncoder",
    "NeedData",
    "Preamble",
    "State",
]
