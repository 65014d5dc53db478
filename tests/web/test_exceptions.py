"""The HTTPException hierarchy, ``abort`` and ``Aborter`` (kettle.web.exceptions)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from markupsafe import Markup, escape

from kettle.http.auth import WWWAuthenticate
from kettle.http.headers import Headers
from kettle.http.multidict import MultiDict
from kettle.web import exceptions as exc
from kettle.web.app import Kettle
from kettle.web.wrappers import Response

from .http_harness import build_environ, run  # noqa: F401 (fixture)

STANDARD = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    408: "RequestTimeout",
    409: "Conflict",
    410: "Gone",
    411: "LengthRequired",
    412: "PreconditionFailed",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLarge",
    415: "UnsupportedMediaType",
    416: "RequestedRangeNotSatisfiable",
    417: "ExpectationFailed",
    418: "ImATeapot",
    421: "MisdirectedRequest",
    422: "UnprocessableEntity",
    423: "Locked",
    424: "FailedDependency",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    431: "RequestHeaderFieldsTooLarge",
    451: "UnavailableForLegalReasons",
    500: "InternalServerError",
    501: "NotImplemented",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
    505: "HTTPVersionNotSupported",
}


def test_default_exceptions_table() -> None:
    assert {code: cls.__name__ for code, cls in exc.default_exceptions.items()} == STANDARD


@pytest.mark.parametrize("code", sorted(STANDARD))
def test_each_error_renders_its_page(code: int) -> None:
    error = exc.default_exceptions[code]()
    response = error.get_response()
    assert response.status_code == code
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert body.startswith(
        f"<!doctype html>\n<html lang=en>\n<title>{code} {escape(error.name)}</title>\n"
        f"<h1>{escape(error.name)}</h1>\n<p>"
    )
    assert str(error) == f"{code} {error.name}: {error.description}"
    assert repr(error) == f"<{type(error).__name__} '{code}: {error.name}'>"


def test_not_found_page_exactly() -> None:
    response = exc.NotFound("No <b>page</b>\nhere").get_response()
    assert response.get_data(as_text=True) == (
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
        "<h1>Not Found</h1>\n<p>No &lt;b&gt;page&lt;/b&gt;<br>here</p>\n"
    )
    assert response.status == "404 NOT FOUND"


def test_error_specific_headers() -> None:
    allow = exc.MethodNotAllowed(["GET", "POST"]).get_response()
    assert allow.headers["Allow"] == "GET, POST"
    auth = exc.Unauthorized(www_authenticate='Basic realm="x"').get_response()
    assert auth.headers["WWW-Authenticate"] == 'Basic realm="x"'
    ranged = exc.RequestedRangeNotSatisfiable(length=10).get_response()
    assert ranged.headers["Content-Range"] == "bytes */10"
    slow = exc.TooManyRequests(retry_after=5).get_response()
    assert slow.headers["Retry-After"] == "5"
    later = exc.ServiceUnavailable(retry_after=datetime(2030, 1, 1, tzinfo=UTC))
    assert later.get_response().headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"


def test_abort() -> None:
    with pytest.raises(exc.NotFound):
        exc.abort(404)
    with pytest.raises(exc.Forbidden) as info:
        exc.abort(403, "go away")
    assert info.value.description == "go away"
    custom = Response("teapot time", status=418)
    with pytest.raises(exc.HTTPException) as carried:
        exc.abort(custom)
    assert carried.value.get_response() is custom
    with pytest.raises(LookupError, match="no exception for 299"):
        exc.abort(299)


def test_aborter_extra_codes() -> None:
    class PaymentRequired(exc.HTTPException):
        code = 402
        description = "Pay up."

    aborter = exc.Aborter(extra={402: PaymentRequired})
    with pytest.raises(PaymentRequired):
        aborter(402)


def test_bad_request_key_error() -> None:
    error = exc.BadRequestKeyError("field")
    assert isinstance(error, KeyError) and isinstance(error, exc.BadRequest)
    assert error.args == ("field",)
    assert error.description == exc.BadRequest.description
    error.show_exception = True
    assert error.description.endswith("\nKeyError: 'field'")


def test_internal_server_error_keeps_original() -> None:
    cause = ValueError("x")
    assert exc.InternalServerError(original_exception=cause).original_exception is cause


def test_exception_is_a_wsgi_app(run: Any) -> None:  # noqa: F811
    client = run(exc.MethodNotAllowed(["GET"]))
    result = client.request("POST", "/")
    assert result.status == 405
    assert result.headers["Allow"] == "GET"
    assert b"<title>405 Method Not Allowed</title>" in result.body


def test_base_exception_and_markup_description() -> None:
    base = exc.HTTPException("An error message")
    assert str(base) == "??? Unknown Error: An error message"
    assert repr(base) == "<HTTPException '???: Unknown Error'>"
    assert base.get_response().headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(exc.BadRequest) as info:
        exc.abort(400, Markup("<b>&lt;</b>"))
    assert "<b>&lt;</b>" in str(info.value)
    assert "<p><b>&lt;</b></p>" in info.value.get_response().get_data(as_text=True)


def test_aborter_with_its_own_mapping() -> None:
    only_one = exc.Aborter({1: exc.NotFound})
    with pytest.raises(LookupError):
        only_one(404)
    with pytest.raises(exc.NotFound):
        only_one(1)


def test_unauthorized_with_challenge_objects() -> None:
    basic = WWWAuthenticate("basic", {"realm": "test"})
    digest = WWWAuthenticate("digest", {"realm": "test", "nonce": "n"})
    headers = exc.Unauthorized(www_authenticate=[digest, basic]).get_headers({})
    assert [v for k, v in headers if k == "WWW-Authenticate"] == [
        'Digest realm="test", nonce="n"',
        "Basic realm=test",  # a token stays bare outside Digest, as Werkzeug writes it
    ]


@pytest.mark.parametrize("code", sorted(STANDARD))
def test_carried_response_is_returned(code: int) -> None:
    class MyResponse(Response):
        pass

    carried = MyResponse("custom")
    assert exc.default_exceptions[code](response=carried).get_response({}) is carried


_KEY_ERROR_CLASSES = """
from kettle.http.headers import Headers
from kettle.http.multidict import MultiDict
before = (MultiDict.key_error_class.__name__, Headers.key_error_class.__name__)
import kettle.web.exceptions
after = (MultiDict.key_error_class.__name__, Headers.key_error_class.__name__)
print(before, after)
"""


def test_kettle_web_makes_missing_keys_bad_request_key_errors() -> None:
    # A fresh process: kettle.http alone keeps its own errors; loading kettle.web swaps in
    # BadRequestKeyError for every MultiDict and Headers, as Werkzeug's raise it.
    done = subprocess.run(
        [sys.executable, "-c", _KEY_ERROR_CLASSES],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == (
        "('MultiDictKeyError', 'HeaderKeyError') ('BadRequestKeyError', 'BadRequestKeyError')\n"
    )


def test_a_view_reading_a_missing_multidict_key_answers_400(
    app: Kettle, make_client: Callable[[Kettle], Any]
) -> None:
    @app.route("/read")
    def read() -> str:
        return str(MultiDict([("a", "1")])["b"])

    @app.route("/header")
    def header() -> str:
        return Headers([("A", "1")])["B"]

    client = make_client(app)
    for path in ("/read", "/header"):
        response = client.get(path)
        assert response.status_code == 400
        assert "malformed or invalid" in response.get_data(as_text=True)
    with pytest.raises(exc.BadRequestKeyError) as info:
        MultiDict().popitem()
    assert isinstance(info.value, KeyError)
    assert info.value.args == ("popitem(): dictionary is empty",)
