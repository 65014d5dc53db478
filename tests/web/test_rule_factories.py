"""Werkzeug's rule factories (``Submount``, ``Subdomain``, ``EndpointPrefix``,
``RuleTemplate``, the ``RuleFactory`` base) and ``MapAdapter.match``/``test``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from kettle import Kettle
from kettle.web.exceptions import MethodNotAllowed, NotFound
from kettle.web.routing import (
    EndpointPrefix,
    Map,
    RequestRedirect,
    Rule,
    RuleFactory,
    RuleTemplate,
    Subdomain,
    Submount,
)
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def build_map() -> Map:
    return Map(
        [
            Rule("/", endpoint="index"),
            Submount(
                "/blog/",
                [
                    Rule("/", endpoint="blog.index"),
                    Rule("/<int:year>/", endpoint="blog.archive"),
                    Submount("/feeds", [Rule("/atom", endpoint="blog.atom")]),
                ],
            ),
            Subdomain("<user>", [Rule("/", endpoint="user.home")]),
            EndpointPrefix(
                "admin.", [Submount("/admin", [Rule("/users", endpoint="users", methods=["GET"])])]
            ),
        ]
    )


def test_factories_yield_adjusted_copies() -> None:
    url_map = build_map()
    assert [(rule.rule, rule.endpoint, rule.subdomain) for rule in url_map.iter_rules()] == [
        ("/", "index", ""),
        ("/blog/", "blog.index", ""),
        ("/blog/<int:year>/", "blog.archive", ""),
        ("/blog/feeds/atom", "blog.atom", ""),
        ("/", "user.home", "<user>"),
        ("/admin/users", "admin.users", ""),
    ]


def test_match_returns_endpoint_or_rule() -> None:
    adapter = build_map().bind("example.test")
    assert adapter.match("/blog/2024/") == ("blog.archive", {"year": 2024})
    assert adapter.match("/blog/feeds/atom") == ("blog.atom", {})
    rule, values = adapter.match("/admin/users", return_rule=True)
    assert (rule.rule, rule.endpoint, values) == ("/admin/users", "admin.users", {})
    assert adapter.test("/blog/") is True
    assert adapter.test("/nowhere") is False


def test_match_raises_werkzeugs_errors() -> None:
    adapter = build_map().bind("example.test", path_info="/blog")
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match()
    assert redirect.value.new_url == "http://example.test/blog/"
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match("/blog/2024", query_args={"page": "2"})
    assert redirect.value.new_url == "http://example.test/blog/2024/?page=2"
    with pytest.raises(MethodNotAllowed) as not_allowed:
        adapter.match("/admin/users", method="POST")
    assert not_allowed.value.valid_methods == ["GET", "HEAD"]
    with pytest.raises(NotFound):
        adapter.match("/missing")


def test_subdomain_factory_matches_and_builds_on_its_subdomain() -> None:
    url_map = build_map()
    adapter = url_map.bind("example.test", subdomain="ann")
    assert adapter.match("/") == ("user.home", {"user": "ann"})
    assert adapter.build("user.home", {"user": "ann"}) == "/"
    assert adapter.build("user.home", {"user": "bo"}) == "http://bo.example.test/"
    assert adapter.build("index") == "http://example.test/"
    main = url_map.bind("example.test")
    assert main.match("/") == ("index", {})
    assert main.build("blog.archive", {"year": 2023, "tag": "x"}) == "/blog/2023/?tag=x"


def test_rule_template_fills_placeholders() -> None:
    resource = RuleTemplate(
        [
            Rule("/$kind/", endpoint="${kind}_list"),
            Rule("/$kind/<int:id>", endpoint="${kind}_show", defaults={"label": "$kind item"}),
        ]
    )
    url_map = Map([resource(kind="posts"), resource({"kind": "tags"})])
    adapter = url_map.bind("example.test")
    assert adapter.match("/posts/") == ("posts_list", {})
    assert adapter.match("/tags/7") == ("tags_show", {"id": 7, "label": "tags item"})
    assert adapter.build("posts_show", {"id": 3}) == "/posts/3"


def test_rule_template_names_a_missing_placeholder() -> None:
    template = RuleTemplate([Rule("/$kind/", endpoint="$kind")])
    with pytest.raises(KeyError, match=r"placeholder \$kind has no value"):
        Map([template(other="x")])


def test_one_factory_can_feed_two_maps() -> None:
    shared = Submount("/api", [Rule("/ping", endpoint="ping")])
    first, second = Map([shared]), Map([shared])
    assert first.bind("a").match("/api/ping") == ("ping", {})
    assert second.bind("b").match("/api/ping") == ("ping", {})
    assert [rule.map for rule in first.iter_rules()] == [first]


def test_custom_rule_factory() -> None:
    class Versioned(RuleFactory):
        def __init__(self, versions: Iterable[int]) -> None:
            self.versions = list(versions)

        def get_rules(self, map: Map) -> Iterable[Rule]:
            for version in self.versions:
                yield Rule(f"/v{version}/status", endpoint=f"status_v{version}")

    adapter = Map([Versioned([1, 2])]).bind("example.test")
    assert adapter.match("/v2/status") == ("status_v2", {})
    with pytest.raises(TypeError, match="abstract"):
        RuleFactory()  # type: ignore[abstract]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Submount("api", []), "a submount path must start with a slash: 'api'"),
        (lambda: Submount("/api", ["/x"]), "Submount takes rules and rule factories, not str"),
    ],
    ids=["relative-path", "not-a-rule"],
)
def test_bad_factory_arguments(make: Callable[[], object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_app_serves_submounted_rules(make_client: MakeClient) -> None:
    """Flask's ``test_werkzeug_routing``/``test_endpoint_decorator``."""
    app = Kettle(__name__, static_folder=None)
    app.url_map.add(Submount("/foo", [Rule("/bar", endpoint="bar"), Rule("/", endpoint="index")]))

    @app.endpoint("bar")
    def bar() -> str:
        return "bar"

    app.view_functions["index"] = lambda: "index"
    client = make_client(app)
    assert client.get("/foo/").data == b"index"
    assert client.get("/foo/bar").data == b"bar"
    assert client.get("/foo").status_code == 308
