"""ProxyMiddleware (kettle.web.http_proxy): a real upstream (kettle.server on an ephemeral
port, in a thread) behind the middleware, which wraps an app's ``wsgi_app`` and is driven
through the test client and through the real server (the ``make_client`` fixture).

Every socket carries a timeout: the clients' 5 s, the proxy's own ``timeout``.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from kettle.server import Server
from kettle.web.app import Kettle
from kettle.web.http_proxy import ProxyMiddleware
from kettle.web.testing import KettleClient

Release = threading.Event


def upstream_app(release: threading.Event) -> Callable[..., Iterable[bytes]]:
    """An upstream that echoes what it received as JSON, plus a few canned answers."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path.endswith("/missing"):
            start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
            return [b"no such thing upstream"]
        if path.endswith("/moved"):
            start_response("302 FOUND", [("Location", "/elsewhere"), ("Content-Length", "0")])
            return []
        if path.endswith("/cookies"):
            cookies = [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
            start_response("200 OK", [*cookies, ("Content-Length", "2")])
            return [b"ok"]
        if path.endswith("/stream"):
            start_response("200 OK", [("Content-Type", "text/plain")])  # sent chunked
            return (f"part {n};".encode() for n in range(3))
        if path.endswith("/slow"):
            release.wait(5)
            start_response("200 OK", [("Content-Length", "4")])
            return [b"late"]
        body = environ["wsgi.input"].read()
        echo = {
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": environ["QUERY_STRING"],
            "uri": environ["REQUEST_URI"],
            "headers": {
                key: value
                for key, value in environ.items()
                if key.startswith("HTTP_") and key != "HTTP_USER_AGENT"
            },
            "content_length": environ.get("CONTENT_LENGTH"),
            "content_type": environ.get("CONTENT_TYPE"),
            "body": body.decode("latin-1"),
        }
        data = json.dumps(echo).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]

    return app


@pytest.fixture
def upstream() -> Iterator[Server]:
    release = threading.Event()
    server = Server(upstream_app(release), "127.0.0.1", 0, threads=4)
    server.start()
    server.release = release  # type: ignore[attr-defined]
    yield server
    release.set()
    server.stop(grace=1)


def proxied_app(upstream: Server, **kwargs: Any) -> Kettle:
    app = Kettle(__name__)

    @app.route("/")
    def root() -> str:
        return "ROOT"

    base = f"http://127.0.0.1:{upstream.port}"
    app.wsgi_app = ProxyMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        {
            "/keep": {"target": base, "host": "faked.invalid", "headers": {"X-Special": "k"}},
            "/cut": {
                "target": f"{base}/deep/",
                "host": None,
                "remove_prefix": True,
                "headers": {"X-Special": "c"},
            },
            "/auto/": {"target": base},
        },
        **kwargs,
    )
    return app


@pytest.fixture
def client(make_client: Callable[[Kettle], KettleClient], upstream: Server) -> KettleClient:
    return make_client(proxied_app(upstream))


def test_unproxied_paths_reach_the_app(client: KettleClient) -> None:
    assert client.get("/").data == b"ROOT"
    # A prefix is a whole segment: /keep alone and /keeper are the app's (404 there).
    assert client.get("/keep").status_code == 404
    assert client.get("/keeper/x").status_code == 404


def test_get_with_query_keeps_the_path_and_sets_the_host(client: KettleClient) -> None:
    headers = {"X-Client": "yes", "Accept-Encoding": "gzip"}
    response = client.get("/keep/a/b?x=1&y=%20z", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {
        "method": "GET",
        "path": "/keep/a/b",
        "query": "x=1&y=%20z",
        "uri": "/keep/a/b?x=1&y=%20z",
        "headers": {
            "HTTP_HOST": "faked.invalid",
            "HTTP_CONNECTION": "close",
            "HTTP_X_CLIENT": "yes",
            "HTTP_ACCEPT_ENCODING": "gzip",
            "HTTP_X_SPECIAL": "k",
        },
        "content_length": None,
        "content_type": None,
        "body": "",
    }


def test_remove_prefix_puts_the_rest_below_the_target_path(client: KettleClient) -> None:
    response = client.get("/cut/baz/q?a=a&b=b")
    echo = response.json
    assert (echo["path"], echo["query"]) == ("/deep/baz/q", "a=a&b=b")
    # host=None keeps the client's own Host header.
    assert echo["headers"]["HTTP_HOST"] == "localhost"
    assert echo["headers"]["HTTP_X_SPECIAL"] == "c"


def test_automatic_host_is_the_targets_and_path_characters_survive(
    client: KettleClient, upstream: Server
) -> None:
    echo = client.get("/auto/aha").json
    assert echo["headers"]["HTTP_HOST"] == f"127.0.0.1:{upstream.port}"
    assert "HTTP_X_SPECIAL" not in echo["headers"]
    assert client.get("/auto/$!(x)").json["uri"] == "/auto/$!(x)"
    spaced = client.get("/auto/a%20b/%C3%A9")
    assert (spaced.json["uri"], spaced.json["path"]) == ("/auto/a%20b/%C3%A9", "/auto/a b/Ã©")


def test_post_body_and_its_headers_are_forwarded(client: KettleClient) -> None:
    response = client.post(
        "/auto/submit", data=b"\x00binary\xffbody", content_type="application/octet-stream"
    )
    echo = response.json
    assert echo["method"] == "POST"
    assert echo["body"] == "\x00binary\xffbody"
    assert (echo["content_length"], echo["content_type"]) == ("12", "application/octet-stream")


def test_hop_by_hop_headers_are_not_forwarded(client: KettleClient) -> None:
    response = client.get(
        "/auto/h",
        headers={"Keep-Alive": "timeout=5", "X-Drop": "1", "Connection": "X-Drop", "TE": "gzip"},
    )
    headers = response.json["headers"]
    assert headers["HTTP_CONNECTION"] == "close"
    assert not {"HTTP_KEEP_ALIVE", "HTTP_X_DROP", "HTTP_TE"} & set(headers)


def test_upstream_errors_redirects_and_cookies_pass_through(client: KettleClient) -> None:
    missing = client.get("/auto/missing")
    assert (missing.status, missing.data) == ("404 NOT FOUND", b"no such thing upstream")
    moved = client.get("/auto/moved")
    assert (moved.status_code, moved.headers["Location"]) == (302, "/elsewhere")
    cookies = client.get("/auto/cookies")
    assert cookies.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_streamed_upstream_body_is_streamed_back_without_its_framing(
    client: KettleClient,
) -> None:
    response = client.get("/auto/stream")
    assert response.data == b"part 0;part 1;part 2;"
    assert response.headers["Content-Type"] == "text/plain"
    if type(client) is KettleClient:  # what the middleware itself answered, unframed
        assert "Transfer-Encoding" not in response.headers
        assert "Connection" not in response.headers


def test_upstream_down_is_a_502_with_the_reason(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = Kettle(__name__)
    app.wsgi_app = ProxyMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {"/down": {"target": f"http://127.0.0.1:{port}"}}, timeout=2
    )
    response = make_client(app).get("/down/x")
    assert response.status_code == 502
    text = response.get_data(as_text=True)
    assert f"The upstream server http://127.0.0.1:{port} could not be reached" in text
    assert "Connection refused" in text


def test_slow_upstream_is_a_504(
    make_client: Callable[[Kettle], KettleClient], upstream: Server
) -> None:
    response = make_client(proxied_app(upstream, timeout=0.3)).get("/auto/slow")
    upstream.release.set()  # type: ignore[attr-defined]
    assert response.status_code == 504
    text = response.get_data(as_text=True)
    assert f"The upstream server http://127.0.0.1:{upstream.port} did not answer in time" in text


def test_chunked_request_body_is_forwarded_chunked(upstream: Server) -> None:
    front = Server(proxied_app(upstream), "127.0.0.1", 0, threads=2)
    front.start()
    try:
        with socket.create_connection(("127.0.0.1", front.port), timeout=5) as sock:
            sock.sendall(
                b"POST /auto/up HTTP/1.1\r\nHost: front\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
    finally:
        front.stop(grace=1)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    echo = json.loads(body)
    assert echo["body"] == "hello world"
    assert echo["content_length"] is None
    assert echo["headers"]["HTTP_TRANSFER_ENCODING"] == "chunked"


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"/x": {}}, "the options of '/x' have no 'target' URL"),
        ({"/x": {"target": "ftp://h/"}}, "must be an http:// or https:// URL"),
        ({"/x": {"target": "http:///nohost"}}, "must be an http:// or https:// URL"),
    ],
    ids=["no-target", "bad-scheme", "no-host"],
)
def test_bad_targets_are_refused_when_built(targets: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ProxyMiddleware(Kettle(__name__).wsgi_app, targets)


def test_malformed_content_length_is_a_400(upstream: Server) -> None:
    app = proxied_app(upstream)
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "12x", "PATH_INFO": "/auto/p"}
    response = app.test_client().open("/auto/p", method="POST", environ_overrides=environ)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "<p>The request&#39;s Content-Length &#39;12x&#39; is not a number.</p>" in text


def test_head_gets_the_upstreams_headers_and_no_body(client: KettleClient) -> None:
    response = client.head("/auto/cookies")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "2"
    assert response.data == b""


def test_bodies_larger_than_a_chunk_go_both_ways_intact(
    make_client: Callable[[Kettle], KettleClient], upstream: Server
) -> None:
    client = make_client(proxied_app(upstream, chunk_size=1000))
    body = bytes(range(256)) * 400  # 102400 bytes: 103 reads of 1000
    echo = client.post("/auto/big", data=body).json
    assert echo["content_length"] == "102400"
    assert echo["body"].encode("latin-1") == body
