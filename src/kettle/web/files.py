"""Sending files: ``send_file``, ``send_from_directory`` and the range body they use.

Owns file responses as Flask defines them: Content-Type guessed from the name,
Content-Disposition for downloads (RFC 6266, with an ASCII fallback and ``filename*``),
Last-Modified and an ETag from the file's mtime, size and path, Cache-Control from
``max_age`` (or the app's ``get_send_file_max_age``), then ``make_conditional`` for
304/412 and Range 206/416.

Rules:
- A path is opened only after ``safe_join`` accepted it (``send_from_directory``) and it
  is a regular file; anything else is a 404, never a traceback or a directory listing.
- A full body goes out through the server's ``wsgi.file_wrapper`` (so the server may use
  sendfile) with ``direct_passthrough``; a range reads only the requested bytes.
- The file is closed when the response closes, whatever happens in between.
- Outside a request these functions need ``environ=``; inside one they find the request,
  the app's response class, root path, ``USE_X_SENDFILE`` and default max age themselves.
"""

from __future__ import annotations

import io
import mimetypes
import os
import posixpath
import re
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import datetime
from time import time
from typing import IO, Any
from urllib.parse import quote

from .exceptions import NotFound
from .globals import _cv_app, _cv_request
from .wrappers import RangeBody, Response

_BLOCK = 65536
_WINDOWS_DEVICES = frozenset(
    [
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{i}" for i in range(1, 10)),
        *(f"LPT{i}" for i in range(1, 10)),
    ]
)


def safe_join(directory: str, *pathnames: str) -> str | None:
    """Join untrusted ``pathnames`` below ``directory``; ``None`` if that is unsafe."""
    if not directory:
        directory = "."
    parts = [directory]
    for filename in pathnames:
        if filename == "":
            continue
        filename = posixpath.normpath(filename)
        if (
            "\\" in filename
            or "\0" in filename
            or (os.sep != "/" and os.sep in filename)
            or os.path.isabs(filename)
            or filename.startswith("/")
            or (len(filename) >= 2 and filename[1] == ":")
            or filename == ".."
            or filename.startswith("../")
            or _is_device_name(filename)
        ):
            return None
        parts.append(filename)
    return posixpath.join(*parts)


_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def secure_filename(filename: str) -> str:
    """An upload's name made safe to store: ASCII letters, digits, ``_.-``, no path parts.

    ``"../../etc/passwd"`` -> ``"etc_passwd"``; ``"i ümläut.txt"`` -> ``"i_umlaut.txt"``.
    The result may be empty; pick a name of your own then.
    """
    text = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    for separator in (os.sep, os.path.altsep):
        if separator:
            text = text.replace(separator, " ")
    text = _UNSAFE_FILENAME_CHARS.sub("", "_".join(text.split())).strip("._")
    if os.name == "nt" and text and text.split(".")[0].upper() in _WINDOWS_DEVICES:
        text = f"_{text}"
    return text


def _is_device_name(filename: str) -> bool:
    base = posixpath.basename(filename).split(".")[0].strip().upper()
    return os.name == "nt" and base in _WINDOWS_DEVICES


class FileBody:
    """A whole file as a body when the server offers no ``wsgi.file_wrapper``."""

    def __init__(self, file: IO[bytes]) -> None:
        self.filelike = file

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.filelike.read(_BLOCK), b"")

    def close(self) -> None:
        self.filelike.close()


def _content_disposition(kind: str, name: str) -> str:
    """``inline``/``attachment`` with ``filename`` and, for non-ASCII, ``filename*``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace("\\", "").replace('"', "")
    if ascii_name and all(ch.isalnum() or ch in "!#$&+-.^_`|~" for ch in ascii_name):
        value = f"{kind}; filename={ascii_name}"
    else:
        value = f'{kind}; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"
    return value


def _context() -> tuple[dict[str, Any] | None, Any]:
    request_ctx = _cv_request.get(None)
    app_ctx = _cv_app.get(None)
    environ = request_ctx.request.environ if request_ctx is not None else None
    app = app_ctx.app if app_ctx is not None else None
    return environ, app


def _file_etag(path: str, mtime: float, size: int) -> str:
    checksum = zlib.adler32(path.encode("utf-8", "surrogateescape")) & 0xFFFFFFFF
    return f"{mtime}-{size}-{checksum}"  # Werkzeug's shape: mtime, size, name checksum


def _open_source(
    path_or_file: Any, root_path: str | None
) -> tuple[IO[bytes], str | None, float | None, int | None]:
    """(file, path, mtime, size) of a path or an open binary file."""
    if isinstance(path_or_file, str | os.PathLike):
        path = os.fspath(path_or_file)
        if root_path is not None and not os.path.isabs(path):
            path = os.path.join(root_path, path)
        stat = os.stat(path)
        return open(path, "rb"), path, stat.st_mtime, stat.st_size
    if isinstance(path_or_file, io.TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")
    size = path_or_file.getbuffer().nbytes if isinstance(path_or_file, io.BytesIO) else None
    name = getattr(path_or_file, "name", None)
    path = name if isinstance(name, str) else None
    if path is not None and size is None:
        try:
            stat = os.fstat(path_or_file.fileno())
            return path_or_file, path, stat.st_mtime, stat.st_size
        except (OSError, AttributeError, io.UnsupportedOperation):
            pass
    return path_or_file, path, None, size


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Any | None = None,
    *,
    environ: dict[str, Any] | None = None,
    response_class: type[Response] | None = None,
    use_x_sendfile: bool | None = None,
    root_path: str | None = None,
) -> Response:
    """A response that sends a file's content, with caching and range support."""
    current_environ, app = _context()
    environ = environ if environ is not None else current_environ
    if environ is None:
        raise RuntimeError("send_file needs a request context or an explicit environ=.")
    if app is not None:
        response_class = response_class or app.response_class
        root_path = root_path if root_path is not None else app.root_path
        if use_x_sendfile is None:
            use_x_sendfile = bool(app.config.get("USE_X_SENDFILE"))
    response_class = response_class or Response
    is_path = isinstance(path_or_file, str | os.PathLike)
    file, path, mtime, size = _open_source(path_or_file, root_path)
    if download_name is None and path is not None:
        download_name = os.path.basename(path)
    encoding = None
    if download_name is None and (mimetype is None or as_attachment):
        if is_path:
            file.close()
        if mimetype is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is not available."
                " Either set 'download_name', pass a path instead of a file, or set"
                " 'mimetype'."
            )
        raise TypeError("No name provided for attachment.")
    if mimetype is None and download_name is not None:
        mimetype, encoding = mimetypes.guess_type(download_name)
        mimetype = mimetype or "application/octet-stream"
    response = _build(
        file,
        path if is_path else None,
        size,
        mimetype or "application/octet-stream",
        environ,
        response_class,
        bool(use_x_sendfile),
    )
    if encoding is not None and not as_attachment:
        # As Werkzeug: an attachment is saved as it is (a .tar.gz stays compressed), so
        # the browser must not be told to decode it.
        response.headers["Content-Encoding"] = encoding
    if download_name is not None:
        kind = "attachment" if as_attachment else "inline"
        response.headers.set("Content-Disposition", _content_disposition(kind, download_name))
    _set_cache_headers(response, path, mtime, size, etag, last_modified, max_age, app)
    if conditional:
        try:
            response = response.make_conditional(environ, accept_ranges=True, complete_length=size)
        except BaseException:
            response.close()
            raise
        if response.status_code == 304:
            response.headers.remove("x-sendfile")
    return response


def _build(
    file: IO[bytes],
    path: str | None,
    size: int | None,
    mimetype: str,
    environ: dict[str, Any],
    response_class: type[Response],
    use_x_sendfile: bool,
) -> Response:
    if use_x_sendfile and path is not None:
        file.close()
        response = response_class([], mimetype=mimetype, direct_passthrough=True)
        response.headers["X-Sendfile"] = path
        response.headers["Content-Length"] = str(size or 0)
        return response
    wrapper = environ.get("wsgi.file_wrapper")
    # The server's own wrapper lets it use sendfile; a Range swaps it for a RangeBody.
    body = wrapper(file, _BLOCK) if wrapper is not None else FileBody(file)
    response = response_class(body, mimetype=mimetype, direct_passthrough=True)
    if size is not None:
        response.headers["Content-Length"] = str(size)
    return response


def _set_cache_headers(
    response: Response,
    path: str | None,
    mtime: float | None,
    size: int | None,
    etag: bool | str,
    last_modified: datetime | int | float | None,
    max_age: Any,
    app: Any,
) -> None:
    if last_modified is not None:
        response.last_modified = last_modified
    elif mtime is not None:
        response.last_modified = int(mtime)
    if callable(max_age):
        max_age = max_age(path)
    elif max_age is None and app is not None:
        max_age = app.get_send_file_max_age(path)
    if max_age is None:
        response.headers["Cache-Control"] = "no-cache"
    else:
        seconds = int(max_age.total_seconds() if hasattr(max_age, "total_seconds") else max_age)
        if seconds > 0:
            response.headers["Cache-Control"] = f"public, max-age={seconds}"
        else:
            response.headers["Cache-Control"] = f"no-cache, max-age={seconds}"
        response.expires = int(time() + seconds)
    if isinstance(etag, str):
        response.set_etag(etag)
    elif etag and path is not None and mtime is not None and size is not None:
        response.set_etag(_file_etag(path, mtime, size))


def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: Any
) -> Response:
    """Send ``path`` from inside ``directory``; a path leaving it, or no file, is a 404."""
    joined = safe_join(os.fspath(directory), os.fspath(path))
    if joined is None:
        raise NotFound()
    _environ, app = _context()
    root_path = kwargs.get("root_path")
    if root_path is None and app is not None:
        root_path = app.root_path
    base = os.fspath(directory) or "."
    if root_path is not None and not os.path.isabs(joined):
        joined = os.path.join(root_path, joined)
        base = os.path.join(root_path, base)
    if not os.path.isfile(joined) or not _inside(joined, base):
        raise NotFound()
    return send_file(joined, **kwargs)


def _inside(path: str, directory: str) -> bool:
    """True when ``path`` resolves (symlinks followed) to a place inside ``directory``.

    Unlike Werkzeug, a symlink inside the folder that points out of it is not served.
    """
    real = os.path.realpath(path)
    root = os.path.realpath(directory)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


__all__ = [
    "FileBody",
    "RangeBody",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
]
