"""secure_filename and TRUSTED_HOSTS."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kettle import Kettle
from kettle.web.testing import KettleClient
from kettle.web.utils import host_is_trusted, secure_filename

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
