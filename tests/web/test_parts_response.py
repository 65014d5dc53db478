"""kettle.web.parts_response (``werkzeug.sansio.response.Response``): a response from its
parts, with Werkzeug's arguments and the header properties of Kettle's response."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

from kettle.web.parts_response import PartsResponse
from kettle.web.plain_response import PlainResponse
from kettle.web.wrappers import Response


def test_defaults_are_werkzeugs_sans_io_base() -> None:
    response = PartsResponse()
    assert (response.status, response.status_code) == ("200 OK", 200)
    assert list(response.headers.items()) == [("Content-Type", "text/plain; charset=utf-8")]
    assert (response.mimetype, response.mimetype_params) == ("text/plain", {"charset": "utf-8"})
    assert repr(response) == "<Response [200 OK]>"
    assert response.get_data() == b""


def test_arguments_in_werkzeugs_order() -> None:
    response = PartsResponse(404, {"X-Reason": "gone"})
    assert response.status == "404 NOT FOUND"
    assert list(response.headers.items()) == [
        ("X-Reason", "gone"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ]
    made = PartsResponse("201 MADE", [("X-B", "2")], mimetype="text/html")
    assert (made.status, made.status_code) == ("201 MADE", 201)
    assert made.headers["Content-Type"] == "text/html; charset=utf-8"
    typed = PartsResponse(content_type="application/json")
    assert (typed.headers["Content-Type"], typed.is_json) == ("application/json", True)


def test_header_properties() -> None:
    response = PartsResponse()
    response.set_cookie("a", "b", max_age=10, path="/x")
    response.set_etag("abc", weak=True)
    response.location = "/p"
    response.age = timedelta(seconds=5)
    response.vary.add("Accept")
    response.cache_control.max_age = 3
    response.date = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    response.access_control_allow_origin = "*"
    response.content_security_policy.default_src = "'self'"
    assert response.headers.getlist("Set-Cookie")[0].startswith("a=b; Expires=")
    assert response.headers.getlist("Set-Cookie")[0].endswith("; Max-Age=10; Path=/x")
    assert response.get_etag() == ("abc", True)
    assert [(name, value) for name, value in response.headers.items() if name != "Set-Cookie"] == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("ETag", 'W/"abc"'),
        ("Location", "/p"),
        ("Age", "5"),
        ("Vary", "Accept"),
        ("Cache-Control", "max-age=3"),
        ("Date", "Thu, 02 Jan 2020 03:04:05 GMT"),
        ("Access-Control-Allow-Origin", "*"),
        ("Content-Security-Policy", "default-src 'self'"),
    ]
    assert (response.age, response.date) == (
        timedelta(seconds=5),
        datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_every_kettle_response_is_an_instance_as_in_werkzeug() -> None:
    assert isinstance(Response("x"), PartsResponse)
    assert isinstance(PlainResponse("x"), PartsResponse)
    assert issubclass(Response, PartsResponse)
    assert issubclass(PlainResponse, PartsResponse)
    assert not isinstance(object(), PartsResponse)

    class Mine(PartsResponse):
        pass

    assert isinstance(Mine(), PartsResponse)
    assert not isinstance(Response("x"), Mine)
    assert not issubclass(Response, Mine)


def test_pickles_under_its_own_name() -> None:
    response = PartsResponse(202, {"X-A": "1"})
    copy = pickle.loads(pickle.dumps(response))
    assert type(copy) is PartsResponse
    assert (copy.status, copy.headers["X-A"]) == ("202 ACCEPTED", "1")
