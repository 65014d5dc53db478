"""Security of the application layer, through the test client and the real server:
sessions (tampering, expiry, key rotation), folder confinement of static files and
send_from_directory, trusted hosts, response splitting, cookie defaults and passwords."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from itsdangerous import URLSafeTimedSerializer

from kettle.security import check_password_hash, generate_password_hash
from kettle.server import Server
from kettle.web.app import Kettle
from kettle.web.files import send_from_directory
from kettle.web.globals import request, session
from kettle.web.helpers import redirect, url_for
from kettle.web.sessions import SecureCookieSessionInterface
from kettle.web.testing import KettleClient
from kettle.web.wrappers import Response

from .clients import ServerClient, recv_until_closed


def build_app(root: Path) -> Kettle:
    app = Kettle("secapp", root_path=str(root), static_folder="static")
    app.config.update(SECRET_KEY="current-key")

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        session["user"] = value
        return "set"

    @app.get("/who")
    def who() -> str:
        return repr(dict(session))

    @app.get("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory(root / "static", name)

    @app.get("/go")
    def go() -> Response:
        return redirect(request.args["to"])

    @app.get("/external")
    def external() -> str:
        return url_for("external", _external=True)

    @app.get("/header")
    def header() -> Response:
        response = Response("x")
        response.headers["X-Echo"] = request.args["v"]
        return response

    return app


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "ok.txt").write_text("inside")
    (tmp_path / "static" / "sub").mkdir()
    (tmp_path / "static" / "sub" / "deep.txt").write_text("deep")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.txt").write_text("OUTSIDE")
    os.symlink(tmp_path / "secret.txt", tmp_path / "static" / "link.txt")
    os.symlink(tmp_path / "outside", tmp_path / "static" / "linkdir")
    os.symlink(tmp_path / "static" / "ok.txt", tmp_path / "static" / "inner.txt")
    return tmp_path


@pytest.fixture(params=["test_client", "server"])
def client(request: pytest.FixtureRequest, site: Path) -> Iterator[KettleClient]:
    app = build_app(site)
    if request.param == "test_client":
        yield app.test_client()
        return
    server = Server(app, "127.0.0.1", 0, threads=2).start()
    try:
        yield ServerClient(app, server.port)
    finally:
        server.stop(grace=1)


def session_cookie(client: KettleClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


# -- sessions ---------------------------------------------------------------------------


def test_session_round_trip(client: KettleClient) -> None:
    assert client.get("/set/alice").status_code == 200
    assert client.get("/who").get_data(as_text=True) == "{'user': 'alice'}"


@pytest.mark.parametrize(
    "mangle",
    [
        # A middle character of the signature: the last one carries 2 unused base64 bits.
        pytest.param(lambda v: v[:-5] + ("A" if v[-5] != "A" else "B") + v[-4:], id="signature"),
        pytest.param(lambda v: "x" + v, id="payload"),
        pytest.param(lambda v: v.split(".")[0], id="truncated"),
        pytest.param(lambda v: "garbage", id="garbage"),
        pytest.param(lambda v: "." * 3, id="dots"),
    ],
)
def test_tampered_session_cookie_gives_an_empty_session(
    client: KettleClient, mangle: Callable[[str], str]
) -> None:
    client.get("/set/alice")
    client.set_cookie("session", mangle(session_cookie(client)))
    response = client.get("/who")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "{}")


def test_cookie_signed_with_another_key_is_rejected(client: KettleClient) -> None:
    forged = URLSafeTimedSerializer(
        "attacker-key", salt="cookie-session", signer_kwargs={"key_derivation": "hmac"}
    ).dumps({"user": "admin"})
    client.set_cookie("session", forged)
    assert client.get("/who").get_data(as_text=True) == "{}"


def test_expired_session_cookie_is_rejected(site: Path) -> None:
    app = build_app(site)
    client = app.test_client()
    client.get("/set/alice")
    assert client.get("/who").get_data(as_text=True) == "{'user': 'alice'}"
    app.permanent_session_lifetime = 1  # type: ignore[assignment]  # Flask accepts seconds
    time.sleep(2.1)
    assert client.get("/who").get_data(as_text=True) == "{}"


def test_secret_key_rotation_with_fallbacks(site: Path) -> None:
    app = build_app(site)
    client = app.test_client()
    client.get("/set/alice")
    old_cookie = session_cookie(client)
    app.secret_key = "new-key"
    assert client.get("/who").get_data(as_text=True) == "{}"  # old key unknown: rejected
    client.set_cookie("session", old_cookie)
    app.config["SECRET_KEY_FALLBACKS"] = ["current-key"]
    assert client.get("/who").get_data(as_text=True) == "{'user': 'alice'}"
    client.get("/set/bob")  # a new cookie is signed with the new key only
    new_cookie = session_cookie(client)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    app.config["SECRET_KEY_FALLBACKS"] = []
    client.set_cookie("session", new_cookie)
    assert client.get("/who").get_data(as_text=True) == "{'user': 'bob'}"
    client.set_cookie("session", old_cookie)
    assert client.get("/who").get_data(as_text=True) == "{}"


def test_session_cookie_defaults_httponly_and_samesite_lax(client: KettleClient) -> None:
    response = client.get("/set/alice")
    header = response.headers["Set-Cookie"]
    attributes = [part.strip() for part in header.split(";")]
    assert attributes[0].startswith("session=")
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Path=/" in attributes
    assert "Secure" not in attributes


# -- files stay inside their folder -----------------------------------------------------

ESCAPES = [
    "../secret.txt",
    "%2e%2e/secret.txt",
    "%2E%2E/secret.txt",
    "..%2fsecret.txt",
    "%2e%2e%2fsecret.txt",
    "sub/../../secret.txt",
    "sub/%2e%2e/%2e%2e/secret.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "ok.txt%00.png",
    "ok.txt%00",
    "..%5csecret.txt",
    "link.txt",
    "linkdir/x.txt",
]


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
@pytest.mark.parametrize("path", ESCAPES)
def test_no_file_outside_the_folder_is_served(
    client: KettleClient, prefix: str, path: str
) -> None:
    response = client.get(prefix + path)
    if response.status_code == 308:
        # Repeated slashes (also a decoded %2f) are merged with a redirect, as Werkzeug's
        # routing does: the target stays below the prefix, and following it finds nothing.
        assert response.headers["Location"].startswith("http://localhost" + prefix)
        assert "//" not in response.headers["Location"].removeprefix("http://")
        response = client.get(prefix + path, follow_redirects=True)
    body = response.get_data()
    assert response.status_code in (400, 404), (prefix + path, response.status_code)
    assert b"TOP SECRET" not in body and b"OUTSIDE" not in body and b"root:" not in body


@pytest.mark.parametrize("prefix", ["/static/", "/files/"])
def test_files_inside_the_folder_are_served(client: KettleClient, prefix: str) -> None:
    assert client.get(prefix + "ok.txt").get_data() == b"inside"
    assert client.get(prefix + "sub/deep.txt").get_data() == b"deep"
    assert client.get(prefix + "sub/../ok.txt").get_data() == b"inside"
    assert client.get(prefix + "inner.txt").get_data() == b"inside"  # symlink within


def test_send_from_directory_refuses_absolute_and_nul_paths_directly(site: Path) -> None:
    app = build_app(site)
    with app.test_request_context("/"):
        for name in ["/etc/passwd", str(site / "secret.txt"), "ok.txt\0", "..", "../secret.txt"]:
            with pytest.raises(Exception) as info:
                send_from_directory(site / "static", name)
            assert getattr(info.value, "code", None) == 404, name


# -- hosts --------------------------------------------------------------------------------


def trusted_app(site: Path) -> Kettle:
    app = build_app(site)
    app.config["TRUSTED_HOSTS"] = ["good.example", ".sub.example"]
    return app


@pytest.mark.parametrize(
    ("host", "reason"),
    [("evil.example", "is not trusted"), ("good.example.evil", "is not trusted"),
     ("sub.example.evil", "is not trusted"), ("xgood.example", "is not trusted"),
     ("good.example@evil.example", "is not a valid host name"),
     ("evil.example#good.example", "is not a valid host name")],
)  # fmt: skip
def test_untrusted_host_gets_400(site: Path, host: str, reason: str) -> None:
    client = trusted_app(site).test_client()
    response = client.get("/external", headers={"Host": host})
    assert response.status_code == 400
    assert f"<p>Host &#39;{host}&#39; {reason}.</p>" in response.get_data(as_text=True)


def test_untrusted_host_over_a_real_socket_gets_400(site: Path) -> None:
    server = Server(trusted_app(site), "127.0.0.1", 0, threads=2).start()
    try:
        with server_socket(server.port) as sock:
            sock.sendall(
                b"GET /external HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
            )
            raw = recv_until_closed(sock)
        assert raw.startswith(b"HTTP/1.1 400 BAD REQUEST\r\n")
        assert b"evil.example" not in raw.split(b"\r\n\r\n", 1)[0]
        with server_socket(server.port) as sock:
            sock.sendall(
                b"GET /external HTTP/1.1\r\nHost: a.sub.example\r\nConnection: close\r\n\r\n"
            )
            raw = recv_until_closed(sock)
        assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
        assert raw.endswith(b"\r\n\r\nhttp://a.sub.example/external")
    finally:
        server.stop(grace=1)


def server_socket(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("good.example", "http://good.example/external"),
        ("good.example:8080", "http://good.example:8080/external"),
        ("a.sub.example", "http://a.sub.example/external"),
    ],
)
def test_external_urls_use_only_trusted_hosts(site: Path, host: str, url: str) -> None:
    client = trusted_app(site).test_client()
    assert client.get("/external", headers={"Host": host}).get_data(as_text=True) == url


# -- response splitting -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["/a\r\nSet-Cookie: evil=1", "/a\nSet-Cookie: evil=1", "/a\rX: 1"]
)
def test_redirect_to_crlf_target_cannot_split(client: KettleClient, target: str) -> None:
    response = client.get("/go?to=" + quote(target))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location
    assert response.headers.get("Set-Cookie") is None and response.headers.get("X") is None


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\x00b"])
def test_header_value_with_line_break_is_refused_not_sent(
    client: KettleClient, value: str
) -> None:
    response = client.get("/header?v=" + quote(value))
    assert response.status_code == 500
    assert response.headers.get("Set-Cookie") is None
    assert response.headers.get("X-Echo") is None


# -- passwords --------------------------------------------------------------------------


def test_password_hashing_defaults_to_scrypt() -> None:
    stored = generate_password_hash("correct horse")
    method, salt, digest = stored.split("$")
    assert method == "scrypt:32768:8:1"
    assert len(salt) == 16 and len(digest) == 128
    assert check_password_hash(stored, "correct horse")
    assert not check_password_hash(stored, "correct horsE")
    assert generate_password_hash("correct horse") != stored  # fresh salt each time


def test_malformed_multipart_gives_an_empty_form_quietly(
    site: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(site)

    @app.post("/form")
    def form() -> str:
        return repr(dict(request.form))

    client = app.test_client()
    caplog.set_level(logging.WARNING)
    for body in [b"--B\r\nxx", b"garbage", b"--B\r\nBad Header\r\n\r\nv\r\n--B--\r\n"]:
        response = client.post("/form", data=body, content_type="multipart/form-data; boundary=B")
        # As in Werkzeug (silent form parsing): an empty form, not an error page.
        assert (response.status_code, response.get_data(as_text=True)) == (200, "{}")
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("python_multipart")] == []
