"""Mirror of ``werkzeug.datastructures.file_storage`` (``kettle.http``)."""

from __future__ import annotations

from kettle.http.formparser import FileStorage
from kettle.http.structures import FileMultiDict

__all__ = ["FileMultiDict", "FileStorage"]
