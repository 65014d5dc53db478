"""Mirror of ``werkzeug.utils`` over ``kettle.web``.

Adapters: ``redirect`` builds Werkzeug's ``Response`` by default; ``send_file`` and
``send_from_directory`` take the WSGI ``environ`` as their required argument (Werkzeug's
signature) and pass it to Kettle's, which otherwise reads it from the request context.
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from kettle.web import files as _files
from kettle.web.files import safe_join, secure_filename
from kettle.web.plain_response import PlainResponse
from kettle.web.properties import (
    ImportStringError,
    cached_property,
    environ_property,
    find_modules,
    header_property,
    import_string,
)
from kettle.web.response import get_content_type
from kettle.web.wrappers import redirect as _redirect
from kettle.web.wsgi import append_slash_redirect, wrap_file


def redirect(location: str, code: int = 302, Response: type[Any] | None = None) -> Any:
    """A redirect response; Werkzeug's ``Response`` (``text/plain`` default) unless given."""
    return _redirect(location, code, Response or PlainResponse)


def send_file(
    path_or_file: Any, environ: dict[str, Any], *args: Any, _root_path: Any = None, **kwargs: Any
) -> Any:
    """Werkzeug's ``send_file(path_or_file, environ, ...)``."""
    if _root_path is not None:
        kwargs["root_path"] = _root_path
    return _files.send_file(path_or_file, *args, environ=environ, **kwargs)


def send_from_directory(
    directory: Any, path: Any, environ: dict[str, Any], *, _root_path: Any = None, **kwargs: Any
) -> Any:
    """Werkzeug's ``send_from_directory(directory, path, environ, ...)``."""
    if _root_path is not None:
        kwargs["root_path"] = _root_path
    return _files.send_from_directory(directory, path, environ=environ, **kwargs)


__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "escape",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "redirect",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
    "wrap_file",
]
