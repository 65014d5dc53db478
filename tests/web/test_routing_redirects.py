"""Werkzeug's routing redirects and ``MapAdapter.dispatch``, checked against Werkzeug 3.1.

The same rules are built with Werkzeug (a peer installed for comparison) and with
``kettle.web.routing``; every path of a table must give the same match, the same error
(with the same allowed methods) or the same redirect (status and Location), under each of
the map options. Apps then show the redirects through the test client and a real server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import werkzeug.exceptions
import werkzeug.routing

from kettle.web import routing
from kettle.web.app import Kettle
from kettle.web.exceptions import HTTPException, MethodNotAllowed, NotFound
from kettle.web.helpers import url_for
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def _double(adapter: Any, id: int) -> str:
    return f"/new/{id * 2}"


def _rules(rule: Any) -> list[Any]:
    return [
        rule("/", endpoint="index"),
        rule("/a/b", endpoint="ab"),
        rule("/dir/", endpoint="dir"),
        rule("/x//y", endpoint="xy"),
        rule("/nomerge/a", endpoint="nomerge", merge_slashes=False),
        rule("/files/<path:name>", endpoint="files"),
        rule("/old/<slug>", endpoint="old", redirect_to="new/<slug>"),
        rule("/rooted/<slug>", endpoint="rooted", redirect_to="/top/<slug>"),
        rule("/old2/<int:id>", endpoint="old2", redirect_to=_double),
        rule("/post", endpoint="post", methods=["POST"]),
        rule("/all/", endpoint="page", defaults={"n": 1}),
        rule("/all/page/<int:n>", endpoint="page"),
        rule("/alias", endpoint="canon", alias=True),
        rule("/canon", endpoint="canon"),
    ]


PATHS = [
    "/", "//", "/a/b", "/a//b", "/a///b", "//a/b", "/a/b//", "/dir", "/dir/", "//dir",
    "/dir//", "/x/y", "/x//y", "/nomerge/a", "/nomerge//a", "/files/a//b", "/files//a",
    "/old/hi", "/old//hi", "/rooted/hi", "/old2/4", "/post", "//post", "/all/", "/all",
    "/all/page/1", "/all/page/2", "/alias", "/canon", "/dir//x", "/missing", "/all//page/1",
]  # fmt: skip

MAP_OPTIONS = [{}, {"merge_slashes": False}, {"redirect_defaults": False}]


def _outcome(module: Any, options: dict[str, Any], path: str, method: str) -> tuple[Any, ...]:
    adapter = module.Map(_rules(module.Rule), **options).bind(
        "example.com", "/app", query_args="q=1"
    )
    try:
        endpoint, values = adapter.match(path, method)
    except module.RequestRedirect as redirect:
        return ("redirect", redirect.code, redirect.new_url)
    except (werkzeug.exceptions.HTTPException, HTTPException) as error:
        allowed = sorted(getattr(error, "valid_methods", None) or [])
        return ("error", error.code, allowed)
    return ("match", endpoint, values)


@pytest.mark.parametrize("options", MAP_OPTIONS, ids=["default", "no-merge", "no-defaults"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", PATHS)
def test_match_outcomes_equal_werkzeugs(options: dict[str, Any], method: str, path: str) -> None:
    assert _outcome(routing, options, path, method) == _outcome(
        werkzeug.routing, options, path, method
    )


@pytest.mark.parametrize("options", MAP_OPTIONS, ids=["default", "no-merge", "no-defaults"])
@pytest.mark.parametrize("path", [*PATHS, "/x//post", "/post//"])
def test_allowed_methods_equal_werkzeugs(options: dict[str, Any], path: str) -> None:
    rules = [*_rules(routing.Rule), routing.Rule("/x/post", endpoint="xp", methods=["POST"])]
    peer_rules = [
        *_rules(werkzeug.routing.Rule),
        werkzeug.routing.Rule("/x/post", endpoint="xp", methods=["POST"]),
    ]
    kettle_methods = routing.Map(rules, **options).bind("h").allowed_methods(path)
    werkzeug_methods = werkzeug.routing.Map(peer_rules, **options).bind("h").allowed_methods(path)
    assert sorted(kettle_methods) == sorted(werkzeug_methods)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a//b", ("redirect", 308, "http://example.com/app/a/b?q=1")),
        ("/all//page/1", ("redirect", 308, "http://example.com/app/all/page/1?q=1")),
        ("/dir//", ("redirect", 308, "http://example.com/app/dir/?q=1")),
        ("/files/a//b", ("match", "files", {"name": "a//b"})),
        ("//a/b", ("match", "ab", {})),
        ("/nomerge//a", ("error", 404, [])),
        ("/old/hi", ("redirect", 308, "http://example.com/app/new/hi")),
        ("/rooted/hi", ("redirect", 308, "http://example.com/top/hi")),
        ("/old2/4", ("redirect", 308, "http://example.com/new/8")),
        ("/all/page/1", ("redirect", 308, "http://example.com/app/all/?q=1")),
        ("/all/page/2", ("match", "page", {"n": 2})),
        ("/alias", ("redirect", 308, "http://example.com/app/canon?q=1")),
        ("//post", ("error", 405, ["POST"])),
    ],
)
def test_match_outcomes_exact(path: str, expected: tuple[Any, ...]) -> None:
    assert _outcome(routing, {}, path, "GET") == expected


def test_redirect_defaults_off_matches_directly() -> None:
    assert _outcome(routing, {"redirect_defaults": False}, "/all/page/1", "GET") == (
        "match",
        "page",
        {"n": 1},
    )
    assert _outcome(routing, {"redirect_defaults": False}, "/alias", "GET") == (
        "match",
        "canon",
        {},
    )


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("xy", {}),
        ("ab", {}),
        ("page", {}),
        ("page", {"n": 1}),
        ("page", {"n": 3}),
        ("canon", {}),
        ("files", {"name": "a/b"}),
        ("old", {"slug": "s"}),
    ],
)
@pytest.mark.parametrize("options", MAP_OPTIONS, ids=["default", "no-merge", "no-defaults"])
def test_built_urls_equal_werkzeugs(
    options: dict[str, Any], endpoint: str, values: dict[str, Any]
) -> None:
    kettle_url = (
        routing.Map(_rules(routing.Rule), **options).bind("example.com").build(endpoint, values)
    )
    werkzeug_url = (
        werkzeug.routing.Map(_rules(werkzeug.routing.Rule), **options)
        .bind("example.com")
        .build(endpoint, values)
    )
    assert kettle_url == werkzeug_url


def test_merged_rule_builds_without_double_slash() -> None:
    adapter = routing.Map([routing.Rule("/x//y///<int:id>", endpoint="xy")]).bind("h")
    assert adapter.build("xy", {"id": 3}) == "/x/y/3"
    assert adapter.match("/x/y/3") == ("xy", {"id": 3})
    kept = routing.Map([routing.Rule("/x//y", endpoint="xy")], merge_slashes=False).bind("h")
    assert kept.build("xy") == "/x//y"
    assert kept.match("/x//y") == ("xy", {})


def test_merge_redirect_keeps_subdomain_and_query() -> None:
    url_map = routing.Map(
        [routing.Rule("/a/b", endpoint="ab", subdomain="api")], default_subdomain=""
    )
    adapter = url_map.bind("example.com", subdomain="api", query_args="x=1&y=2")
    with pytest.raises(routing.RequestRedirect) as caught:
        adapter.match("/a//b")
    assert caught.value.new_url == "http://api.example.com/a/b?x=1&y=2"
    with pytest.raises(routing.RequestRedirect) as caught:
        adapter.match("/a//b", query_args={"z": "3"})
    assert caught.value.new_url == "http://api.example.com/a/b?z=3"
    peer = werkzeug.routing.Map(
        [werkzeug.routing.Rule("/a/b", endpoint="ab", subdomain="api")], default_subdomain=""
    ).bind("example.com", subdomain="api", query_args="x=1&y=2")
    with pytest.raises(werkzeug.routing.RequestRedirect) as peer_caught:
        peer.match("/a//b")
    assert peer_caught.value.new_url == "http://api.example.com/a/b?x=1&y=2"


def test_redirect_to_uses_converters_and_callable_gets_adapter() -> None:
    seen: list[Any] = []

    def target(adapter: Any, **values: Any) -> str:
        seen.append((adapter.server_name, values))
        return "https://other.example/x"

    url_map = routing.Map(
        [
            routing.Rule("/f/<float:x>", endpoint="f", redirect_to="g/<x>"),
            routing.Rule("/ext/<int:n>", endpoint="ext", redirect_to=target),
        ]
    )
    adapter = url_map.bind("example.com")
    with pytest.raises(routing.RequestRedirect) as caught:
        adapter.match("/f/1.5")
    assert (caught.value.code, caught.value.new_url) == (308, "http://example.com/g/1.5")
    with pytest.raises(routing.RequestRedirect) as caught:
        adapter.match("/ext/7")
    assert caught.value.new_url == "https://other.example/x"
    assert seen == [("example.com", {"n": 7})]


def test_repeated_slash_misses_stay_cached_and_fast_path_unchanged() -> None:
    url_map = routing.Map([routing.Rule("/a/b", endpoint="ab")])
    adapter = url_map.bind("example.com")
    first = adapter.match_result("/a//b", "GET")
    assert (first.kind, first.location) == (routing.REDIRECT, "/a/b")
    assert adapter.match_result("/a//b", "GET") is first
    normal = adapter.match_result("/a/b", "GET")
    assert (normal.kind, normal.location) == (routing.FULL, None)
    assert adapter.match_result("/a/b", "GET") is normal


# -- dispatch ---------------------------------------------------------------------------------


def _dispatch_adapter() -> routing.MapAdapter:
    url_map = routing.Map(
        [
            routing.Rule("/item/<int:id>", endpoint="item"),
            routing.Rule("/dir/", endpoint="dir"),
            routing.Rule("/only-post", endpoint="post", methods=["POST"]),
        ]
    )
    return url_map.bind("example.com")


def test_dispatch_calls_view_with_endpoint_and_values() -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def view(endpoint: Any, values: dict[str, Any]) -> str:
        calls.append((endpoint, values))
        return "result"

    assert _dispatch_adapter().dispatch(view, "/item/5") == "result"
    assert calls == [("item", {"id": 5})]


def test_dispatch_returns_routing_redirect() -> None:
    redirect = _dispatch_adapter().dispatch(lambda endpoint, values: None, "/dir")
    assert isinstance(redirect, routing.RequestRedirect)
    assert redirect.new_url == "http://example.com/dir/"


def test_dispatch_raises_or_returns_http_errors() -> None:
    adapter = _dispatch_adapter()
    with pytest.raises(NotFound):
        adapter.dispatch(lambda endpoint, values: None, "/nope")
    error = adapter.dispatch(lambda endpoint, values: None, "/only-post", "GET", True)
    assert isinstance(error, MethodNotAllowed)
    assert error.valid_methods == ["POST"]

    def failing(endpoint: Any, values: dict[str, Any]) -> None:
        raise NotFound("gone")

    assert isinstance(adapter.dispatch(failing, "/item/1", catch_http_exceptions=True), NotFound)
    with pytest.raises(NotFound):
        adapter.dispatch(failing, "/item/1")


def test_dispatch_matches_werkzeugs_for_a_table() -> None:
    def view(endpoint: Any, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return endpoint, values

    werkzeug_adapter = werkzeug.routing.Map(_rules(werkzeug.routing.Rule)).bind("example.com")
    kettle_adapter = routing.Map(_rules(routing.Rule)).bind("example.com")
    for path in PATHS:
        expected = werkzeug_adapter.dispatch(view, path, catch_http_exceptions=True)  # type: ignore[arg-type]
        got = kettle_adapter.dispatch(view, path, catch_http_exceptions=True)
        if isinstance(expected, tuple):
            assert got == expected, path
        else:
            assert (type(got).__name__, got.code) == (type(expected).__name__, expected.code)
            assert getattr(got, "new_url", None) == getattr(expected, "new_url", None), path


# -- through the app --------------------------------------------------------------------------


def _page(n: int) -> str:
    return f"page {n}"


def _redirect_app() -> Kettle:
    app = Kettle(__name__)
    app.add_url_rule("/a/b", "ab", lambda: "ab")
    app.add_url_rule("/x//y", "xy", lambda: "xy")
    app.add_url_rule("/old/<slug>", "old", redirect_to="/new/<slug>")
    app.add_url_rule("/new/<slug>", "new", lambda slug: f"new {slug}")
    app.add_url_rule("/all/", "page", _page, defaults={"n": 1})
    app.add_url_rule("/all/page/<int:n>", "page", _page)
    app.add_url_rule("/dir/", "dir", lambda: "dir")
    return app


@pytest.mark.parametrize(
    ("path", "status", "location", "body"),
    [
        ("/a/b", 200, None, "ab"),
        ("/a//b", 308, "http://localhost/a/b", None),
        ("/a//b?k=v", 308, "http://localhost/a/b?k=v", None),
        ("/x/y", 200, None, "xy"),
        ("/x//y", 308, "http://localhost/x/y", None),
        ("/old/abc", 308, "http://localhost/new/abc", None),
        ("/all/page/1", 308, "http://localhost/all/", None),
        ("/all/page/4", 200, None, "page 4"),
        ("/all/", 200, None, "page 1"),
        ("/dir", 308, "http://localhost/dir/", None),
        ("/dir//", 308, "http://localhost/dir/", None),
    ],
)
def test_app_redirects(
    make_client: MakeClient, path: str, status: int, location: str | None, body: str | None
) -> None:
    client = make_client(_redirect_app())
    response = client.get(path)
    assert response.status_code == status
    assert response.headers.get("Location") == location
    if body is not None:
        assert response.get_data(as_text=True) == body


def test_app_url_for_has_no_double_slash() -> None:
    app = _redirect_app()
    with app.test_request_context():
        assert url_for("xy") == "/x/y"
        assert url_for("page", n=1) == "/all/"
        assert url_for("page", n=2) == "/all/page/2"


def test_app_follows_merge_redirect(make_client: MakeClient) -> None:
    response = make_client(_redirect_app()).get("/old//zz", follow_redirects=True)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "new zz")


# -- domains ----------------------------------------------------------------------------------


def _domain_rules(rule: Any, host_matching: bool) -> list[Any]:
    own = {"host": "<h>.example.com"} if host_matching else {"subdomain": "<h>"}
    fixed = {"host": "static.example.com"} if host_matching else {"subdomain": "static"}
    return [
        rule("/a/b", endpoint="ab", **own),
        rule("/old/<x>", endpoint="old", redirect_to="/new/<x>", **fixed),
        rule("/p/", endpoint="p", defaults={"n": 1}, **own),
        rule("/p/<int:n>", endpoint="p", **own),
        rule("/al", endpoint="ab", alias=True, **own),
    ]


def _domain_outcome(module: Any, host_matching: bool, host: str, path: str) -> tuple[Any, ...]:
    url_map = module.Map(_domain_rules(module.Rule, host_matching), host_matching=host_matching)
    if host_matching:
        adapter = url_map.bind(host, "/s")
    else:
        adapter = url_map.bind("example.com", "/s", subdomain=host.split(".")[0])
    try:
        return ("match", *adapter.match(path))
    except module.RequestRedirect as redirect:
        return ("redirect", redirect.new_url)
    except (werkzeug.exceptions.HTTPException, HTTPException) as error:
        return ("error", error.code)


@pytest.mark.parametrize("host_matching", [False, True], ids=["subdomain", "host"])
@pytest.mark.parametrize("host", ["foo.example.com", "static.example.com"])
@pytest.mark.parametrize("path", ["/a//b", "/old/z", "/p/1", "/p/2", "/al", "/p"])
def test_domain_redirects_equal_werkzeugs(host_matching: bool, host: str, path: str) -> None:
    assert _domain_outcome(routing, host_matching, host, path) == _domain_outcome(
        werkzeug.routing, host_matching, host, path
    )


def test_alias_redirect_keeps_the_subdomain() -> None:
    assert _domain_outcome(routing, False, "foo.example.com", "/al") == (
        "redirect",
        "http://foo.example.com/s/a/b",
    )


def test_map_options_changed_after_matching_take_effect() -> None:
    url_map = routing.Map(
        [
            routing.Rule("/a/b", endpoint="ab"),
            routing.Rule("/p/", endpoint="p", defaults={"n": 1}),
            routing.Rule("/p/<int:n>", endpoint="p"),
        ]
    )
    adapter = url_map.bind("example.com")
    assert adapter.test("/a//b") is True
    with pytest.raises(routing.RequestRedirect):
        adapter.match("/p/1")
    url_map.merge_slashes = False
    url_map.redirect_defaults = False
    assert adapter.test("/a//b") is False
    assert adapter.match("/p/1") == ("p", {"n": 1})


def test_alias_without_canonical_rule_is_a_clear_error() -> None:
    adapter = routing.Map([routing.Rule("/only", endpoint="only", alias=True)]).bind("h")
    with pytest.raises(LookupError, match=r"alias rule .* has no canonical rule"):
        adapter.match("/only")
