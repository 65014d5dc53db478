"""Mirror of ``werkzeug.wsgi`` (``kettle.web.wsgi``)."""

from __future__ import annotations

from kettle.web.wsgi import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
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
