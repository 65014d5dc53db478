"""URL building details that match Werkzeug 3.1: BuildError suggestions, MultiDict values,
empty queries and scheme-relative URLs."""

from __future__ import annotations

import pytest

from kettle.http.multidict import MultiDict
from kettle.web.routing import BuildError, Map, Rule


def test_build_error_suggests_the_closest_rule():
    adapter = Map([Rule("/foo/<id>/", endpoint="world", methods=["GET"])]).bind("example.com")
    with pytest.raises(BuildError) as caught:
        adapter.build("helloworld")
    assert str(caught.value) == (
        "Could not build url for endpoint 'helloworld'. Did you mean 'world' instead?"
    )
    with pytest.raises(BuildError) as caught:
        adapter.build("world")
    assert str(caught.value) == (
        "Could not build url for endpoint 'world'. Did you forget to specify values ['id']?"
    )
    assert caught.value.suggested.endpoint == "world"
    assert BuildError("x", {}, None).suggested is None
    assert str(BuildError("x", {"a": 1}, "POST")) == (
        "Could not build url for endpoint 'x' ('POST') with values ['a']."
        " Did you forget to specify values or give a wrong endpoint?"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"v": None}, "/"),
        ({"v": [None]}, "/"),
        ({"v": [1, None, 2]}, "/?v=1&v=2"),
        (MultiDict([("v", 1), ("v", 2)]), "/?v=1&v=2"),
        (MultiDict({"v": [1, "", 2]}), "/?v=1&v=&v=2"),
        ({"v": "1+2"}, "/?v=1%2B2"),
    ],
)
def test_build_query_values(values, expected):
    adapter = Map([Rule("/", endpoint="a")]).bind("localhost")
    assert adapter.build("a", values) == expected


def test_scheme_relative_external_url():
    adapter = Map([Rule("/foo", endpoint="foo")]).bind("example.org", url_scheme="")
    assert adapter.build("foo", force_external=True) == "//example.org/foo"
    assert adapter.build("foo", url_scheme="https", force_external=True) == (
        "https://example.org/foo"
    )


def test_default_converters_are_immutable():
    with pytest.raises(TypeError):
        Map.default_converters["x"] = object  # type: ignore[index]
    assert "int" in Map().converters
