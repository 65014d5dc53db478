"""secure_filename, TRUSTED_HOSTS, redirects to IRIs, append_slash_redirect, find_modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from kettle import Kettle
from kettle.web.properties import find_modules
from kettle.web.testing import KettleClient
from kettle.web.utils import host_is_trusted, secure_filename
from kettle.web.wrappers import redirect
from kettle.web.wsgi import append_slash_redirect

MakeClient = Callable[[Kettle], KettleClient]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("..\\..\\win.ini", "win.ini"),
        ("...", ""),
        ("a<b>c|d.txt", "abcd.txt"),
    ],
)
def test_secure_filename(name: str, safe: str) -> None:
    assert secure_filename(name) == safe


@pytest.mark.parametrize(
    ("host", "trusted", "expected"),
    [
        ("example.com", ["example.com"], True),
        ("example.com:8080", ["example.com"], True),
        ("evil.com", ["example.com"], False),
        ("api.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("notexample.com", [".example.com"], False),
    ],
)
def test_host_is_trusted(host: str, trusted: list[str], expected: bool) -> None:
    assert host_is_trusted(host, trusted) is expected


def test_untrusted_host_is_400(make_client: MakeClient, app: Kettle) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    app.add_url_rule("/", "i", lambda: "ok")
    client = make_client(app)
    assert client.get("/", headers={"Host": "good.test"}).get_data(as_text=True) == "ok"
    assert client.get("/", headers={"Host": "evil.test"}).status_code == 400


@pytest.mark.parametrize("host", ["\x8a", "a b", "evil.com/path", "x@y"])
def test_invalid_host_header_is_400(app: Kettle, host: str) -> None:
    app.add_url_rule("/", "i", lambda: "ok")
    environ = app._environ_builder("/").get_environ()
    environ["HTTP_HOST"] = host
    with app.request_context(environ):
        response = app.full_dispatch_request()
    assert response.status_code == 400


def test_redirect_to_an_iri_is_sent_as_a_uri(make_client: MakeClient, app: Kettle) -> None:
    @app.route("/go")
    def go() -> Any:
        return redirect("/füübär?q=ä", 307)

    response = make_client(app).get("/go")
    assert response.status_code == 307
    assert response.headers["Location"] == "/f%C3%BC%C3%BCb%C3%A4r?q=%C3%A4"


@pytest.mark.parametrize(
    ("script_name", "path_info", "query", "expected"),
    [
        ("/app", "foo", "", "http://example.org/app/foo/"),
        ("/app", "/foo", "", "http://example.org/app/foo/"),
        ("/app/", "/foo/bar", "x=1", "http://example.org/app/foo/bar/?x=1"),
        ("", "/foo", "", "http://example.org/foo/"),
        ("/app", "/", "", "http://example.org/app/"),
    ],
)
def test_append_slash_redirect_below_a_script_root(
    script_name: str, path_info: str, query: str, expected: str
) -> None:
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "example.org",
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
    }
    response = append_slash_redirect(environ)
    assert response.status_code == 308
    response.autocorrect_location_header = True
    assert response.get_wsgi_headers(environ)["Location"] == expected


def test_find_modules_names_them_under_the_path_asked_for() -> None:
    import kettle.web.routing as routing

    found = sorted(find_modules("kettle.web.routing"))
    assert found == [
        "kettle.web.routing.converters",
        "kettle.web.routing.exceptions",
        "kettle.web.routing.factories",
        "kettle.web.routing.map",
        "kettle.web.routing.matcher",
        "kettle.web.routing.rules",
        "kettle.web.routing.tree",
    ]
    alias = "kettle_test_alias_routing"
    sys.modules[alias] = routing
    try:
        assert sorted(find_modules(alias)) == [
            name.replace("kettle.web.routing", alias) for name in found
        ]
    finally:
        del sys.modules[alias]
