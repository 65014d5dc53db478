"""Mirror of ``werkzeug.wsgi`` (``kettle.web.wsgi`` and ``kettle.web.streams``)."""

from __future__ import annotations

from kettle.web.streams import LimitedStream, get_input_stream
from kettle.web.wsgi import (
    ClosingIterator,
    FileWrapper,
    get_content_length,
    get_current_url,
    get_host,
    get_path_info,
    responder,
    wrap_file,
)
from kettle.web.wsgi import RangeWrapper as _RangeWrapper

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "_RangeWrapper",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "responder",
    "wrap_file",
]
