"""Building a WSGI environ from test-style arguments: ``EnvironBuilder`` (used by the test
client, ``app.test_request_context`` and ``Request.from_values``) and multipart encoding.

Rules: this module builds plain PEP 3333 dicts and imports neither the request/response
wrappers nor the application, so both ``testing`` and ``request`` can import it without a
cycle. An app, when given, only supplies defaults (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``), its JSON provider and its ``request_class`` (``get_request``).
The request's parts stay editable until ``get_environ()``, which encodes a form body
(``kettle.http.formencode``) each time it is called, so a builder can be sent again;
``from_environ`` turns a ready environ back into a builder that reads the same
``wsgi.input``; ``close()`` closes the files the builder was given.
"""

from __future__ import annotations

import io
import json as _json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from ..http.auth import Authorization
from ..http.formencode import (
    encode_multipart,
    form_pairs,
    is_file_value,
    stream_encode_multipart,
    urlencode_pairs,
)
from ..http.headers import Headers
from ..http.multidict import MultiDict
from ..http.options import parse_options_header
from ..http.structures import FileMultiDict
from ..http.urls import iri_to_uri
from .response import get_content_type

if TYPE_CHECKING:
    from .appbase import App

# The keys that describe the request itself (its line, host and body): the builder sets
# them, and neither its environ_base nor the test client's environ_base replaces them.
REQUEST_KEYS = frozenset(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.input",
        "wsgi.url_scheme",
    )
)  # fmt: skip

__all__ = [
    "REQUEST_KEYS",
    "EnvironBuilder",
    "encode_multipart",
    "stream_encode_multipart",
    "urlencode_pairs",
]

# Methods whose empty body is still announced with "Content-Length: 0".
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
_FORM_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


class EnvironBuilder:
    """Builds the environ for one test request (the arguments of ``client.get`` and friends).

    As Werkzeug's builder, its parts stay editable until ``get_environ()``: ``headers`` (a
    ``Headers``), ``form`` and ``files`` (the body when it is a form), ``args`` or
    ``query_string``, ``input_stream`` (a raw body, exclusive with a form), ``content_type``,
    ``mimetype`` and ``content_length`` (read from and written to ``headers``), ``base_url``
    (or its parts ``url_scheme``, ``host`` and ``script_root``) and ``path`` (percent-encoded).
    """

    #: What ``get_request`` builds when given no class and no app; ``None`` until set
    #: (this module cannot import the request wrapper, which imports it).
    request_class: type[Any] | None = None

    def __init__(
        self,
        app: App | None = None,
        path: str = "/",
        base_url: str | None = None,
        url_scheme: str | None = None,
        query_string: str | Mapping[str, Any] | None = None,
        method: str = "GET",
        headers: Any = None,
        data: Any = None,
        json: Any = None,
        content_type: str | None = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        auth: tuple[str, str] | Authorization | None = None,
        subdomain: str | None = None,
        mimetype: str | None = None,
        input_stream: Any = None,
        content_length: int | None = None,
        errors_stream: Any = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
    ) -> None:
        if app is not None and not hasattr(app, "config"):
            app = None  # a plain WSGI app (Werkzeug's Client) has no config to read
        self.app = app
        self._set_target(path, base_url, url_scheme, subdomain, query_string)
        self.method = method.upper()
        self.headers = Headers()
        for name, value in form_pairs(headers) if headers is not None else ():
            self.headers.add(name, value)
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        self.errors_stream = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.closed = False
        self._input_stream: Any = None
        self._own_body: bytes | None = None
        self._form: MultiDict | None = None
        self._files: FileMultiDict | None = None
        if content_type is None and mimetype is not None:
            content_type = get_content_type(mimetype, "utf-8")  # text types get a charset
        if content_type is not None:
            self.content_type = content_type
        if content_length is not None:
            self.content_length = content_length
        if auth is not None:
            self._set_auth(auth)
        self._set_body(app, input_stream, data, json)

    def _set_target(
        self,
        path: str,
        base_url: str | None,
        url_scheme: str | None,
        subdomain: str | None,
        query_string: str | Mapping[str, Any] | None,
    ) -> None:
        self.request_uri = path  # REQUEST_URI / RAW_URI: the target as the client sent it
        split = urlsplit(path)
        if query_string is not None and "?" in path:
            raise ValueError("the query string is given both in the path and as query_string")
        if split.scheme:
            base_url = f"{split.scheme}://{split.netloc}"
        elif base_url is None:
            base_url = self._base_url(self.app, url_scheme, subdomain)
        self.base_url = base_url
        self.path = iri_to_uri(split.path or "/")  # percent-encoded, as in Werkzeug
        self._query_string: str | None = None
        self._args: MultiDict | None = None
        if query_string is None or isinstance(query_string, str):
            self.query_string = split.query if query_string is None else query_string
        else:
            self.args = MultiDict(form_pairs(query_string))

    def _set_auth(self, auth: tuple[str, str] | Authorization) -> None:
        if isinstance(auth, tuple):
            if len(auth) != 2:
                raise TypeError("auth must be a (username, password) tuple or an Authorization")
            auth = Authorization("basic", {"username": auth[0], "password": auth[1]})
        self.headers.set("Authorization", auth.to_header())

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any], **kwargs: Any) -> EnvironBuilder:
        """A builder for the request ``environ`` describes (Werkzeug's): its method, URL,
        headers and the same input stream; ``kwargs`` replace any of those arguments. Keys
        that are not the request's own (``REMOTE_ADDR``, ``werkzeug.*``) are not kept."""
        headers: list[tuple[str, str]] = []
        host = str(environ.get("SERVER_NAME") or "localhost")
        for key, value in environ.items():
            if not key.startswith("HTTP_"):
                continue
            if key == "HTTP_HOST":
                host = str(value)
                continue
            headers.append((key[5:].replace("_", "-").title(), str(value)))
        length = environ.get("CONTENT_LENGTH") or None
        script = _wsgi_decoded(environ.get("SCRIPT_NAME", "")).rstrip("/")
        arguments: dict[str, Any] = {
            "path": quote(_wsgi_decoded(environ.get("PATH_INFO", "")) or "/", safe=_PATH_SAFE),
            "base_url": f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
            + quote(script, safe=_PATH_SAFE),
            "query_string": _wsgi_decoded(environ.get("QUERY_STRING", "")),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": int(length) if length is not None and length.isdigit() else None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        arguments.update(kwargs)
        builder = cls(**arguments)
        if "REQUEST_URI" in environ and "path" not in kwargs:
            builder.request_uri = _wsgi_decoded(environ["REQUEST_URI"])  # the same raw target
        return builder

    def get_request(self, cls: type[Any] | None = None) -> Any:
        """A request object over ``get_environ()``: of ``cls``, else ``request_class``,
        else the app's ``request_class``."""
        if cls is None:
            cls = self.request_class
        if cls is None and self.app is not None:
            cls = self.app.request_class
        if cls is None:
            raise TypeError(
                "EnvironBuilder.get_request needs a request class: pass cls=, build with an"
                " app, or set EnvironBuilder.request_class"
            )
        return cls(self.get_environ())

    @staticmethod
    def _base_url(app: App | None, url_scheme: str | None, subdomain: str | None) -> str:
        host, root, scheme = "localhost", "/", "http"
        if app is not None:
            host = app.config.get("SERVER_NAME") or "localhost"
            root = app.config.get("APPLICATION_ROOT") or "/"
            scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
        if subdomain:
            host = f"{subdomain}.{host}"
        return f"{url_scheme or scheme}://{host}{root.rstrip('/')}"

    # -- the URL --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``scheme://host/script_root/``; setting it (``None``: ``http://localhost/``)
        sets ``url_scheme``, ``host`` (IDNA-encoded) and ``script_root``."""
        return f"{self.url_scheme}://{self.host}{self.script_root}/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        split = urlsplit(iri_to_uri(value) if value is not None else "http://localhost/")
        if split.query or split.fragment:
            raise ValueError("base_url must not contain a query string or a fragment")
        self.url_scheme = split.scheme or "http"
        self.host = split.netloc or "localhost"
        self.script_root = split.path.rstrip("/")

    @property
    def server_name(self) -> str:
        """The host without its port."""
        return self.host.rpartition(":")[0] if self._port_text() else self.host

    @property
    def server_port(self) -> int:
        """The port of ``host``, else the scheme's default (443 for https, else 80)."""
        port = self._port_text()
        if port.isdigit():
            return int(port)
        return 443 if self.url_scheme == "https" else 80

    def _port_text(self) -> str:
        host = self.host
        if host.endswith("]") or ":" not in host:  # no port (an IPv6 literal has colons)
            return ""
        return host.rpartition(":")[2]

    @property
    def query_string(self) -> str:
        """The query string: the one given, else ``args`` encoded."""
        if self._query_string is not None:
            return self._query_string
        return urlencode_pairs(form_pairs(self._args)) if self._args is not None else ""

    @query_string.setter
    def query_string(self, value: str | None) -> None:
        self._query_string = value
        self._args = None

    @property
    def args(self) -> MultiDict:
        """The query arguments as a MultiDict to edit (not with a ``query_string`` set)."""
        if self._query_string is not None:
            raise AttributeError("a query string is defined; set query_string=None first")
        if self._args is None:
            self._args = MultiDict()
        return self._args

    @args.setter
    def args(self, value: MultiDict | None) -> None:
        self._query_string = None
        self._args = value

    # -- the body ---------------------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The Content-Type header; without one, the form's type when the body is a form."""
        value: str | None = self.headers.get("Content-Type")
        if value is None and self._input_stream is None:
            if self._files:
                return _MULTIPART
            if self._form:
                return _FORM_URLENCODED
        return value

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        """``content_type`` without its parameters, lower case."""
        value = self.content_type
        return value.split(";")[0].strip().lower() if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.content_type = get_content_type(value, "utf-8")

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of ``content_type`` (a copy: set ``content_type`` to change them)."""
        return parse_options_header(self.content_type or "")[1]

    @property
    def content_length(self) -> int | None:
        """The Content-Length header as an int, else ``None``."""
        value: int | None = self.headers.get("Content-Length", type=int)
        return value

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers.set("Content-Length", str(value))

    @property
    def form(self) -> MultiDict:
        """The form fields of the body (not with an ``input_stream`` set)."""
        if self._input_stream is not None:
            raise AttributeError("an input stream is defined; the body cannot be a form")
        if self._form is None:
            self._form = MultiDict()
        return self._form

    @form.setter
    def form(self, value: MultiDict) -> None:
        self._input_stream = self._own_body = None
        self._form = value

    @property
    def files(self) -> FileMultiDict:
        """The uploads of the body (``files.add_file(...)``; not with an ``input_stream``)."""
        if self._input_stream is not None:
            raise AttributeError("an input stream is defined; the body cannot have files")
        if self._files is None:
            self._files = FileMultiDict()
        return self._files

    @files.setter
    def files(self, value: FileMultiDict) -> None:
        self._input_stream = self._own_body = None
        self._files = value

    @property
    def input_stream(self) -> Any:
        """The raw body stream, if the body is not a form; setting it drops the form."""
        return self._input_stream

    @input_stream.setter
    def input_stream(self, value: Any) -> None:
        self._input_stream = value
        self._own_body = None
        self._form = self._files = None

    def _set_body(self, app: App | None, input_stream: Any, data: Any, json: Any) -> None:
        if json is not None:
            if data is not None:
                raise TypeError("can't provide both json and data")
            dumps = app.json.dumps if app is not None else _json_dumps
            data = dumps(json)
            if self.content_type is None:
                self.content_type = "application/json"
        if input_stream is not None:
            if data:
                raise TypeError("can't provide both input_stream and data")
            self.input_stream = input_stream
        elif data:
            self._set_data(data)

    def _set_data(self, data: Any) -> None:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            data = data.encode()
        if isinstance(data, bytes | bytearray):
            self.input_stream = io.BytesIO(data)
            self._own_body = bytes(data)
            return
        for key, value in form_pairs(data):
            if isinstance(value, tuple):
                self.files.add_file(key, *value)
            elif is_file_value(value):
                self.files.add_file(key, value)
            else:
                self.form.add(key, value)

    def _body(self) -> tuple[Any, int | None, str | None]:
        """(input stream, content length, content type) of the request body."""
        content_type, length = self.content_type, self.content_length
        if self._own_body is not None:
            stream: Any = io.BytesIO(self._own_body)  # fresh: the builder can be sent again
            return stream, len(self._own_body) if length is None else length, content_type
        if self._input_stream is not None:
            if length is None:
                length = _remaining_length(self._input_stream)
            return self._input_stream, length, content_type
        if self.mimetype == _MULTIPART:
            fields: list[tuple[str, Any]] = form_pairs(self._form) if self._form else []
            fields += form_pairs(self._files) if self._files else []
            stream, size, boundary = stream_encode_multipart(fields)
            return stream, size, f"{_MULTIPART}; boundary={boundary}"
        if self.mimetype == _FORM_URLENCODED:
            body = urlencode_pairs(form_pairs(self._form) if self._form else []).encode()
            return io.BytesIO(body), len(body), content_type
        if length is None and self.method in _BODY_METHODS:
            length = 0
        return io.BytesIO(), length, content_type

    def get_environ(self) -> dict[str, Any]:
        """The environ, layered as Werkzeug layers it: defaults, then ``environ_base``, then
        the request line, body and headers (``REQUEST_KEYS`` and ``HTTP_*``), then
        ``environ_overrides``."""
        stream, length, content_type = self._body()
        # No REMOTE_ADDR or User-Agent of its own, as Werkzeug's builder: the test client
        # adds Flask's through its environ_base.
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.errors": self.errors_stream,
            "wsgi.multithread": self.multithread,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": self.run_once,
        }
        if self.environ_base:
            environ.update(self.environ_base)
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ.pop(key, None)
        environ.update(
            {
                "REQUEST_METHOD": self.method,
                # PEP 3333: the text's UTF-8 bytes carried as latin-1, as Werkzeug does.
                "SCRIPT_NAME": _wsgi_text(unquote(self.script_root)),
                "PATH_INFO": _wsgi_text(unquote(self.path)),
                "QUERY_STRING": _wsgi_text(self.query_string),
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": self.host,
                "wsgi.url_scheme": self.url_scheme,
                "REQUEST_URI": _wsgi_text(self.request_uri),
                "RAW_URI": _wsgi_text(self.request_uri),
                "wsgi.input": stream,
            }
        )
        if length is not None:
            environ["CONTENT_LENGTH"] = str(length)
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        environ.update(self._header_keys())
        if self.environ_overrides:
            environ.update(self.environ_overrides)
        return environ

    def _header_keys(self) -> dict[str, str]:
        """The headers as environ keys; repeated headers are joined with ``", "``."""
        keys: dict[str, str] = {}
        for name, value in self.headers:
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                continue  # the body's own keys, set from content_type / content_length
            key = f"HTTP_{key}"
            keys[key] = f"{keys[key]}, {value}" if key in keys else str(value)
        return keys

    def close(self) -> None:
        """Close the files added to the builder (once), as Werkzeug's builder does."""
        if self.closed:
            return
        for _name, upload in form_pairs(self._files) if self._files else []:
            upload.close()
        self.closed = True


# What a path keeps unquoted so that the builder's unquoting gives the same text back.
_PATH_SAFE = "/!$&'()*+,:;=@~"


def _remaining_length(stream: Any) -> int | None:
    """How many bytes a seekable stream has left (Werkzeug's builder sends that length);
    ``None`` for a stream that cannot tell."""
    try:
        start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    return max(0, end - start)


def _wsgi_text(value: str) -> str:
    """Text as a WSGI string: its UTF-8 bytes carried as latin-1 (PEP 3333)."""
    return value.encode().decode("latin-1")


def _wsgi_decoded(value: str) -> str:
    """A WSGI (latin-1 carried) string as the UTF-8 text it stands for (PEP 3333)."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def _json_dumps(value: Any) -> str:
    return _json.dumps(value)
