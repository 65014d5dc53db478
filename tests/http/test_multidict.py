"""MultiDict, ImmutableMultiDict and CombinedMultiDict: Werkzeug's API, exactly."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.multidict import (
    CombinedMultiDict,
    ImmutableMultiDict,
    MultiDict,
    MultiDictKeyError,
)


def test_first_value_and_getlist() -> None:
    d = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert d["a"] == "1"
    assert d.getlist("a") == ["1", "3"]
    assert d.getlist("missing") == []
    assert list(d.items()) == [("a", "1"), ("b", "2")]
    assert list(d.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(d.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert list(d.values()) == ["1", "2"]
    assert list(d.listvalues()) == [["1", "3"], ["2"]]
    assert list(d) == ["a", "b"]
    assert len(d) == 2


def test_get_with_type_falls_back_on_conversion_error() -> None:
    d = MultiDict([("n", "12"), ("x", "abc"), ("n", "z")])
    assert d.get("n", type=int) == 12
    assert d.get("x", -1, type=int) == -1
    assert d.get("missing", "dflt") == "dflt"
    assert d.getlist("n", type=int) == [12]


def test_missing_key_raises_key_error_subclass() -> None:
    # key_error_class: MultiDictKeyError here, BadRequestKeyError once kettle.web is loaded
    # (tests/web/test_exceptions.py checks both in fresh processes).
    assert issubclass(MultiDict.key_error_class, KeyError)
    with pytest.raises(MultiDict.key_error_class) as info:
        MultiDict()["nope"]
    assert info.value.args == ("nope",)
    assert issubclass(MultiDictKeyError, KeyError)


def test_popitem_on_empty_raises_the_key_error_class() -> None:
    with pytest.raises(MultiDict.key_error_class):
        MultiDict().popitem()
    with pytest.raises(MultiDict.key_error_class):
        MultiDict().popitemlist()
    left_empty = MultiDict()
    left_empty.setlistdefault("empty", [])
    with pytest.raises(MultiDict.key_error_class) as info:
        left_empty.popitem()
    assert info.value.args == ("empty",)
    d = MultiDict([("a", 1), ("a", 2), ("b", 3)])
    assert d.popitem() == ("b", 3)
    assert d.popitemlist() == ("a", [1, 2])


def test_or_merges_into_a_copy_and_ior_adds_in_place() -> None:
    d = MultiDict([("x", 1)])
    merged = d | {"x": 2, "y": [3, 4]}
    assert type(merged) is MultiDict
    assert list(merged.items(multi=True)) == [("x", 1), ("x", 2), ("y", 3), ("y", 4)]
    assert list(d.items(multi=True)) == [("x", 1)]
    d |= [("y", 5)]
    assert list(d.items(multi=True)) == [("x", 1), ("y", 5)]
    with pytest.raises(TypeError):
        d | [("z", 1)]  # a pair list is no mapping, as for dict | list
    frozen = ImmutableMultiDict([("x", 1)])
    assert list((frozen | {"y": 2}).items(multi=True)) == [("x", 1), ("y", 2)]
    with pytest.raises(TypeError, match="'ImmutableMultiDict' objects are immutable"):
        frozen |= {"y": 2}
    assert list(frozen.items(multi=True)) == [("x", 1)]


def test_combined_not_equal_follows_its_equality() -> None:
    combined = CombinedMultiDict([MultiDict([("a", 1)])])
    assert (combined == {"a": 1}, combined != {"a": 1}) == (True, False)
    assert (combined == {"a": 2}, combined != {"a": 2}) == (False, True)


def test_constructors() -> None:
    assert MultiDict({"a": [1, 2], "b": 3, "c": []}).to_dict(flat=False) == {
        "a": [1, 2],
        "b": [3],
    }
    other = MultiDict([("a", 1), ("a", 2)])
    assert MultiDict(other).getlist("a") == [1, 2]


def test_mutation() -> None:
    d = MultiDict()
    d.add("a", 1)
    d.add("a", 2)
    d["b"] = 3
    d.setlist("c", [4, 5])
    assert d.to_dict() == {"a": 1, "b": 3, "c": 4}
    assert d.to_dict(flat=False) == {"a": [1, 2], "b": [3], "c": [4, 5]}
    d.update({"a": 9})
    assert d.getlist("a") == [1, 2, 9]
    assert d.pop("a") == 1
    assert "a" not in d
    assert d.poplist("c") == [4, 5]
    assert d.setdefault("z", 7) == 7
    assert d.setlistdefault("y", [1]) == [1]
    assert d.pop("gone", None) is None
    with pytest.raises(KeyError):
        d.pop("gone")
    d.setlist("b", [])
    assert "b" not in d


def test_copy_pickle_and_repr() -> None:
    d = MultiDict([("a", [1]), ("a", 2)])
    deep = copy.deepcopy(d)
    deep.getlist("a")[0].append(5)
    assert d.getlist("a") == [[1], 2]
    assert pickle.loads(pickle.dumps(d)) == d
    assert repr(MultiDict([("a", "b")])) == "MultiDict([('a', 'b')])"


def test_immutable_refuses_changes_but_copies_mutable() -> None:
    d = ImmutableMultiDict([("a", "1")])
    for action in (
        lambda: d.__setitem__("a", "2"),
        lambda: d.add("a", "2"),
        lambda: d.pop("a"),
        lambda: d.update({}),
        lambda: d.setlist("a", []),
        lambda: d.clear(),
    ):
        with pytest.raises(TypeError, match="immutable"):
            action()
    mutable = d.copy()
    mutable.add("a", "2")
    assert mutable.getlist("a") == ["1", "2"]
    assert type(mutable) is MultiDict
    assert hash(d) == hash(ImmutableMultiDict([("a", "1")]))


def test_combined_searches_in_order() -> None:
    first = MultiDict([("a", "1"), ("b", "x")])
    second = MultiDict([("a", "2"), ("c", "3")])
    combined = CombinedMultiDict([first, second])
    assert combined["a"] == "1"
    assert combined["c"] == "3"
    assert combined.getlist("a") == ["1", "2"]
    assert combined.get("b", type=int) is None
    assert sorted(combined) == ["a", "b", "c"]
    assert len(combined) == 3
    assert "c" in combined and "zz" not in combined
    assert combined.to_dict() == {"a": "1", "b": "x", "c": "3"}
    assert combined.to_dict(flat=False) == {"a": ["1", "2"], "b": ["x"], "c": ["3"]}
    assert list(combined.items(multi=True)) == [("a", "1"), ("b", "x"), ("a", "2"), ("c", "3")]
    with pytest.raises(KeyError):
        combined["zz"]
    with pytest.raises(TypeError):
        combined.add("a", "b")


pairs = st.lists(st.tuples(st.text(max_size=5), st.text(max_size=5)), max_size=10)


@settings(deadline=None)
@given(pairs)
def test_multi_items_round_trip(items: list[tuple[str, str]]) -> None:
    d = MultiDict(items)
    rebuilt = sorted(d.items(multi=True))
    assert rebuilt == sorted(items)
    for key, _value in items:
        assert d.getlist(key) == [v for k, v in items if k == key]
