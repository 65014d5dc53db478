"""Mirror of ``werkzeug.test`` over ``kettle.web.testing``.

``Client`` is Kettle's test client (which also drives plain WSGI apps), so Flask's client
is a Werkzeug ``Client`` as in Flask. Adapters: ``EnvironBuilder`` takes Werkzeug's
arguments (no app first); ``create_environ``, ``encode_multipart`` and
``stream_encode_multipart`` keep Werkzeug's signatures and return shapes (the encoders
live in ``kettle.http.formencode``).
"""

from __future__ import annotations

from typing import IO, Any

from kettle.http.formencode import encode_multipart as _encode_multipart
from kettle.http.formencode import stream_encode_multipart
from kettle.web.environ_builder import EnvironBuilder as _EnvironBuilder
from kettle.web.testing import ClientRedirectError, Cookie, TestResponse
from kettle.web.testing import KettleClient as Client
from kettle.web.wrappers import Request
from kettle.web.wsgi import run_wsgi_app


class EnvironBuilder(_EnvironBuilder):
    """Kettle's environ builder with Werkzeug's signature (the path comes first);
    ``get_request()`` builds Werkzeug's (Kettle's) ``Request``."""

    request_class = Request

    def __init__(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: Any = None,
        method: str = "GET",
        input_stream: IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: Any = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Any = None,
        data: Any = None,
        environ_base: Any = None,
        environ_overrides: Any = None,
        mimetype: str | None = None,
        json: Any = None,
        auth: Any = None,
    ) -> None:
        super().__init__(
            None,
            path,
            base_url,
            query_string=query_string,
            method=method,
            headers=headers,
            data=data,
            json=json,
            content_type=content_type,
            environ_base=environ_base,
            environ_overrides=environ_overrides,
            auth=auth,
            mimetype=mimetype,
            input_stream=input_stream,
            content_length=content_length,
            errors_stream=errors_stream,
            multithread=multithread,
            multiprocess=multiprocess,
            run_once=run_once,
        )


def create_environ(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """A WSGI environ from ``EnvironBuilder``'s arguments."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def encode_multipart(values: Any, boundary: str | None = None) -> tuple[str, bytes]:
    """``(boundary, body)`` of a ``multipart/form-data`` body for ``values``."""
    body, boundary = _encode_multipart(values, boundary)
    return boundary, body


__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
