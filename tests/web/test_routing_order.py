"""Which rule a path matches (the segment tree's order), converter arguments, WebSocket
rules, and the smaller rule/map behaviours Werkzeug documents."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kettle.web.realtime
from kettle.web.exceptions import MethodNotAllowed, NotFound
from kettle.web.routing import (
    FULL,
    NONE,
    REDIRECT,
    BaseConverter,
    Map,
    RequestRedirect,
    Rule,
)
from kettle.web.routing.converters import parse_converter_args
from kettle.web.routing.exceptions import WebsocketMismatch


class RegexConverter(BaseConverter):
    def __init__(self, url_map: Map, *items: Any) -> None:
        super().__init__(url_map)
        self.regex = items[0]


class SlashRegexConverter(RegexConverter):
    part_isolating = False


# -- converter arguments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test, a=1, b=3.0", (("test",), {"a": 1, "b": 3.0})),
        ("", ((), {})),
        ("a, b, c,", (("a", "b", "c"), {})),
        ("True, False, None", ((True, False, None), {})),
        ('"foo", "bar"', (("foo", "bar"), {})),
        (r"'[^/:]+\.[^/]+'", ((r"[^/:]+\.[^/]+",), {})),
        ("'a, b', c", (("a, b", "c"), {})),
        ("length=2, -1", ((-1,), {"length": 2})),
    ],
    ids=["mixed", "empty", "trailing-comma", "constants", "quoted", "regex", "comma", "sign"],
)
def test_converter_arguments_parse(text: str, expected: tuple[Any, ...]) -> None:
    assert parse_converter_args(text) == expected


@pytest.mark.parametrize("text", ["min=0;max=500", "a b", "("])
def test_converter_arguments_that_do_not_parse_raise(text: str) -> None:
    with pytest.raises(ValueError, match="cannot parse converter arguments"):
        parse_converter_args(text)


def test_regex_argument_keeps_its_backslashes() -> None:
    url_map = Map(
        [Rule(r"/<regex('[^/:]+\.[^/:]+'):value>", endpoint="regex")],
        converters={"regex": RegexConverter},
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/name.ext") == ("regex", {"value": "name.ext"})
    with pytest.raises(NotFound):
        adapter.match("/nodot")


def test_regex_with_nested_groups_and_slashes() -> None:
    date = r"((\d{8})|(\d{4}-\d{2}-\d{2}([.,]\d)?))Z"
    url_map = Map(
        [Rule(f"/<re('{date}'):start>/<re('{date}'):end>/", endpoint="span")],
        converters={"re": SlashRegexConverter},
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/2023-02-16.5Z/20230217Z/") == (
        "span",
        {"start": "2023-02-16.5Z", "end": "20230217Z"},
    )


# -- matching order ------------------------------------------------------------------------


def test_more_converters_of_a_final_segment_are_tried_first() -> None:
    url_map = Map(
        [
            Rule("/foo", endpoint="foo"),
            Rule("/<path:a>", endpoint="one"),
            Rule("/<path:a>/<path:b>", endpoint="two"),
        ]
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/foo") == ("foo", {})
    assert adapter.match("/x") == ("one", {"a": "x"})
    assert adapter.match("/x/y/z") == ("two", {"a": "x", "b": "y/z"})


def test_static_text_beside_a_path_converter_wins() -> None:
    url_map = Map(
        [
            Rule("/<int:year>", endpoint="year"),
            Rule("/<path:name>:foo", endpoint="foopage"),
            Rule("/<path:name>", endpoint="page"),
            Rule("/<path:name>/edit", endpoint="edit"),
            Rule("/<a>/<b>/<c>", endpoint="three"),
        ]
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/2007") == ("year", {"year": 2007})
    assert adapter.match("/Some:foo") == ("foopage", {"name": "Some"})
    assert adapter.match("/Some/Page") == ("page", {"name": "Some/Page"})
    assert adapter.match("/Some/Page/edit") == ("edit", {"name": "Some/Page"})
    # A part-isolating converter segment is tried before the path converter.
    assert adapter.match("/x/y/z") == ("three", {"a": "x", "b": "y", "c": "z"})


def test_path_converter_before_a_trailing_slash() -> None:
    url_map = Map(
        [
            Rule("/foo/<path:rest>/", endpoint="show"),
            Rule("/foo/<path:rest>/edit", endpoint="edit"),
        ]
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/foo/1/2/") == ("show", {"rest": "1/2"})
    assert adapter.match("/foo/1/2/edit") == ("edit", {"rest": "1/2"})
    with pytest.raises(RequestRedirect) as caught:
        adapter.match("/foo/1/2")
    assert caught.value.new_url == "http://example.com/foo/1/2/"


def test_strict_slashes_false_matches_both_forms_before_a_path_converter() -> None:
    url_map = Map(
        [
            Rule("/leaf", endpoint="leaf", strict_slashes=False),
            Rule("/branch/", endpoint="branch", strict_slashes=False),
            Rule("/<path:path>", endpoint="any", strict_slashes=False),
        ]
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/leaf") == ("leaf", {})
    assert adapter.match("/leaf/") == ("leaf", {})
    assert adapter.match("/branch") == ("branch", {})
    assert adapter.match("/branch/") == ("branch", {})
    assert adapter.match("/other/") == ("any", {"path": "other/"})


def test_a_strict_leaf_does_not_take_the_slashed_path_from_its_branch() -> None:
    url_map = Map(
        [
            Rule("/p1", endpoint="leaf"),
            Rule("/p1/", endpoint="branch"),
            Rule("/p2", endpoint="leaf"),
        ],
        strict_slashes=False,
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/p1") == ("leaf", {})
    assert adapter.match("/p1/") == ("branch", {})
    assert adapter.match("/p2/") == ("leaf", {})


def test_a_trailing_newline_does_not_match() -> None:
    adapter = Map([Rule("/hello", endpoint="hello")]).bind("localhost")
    with pytest.raises(NotFound):
        adapter.match("/hello\n")
    assert adapter.match_result("/hello\n", "GET").kind == NONE


def test_method_mismatch_falls_through_to_a_later_rule() -> None:
    url_map = Map(
        [
            Rule("/x", endpoint="get_x", methods=["GET"]),
            Rule("/<n>", endpoint="post_n", methods=["POST"]),
        ]
    )
    adapter = url_map.bind("localhost")
    assert adapter.match("/x", method="POST") == ("post_n", {"n": "x"})
    with pytest.raises(MethodNotAllowed) as caught:
        adapter.match("/x", method="PUT")
    assert caught.value.valid_methods == ["GET", "HEAD", "POST"]


def test_empty_path_redirects_to_the_script_root() -> None:
    url_map = Map([Rule("/", endpoint="index")])
    with pytest.raises(RequestRedirect) as caught:
        url_map.bind("example.com", script_name="/app").match("")
    assert caught.value.new_url == "http://example.com/app/"
    assert url_map.bind("example.com").match() == ("index", {})


# -- WebSocket rules -----------------------------------------------------------------------


def test_websocket_rules_match_only_websocket_requests() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/", endpoint="index_ws", websocket=True),
            Rule("/ws", endpoint="ws", websocket=True),
        ]
    )
    assert url_map.bind("example.org").match("/") == ("index", {})
    assert url_map.bind("example.org", url_scheme="ws").match("/") == ("index_ws", {})
    adapter = url_map.bind("example.org", url_scheme="wss")
    assert adapter.match("/ws") == ("ws", {})
    with pytest.raises(WebsocketMismatch):
        adapter.match("/ws", websocket=False)
    environ = {
        "HTTP_HOST": "example.org",
        "PATH_INFO": "/ws",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
        "HTTP_UPGRADE": "websocket",
    }
    upgrade = url_map.bind_to_environ(environ)
    assert upgrade.url_scheme == "ws"
    assert upgrade.match() == ("ws", {})
    # The application's own match path is not a WebSocket match: kettle's @app.websocket
    # rules are ordinary rules.
    assert upgrade.match_result("/ws", "GET").kind == NONE


def test_websocket_rule_urls_are_absolute_with_a_ws_scheme() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/foo", endpoint="foo")])
    assert url_map.bind("example.org").build("ws") == "ws://example.org/ws"
    adapter = url_map.bind("example.org", url_scheme="ws")
    assert adapter.build("ws") == "ws://example.org/ws"
    assert adapter.build("ws", url_scheme="https") == "wss://example.org/ws"
    assert adapter.build("foo") == "/foo"
    assert adapter.build("foo", force_external=True) == "http://example.org/foo"


@pytest.mark.parametrize("methods", [["post"], ["get", "head", "options", "post"]])
def test_websocket_rule_refuses_other_methods(methods: list[str]) -> None:
    with pytest.raises(ValueError, match="GET, HEAD and OPTIONS, not POST"):
        Rule("/ws", endpoint="ws", websocket=True, methods=methods)
    assert Rule("/ws", websocket=True, methods=["get", "options"]).methods == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


# -- rules and maps ------------------------------------------------------------------------


def test_rules_compare_by_pattern_and_are_unhashable() -> None:
    first = Rule("/foo", endpoint="a")
    assert first == Rule("/foo", endpoint="b")
    assert first != Rule("/bar", endpoint="a")
    with pytest.raises(TypeError, match="unhashable"):
        hash(first)
    url_map = Map([first, Rule("/<int:x>", endpoint="x")])
    bound = list(url_map.iter_rules())[1]
    assert bound == Map([Rule("/<int:x>", endpoint="other")])._rules[0]
    assert bound != Map([Rule("/<int:y>", endpoint="x")])._rules[0]
    # As in Werkzeug, the comparison is by static text and variable names only.
    assert bound == Map([Rule("/<x>", endpoint="x")])._rules[0]


def test_empty_copies_a_subclass_with_its_own_arguments() -> None:
    class TaggedRule(Rule):
        def __init__(self, string: str, tag: str = "", **kwargs: Any) -> None:
            self.tag = tag
            super().__init__(string, **kwargs)

        def get_empty_kwargs(self) -> dict[str, Any]:
            return {**super().get_empty_kwargs(), "tag": self.tag}

    copy = TaggedRule("/foo", tag="t", endpoint="bar", methods=["POST"]).empty()
    assert (type(copy), copy.rule, copy.tag, copy.endpoint, copy.methods) == (
        TaggedRule,
        "/foo",
        "t",
        "bar",
        {"POST"},
    )


def test_map_sorts_query_parameters_when_asked() -> None:
    url_map = Map(
        [Rule("/", endpoint="index")], sort_parameters=True, sort_key=lambda pair: pair[1]
    )
    adapter = url_map.bind("localhost")
    assert adapter.build("index", {"x": 20, "y": 10, "z": 30}) == "/?y=10&x=20&z=30"
    unsorted = Map([Rule("/", endpoint="index")]).bind("localhost")
    assert unsorted.build("index", {"x": 2, "a": 1}) == "/?x=2&a=1"


def test_non_ascii_server_name_and_rule_text_are_encoded() -> None:
    url_map = Map([Rule("/войти/", endpoint="enter"), Rule("/foo+bar/", endpoint="plus")])
    adapter = url_map.bind("☃.example.com")
    assert adapter.server_name == "xn--n3h.example.com"
    with pytest.raises(RequestRedirect) as caught:
        adapter.match("/войти")
    assert caught.value.new_url == "http://xn--n3h.example.com/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/"
    assert adapter.match("/войти/") == ("enter", {})
    assert adapter.build("enter") == "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/"
    assert adapter.build("plus", force_external=True) == "http://xn--n3h.example.com/foo+bar/"
    long_name = Map([Rule("/", endpoint="i")]).bind("🐍" + "a" * 52 + ":8443").server_name
    assert long_name == "xn--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-p8646c:8443"


def test_no_rule_outlives_its_map() -> None:
    refs = []
    for _ in range(20):
        rule = Rule("/a/<string:b>")
        Map([rule])
        refs.append(weakref.ref(rule))
    del rule
    gc.collect()
    assert [ref() for ref in refs] == [None] * 20
    # kettle.static's build rule is made per build, not kept by the module.
    assert [v for v in vars(kettle.web.realtime).values() if isinstance(v, Rule | Map)] == []


def test_match_result_kinds_for_the_tree() -> None:
    url_map = Map([Rule("/a/", endpoint="a"), Rule("/<name>", endpoint="name")])
    adapter = url_map.bind("localhost")
    # The slashed rule's redirect is found before the converter is tried (Werkzeug's
    # order), and a path with the slash matches it fully.
    assert adapter.match_result("/a", "GET").kind == REDIRECT
    assert adapter.match_result("/a/", "GET").kind == FULL
    assert adapter.match_result("/b", "GET").values == {"name": "b"}


# -- the fast path agrees with the tree search ---------------------------------------------

_PIECES = ["a", "b", "<int:n>", "<s>", "<path:p>", "x<int:m>", "<any(a, c):k>"]


@st.composite
def _rule_sets(draw: st.DrawFn) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    for index in range(draw(st.integers(1, 8))):
        pieces = draw(st.lists(st.sampled_from(_PIECES), min_size=0, max_size=3))
        names: set[str] = set()
        kept = []
        for piece in pieces:  # one variable name per rule
            name = piece.split(":")[-1].strip("<>") if "<" in piece else None
            if name in names:
                continue
            names.add(name or "")
            kept.append(piece)
        text = "/" + "/".join(kept) + ("/" if draw(st.booleans()) and kept else "")
        methods = draw(st.sampled_from([None, ["GET"], ["POST"]]))
        strict = draw(st.sampled_from([True, True, False]))
        rules.append(Rule(text, endpoint=f"e{index}", methods=methods, strict_slashes=strict))
    words = ["a", "b", "c", "7", "x3", "zz", ""]
    paths = [
        "/" + "/".join(draw(st.lists(st.sampled_from(words), max_size=4)))
        for _ in range(draw(st.integers(1, 6)))
    ]
    return rules, paths


# Deterministic in CI; explored locally with 12,000+ examples. The two examples are
# disagreements it once found (a path value ending in the slash a rule leaves optional, a
# lenient rule taking one more trailing slash).
@settings(max_examples=300, deadline=None, derandomize=True)
@given(_rule_sets(), st.sampled_from(["GET", "POST"]))
@example(([Rule("/<path:p>/", endpoint="e0")], ["/a//"]), "GET")
@example(([Rule("/a/a/", endpoint="e0", strict_slashes=False)], ["/a/a//"]), "GET")
def test_fast_path_agrees_with_the_tree_search(
    rule_set: tuple[list[Rule], list[str]], method: str
) -> None:
    rules, paths = rule_set
    matcher = Map(rules).matcher
    for path in paths:
        if path.endswith("/") and matcher._lenient_slashes:
            continue  # those paths never take the fast path
        fast = matcher._fast(path, method, False)
        if fast is None:
            continue  # handed to the tree search
        slow = matcher._slow(path, method, None, False)
        assert (fast.kind, fast.values) == (slow.kind, slow.values), path
        assert fast.rule is slow.rule, path


def test_map_takes_werkzeugs_positional_arguments() -> None:
    url_map = Map([Rule("/a/", endpoint="a")], "www", False, False, False, {"re": RegexConverter})
    assert (url_map.default_subdomain, url_map.strict_slashes) == ("www", False)
    assert (url_map.merge_slashes, url_map.redirect_defaults) == (False, False)
    assert url_map.converters["re"] is RegexConverter
    adapter = url_map.bind("example.com", subdomain="www")
    assert adapter.match("/a") == ("a", {})  # not strict: no redirect
