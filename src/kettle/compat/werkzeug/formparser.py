"""Mirror of ``werkzeug.formparser`` (``kettle.web.formdata`` over ``kettle.http``'s
streaming parsers)."""

from __future__ import annotations

from tempfile import SpooledTemporaryFile

from kettle.http.multipart import default_stream_factory
from kettle.web.formdata import FormDataParser, MultiPartParser, parse_form_data

__all__ = [
    "FormDataParser",
    "MultiPartParser",
    "SpooledTemporaryFile",
    "default_stream_factory",
    "parse_form_data",
]
