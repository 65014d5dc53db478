"""ProxyFix: X-Forwarded-* headers from trusted proxies rewrite the request's view."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix as WzProxyFix

from kettle.web.proxy_fix import ProxyFix
from kettle.web.wrappers import Request, Response

from .http_harness import build_environ, run  # noqa: F401 (fixture)


def view(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    body = json.dumps(
        {
            "remote": request.remote_addr,
            "url": request.url,
            "root": request.url_root,
            "host": request.host,
        }
    )
    return Response(body, mimetype="application/json")(environ, start_response)


HEADERS = {
    "X-Forwarded-For": "6.6.6.6, 10.0.0.1, 192.168.0.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "example.com",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/shop/",
}


def test_trusts_the_configured_number_of_proxies(run: Any) -> None:  # noqa: F811
    client = run(ProxyFix(view, x_for=2, x_proto=1, x_host=1, x_port=1, x_prefix=1))
    result = client.request("GET", "/cart", query="a=1", headers=HEADERS)
    assert json.loads(result.body) == {
        "remote": "10.0.0.1",
        "url": "https://example.com:8443/shop/cart?a=1",
        "root": "https://example.com:8443/shop/",
        "host": "example.com:8443",
    }


def test_defaults_and_short_headers() -> None:
    environ = build_environ(headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Host": "evil"})
    captured: list[Any] = []
    ProxyFix(lambda env, sr: captured.append(dict(env)) or [])(environ, None)
    seen = captured[0]
    assert seen["REMOTE_ADDR"] == "1.2.3.4"
    assert seen["HTTP_HOST"] == "localhost"  # x_host=0: not trusted
    assert seen["werkzeug.proxy_fix.orig"]["REMOTE_ADDR"] == "127.0.0.1"
    environ = build_environ(headers={"X-Forwarded-For": "1.2.3.4"})
    ProxyFix(lambda env, sr: captured.append(dict(env)) or [], x_for=2)(environ, None)
    assert captured[1]["REMOTE_ADDR"] == "127.0.0.1"  # fewer entries than trusted proxies


@pytest.mark.parametrize("bad", [-1, "1", 1.5])
def test_refuses_bad_counts(bad: Any) -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        ProxyFix(view, x_for=bad)


def test_same_environ_as_werkzeug() -> None:
    options = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}
    keys = ("REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT")
    for headers in (HEADERS, {"X-Forwarded-Host": "[::1]:5000"}, {"X-Forwarded-Port": "81"}):
        seen: list[dict[str, Any]] = []

        def record(env: dict[str, Any], sr: Any, seen: list[dict[str, Any]] = seen) -> Any:
            seen.append(dict(env))
            return []

        for cls in (ProxyFix, WzProxyFix):
            cls(record, **options)(build_environ(headers=headers), None)
        assert [seen[0][k] for k in keys] == [seen[1][k] for k in keys]
        assert seen[0]["SCRIPT_NAME"] == seen[1]["SCRIPT_NAME"]
