"""Routing without an app: converters, matching kinds, strict slashes, building."""

from __future__ import annotations

import uuid

import pytest

from kettle.web.routing import (
    FULL,
    NONE,
    PARTIAL,
    REDIRECT,
    BaseConverter,
    BuildError,
    Map,
    Rule,
)


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(super(ListConverter, self).to_url(item) for item in value)


@pytest.fixture
def url_map() -> Map:
    url_map = Map()
    url_map.converters["list"] = ListConverter
    for rule in [
        Rule("/", endpoint="index"),
        Rule("/about", endpoint="about"),
        Rule("/user/<int:user_id>", endpoint="user", methods=["GET"]),
        Rule("/user/<name>", endpoint="user_by_name", methods=["POST"]),
        Rule("/price/<float:amount>", endpoint="price"),
        Rule("/signed/<int(signed=True):n>", endpoint="signed"),
        Rule("/files/<path:filename>", endpoint="files"),
        Rule("/id/<uuid:ident>", endpoint="ident"),
        Rule("/page/<any(about, help):page>", endpoint="page"),
        Rule("/code/<string(length=2):code>", endpoint="code"),
        Rule("/range/<int(min=1, max=10):n>", endpoint="range"),
        Rule("/tags/<list:tags>", endpoint="tags"),
        Rule("/docs/", endpoint="docs"),
        Rule("/<slug>", endpoint="slug"),
        Rule("/blog/", endpoint="blog", defaults={"page": 1}),
        Rule("/blog/page/<int:page>", endpoint="blog"),
    ]:
        url_map.add(rule)
    return url_map


MATCHES = [
    ("/", "GET", "index", {}),
    ("/about", "GET", "about", {}),
    ("/user/42", "GET", "user", {"user_id": 42}),
    ("/user/42", "HEAD", "user", {"user_id": 42}),
    ("/user/bob", "POST", "user_by_name", {"name": "bob"}),
    ("/user/42", "POST", "user_by_name", {"name": "42"}),
    ("/price/1.5", "GET", "price", {"amount": 1.5}),
    ("/signed/-3", "GET", "signed", {"n": -3}),
    ("/files/a/b/c.txt", "GET", "files", {"filename": "a/b/c.txt"}),
    (
        "/id/12345678-1234-5678-1234-567812345678",
        "GET",
        "ident",
        {"ident": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    ),
    ("/page/help", "GET", "page", {"page": "help"}),
    ("/code/fr", "GET", "code", {"code": "fr"}),
    ("/range/10", "GET", "range", {"n": 10}),
    ("/tags/a,b,c", "GET", "tags", {"tags": ["a", "b", "c"]}),
    ("/docs/", "GET", "docs", {}),
    ("/hello", "GET", "slug", {"slug": "hello"}),
    ("/blog/", "GET", "blog", {"page": 1}),
    ("/blog/page/3", "GET", "blog", {"page": 3}),
]


@pytest.mark.parametrize(
    ("path", "method", "endpoint", "values"), MATCHES, ids=[m[0] + m[1] for m in MATCHES]
)
def test_full_match(url_map: Map, path: str, method: str, endpoint: str, values: dict) -> None:
    result = url_map.bind("example.com").match_result(path, method)
    assert result.kind == FULL
    assert result.rule is not None
    assert result.rule.endpoint == endpoint
    assert result.values == values


@pytest.mark.parametrize(
    "path",
    ["/page/other", "/code/fra", "/range/11", "/range/0", "/price/1", "/nope/deeper", "/id/x"],
)
def test_no_match(url_map: Map, path: str) -> None:
    assert url_map.bind("example.com").match_result(path, "GET").kind == NONE


def test_partial_match_lists_allowed_methods(url_map: Map) -> None:
    result = url_map.bind("example.com").match_result("/user/42", "DELETE")
    assert result.kind == PARTIAL
    assert result.allowed == {"GET", "HEAD", "POST"}


def test_missing_slash_redirects(url_map: Map) -> None:
    adapter = url_map.bind("example.com")
    result = adapter.match_result("/docs", "GET")
    assert result.kind == REDIRECT
    assert adapter.redirect_url("/docs/") == "http://example.com/docs/"


def test_non_strict_slash_rule_matches_with_and_without_the_slash() -> None:
    # Werkzeug's strict_slashes=False: no redirect, the rule answers both forms.
    url_map = Map([Rule("/docs/", endpoint="docs", strict_slashes=False)])
    adapter = url_map.bind("h")
    assert adapter.match_result("/docs", "GET").kind == FULL
    assert adapter.match_result("/docs/", "GET").kind == FULL
    assert adapter.match_result("/doc", "GET").kind == NONE


def test_rule_without_slash_wins_over_redirect() -> None:
    url_map = Map([Rule("/a/", endpoint="slashed"), Rule("/a", endpoint="plain")])
    adapter = url_map.bind("h")
    assert adapter.match_result("/a", "GET").rule.endpoint == "plain"  # type: ignore[union-attr]
    assert adapter.match_result("/a/", "GET").rule.endpoint == "slashed"  # type: ignore[union-attr]


def test_results_are_cached_and_rules_invalidate(url_map: Map) -> None:
    adapter = url_map.bind("example.com")
    first = adapter.match_result("/about", "GET")
    assert adapter.match_result("/about", "GET") is first
    url_map.add(Rule("/new", endpoint="new"))
    assert adapter.match_result("/new", "GET").kind == FULL


BUILDS = [
    ("index", {}, None, "/"),
    ("user", {"user_id": 7}, None, "/user/7"),
    ("user", {"user_id": 7, "q": "a b", "x": [1, 2]}, None, "/user/7?q=a+b&x=1&x=2"),
    ("user_by_name", {"name": "a/b c"}, "POST", "/user/a/b%20c"),
    ("files", {"filename": "x/y.txt"}, None, "/files/x/y.txt"),
    ("tags", {"tags": ["a", "b"]}, None, "/tags/a,b"),
    ("blog", {}, None, "/blog/"),
    ("blog", {"page": 1}, None, "/blog/"),
    ("blog", {"page": 2}, None, "/blog/page/2"),
    ("code", {"code": "fr", "skip": None}, None, "/code/fr"),
]


@pytest.mark.parametrize(
    ("endpoint", "values", "method", "url"), BUILDS, ids=[b[3] for b in BUILDS]
)
def test_build(url_map: Map, endpoint: str, values: dict, method: str | None, url: str) -> None:
    assert url_map.bind("example.com").build(endpoint, values, method=method) == url


def test_build_external_and_script_name(url_map: Map) -> None:
    adapter = url_map.bind("example.com", script_name="/app", url_scheme="https")
    assert adapter.build("about") == "/app/about"
    assert adapter.build("about", force_external=True) == "https://example.com/app/about"
    assert adapter.build("about", url_scheme="ftp") == "ftp://example.com/app/about"


@pytest.mark.parametrize(
    ("endpoint", "values", "method"),
    [("user", {}, None), ("nothing", {}, None), ("user", {"user_id": 1}, "POST")],
)
def test_build_error(url_map: Map, endpoint: str, values: dict, method: str | None) -> None:
    with pytest.raises(BuildError) as info:
        url_map.bind("example.com").build(endpoint, values, method=method)
    assert info.value.endpoint == endpoint
    assert str(info.value).startswith(f"Could not build url for endpoint {endpoint!r}")


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("no-slash", "urls must start with a leading slash"),
        ("/<bogus:x>", "the converter 'bogus' does not exist"),
        ("/<a>/<a>", "variable name 'a' used twice"),
        ("/<int(:x>", "malformed url rule"),
    ],
)
def test_bad_rules_are_reported(rule: str, error: str) -> None:
    with pytest.raises((ValueError, LookupError), match=error.replace("(", r"\(")):
        Map([Rule(rule, endpoint="x")])


def test_methods_must_not_be_a_string() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        Rule("/", methods="GET")  # type: ignore[arg-type]
