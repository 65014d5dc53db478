"""The small containers of Werkzeug's datastructures family (kettle.http.structures)."""

from __future__ import annotations

import copy
import io
import pickle

import pytest

from kettle.http.formparser import FileStorage
from kettle.http.multidict import MultiDict
from kettle.http.structures import (
    CallbackDict,
    FileMultiDict,
    ImmutableDict,
    ImmutableList,
    ImmutableOrderedMultiDict,
    ImmutableTypeConversionDict,
    OrderedMultiDict,
    TypeConversionDict,
    iter_multi_items,
)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("a", 2),
        lambda d: d.__delitem__("a"),
        lambda d: d.update(b=2),
        lambda d: d.pop("a"),
        lambda d: d.popitem(),
        lambda d: d.clear(),
        lambda d: d.setdefault("c", 3),
    ],
    ids=["setitem", "delitem", "update", "pop", "popitem", "clear", "setdefault"],
)
def test_immutable_dict_refuses_every_change(change):
    d = ImmutableDict(a=1)
    with pytest.raises(TypeError, match="'ImmutableDict' objects are immutable"):
        change(d)
    assert d == {"a": 1}


def test_immutable_dict_hash_copy_pickle():
    d = ImmutableDict({"a": 1, "b": 2})
    assert hash(d) == hash(ImmutableDict({"b": 2, "a": 1}))
    plain = d.copy()
    assert type(plain) is dict and plain == {"a": 1, "b": 2}
    assert copy.copy(d) is d
    assert pickle.loads(pickle.dumps(d)) == d
    assert type(pickle.loads(pickle.dumps(d))) is ImmutableDict
    assert repr(d) == "ImmutableDict({'a': 1, 'b': 2})"
    assert ImmutableDict.fromkeys(["x", "y"], 0) == {"x": 0, "y": 0}


def test_immutable_list():
    items = ImmutableList([1, 2, 3])
    for change in (lambda: items.append(4), lambda: items.__setitem__(0, 9), items.sort):
        with pytest.raises(TypeError, match="'ImmutableList' objects are immutable"):
            change()
    assert items == [1, 2, 3]
    assert hash(items) == hash((1, 2, 3))
    assert repr(items) == "ImmutableList([1, 2, 3])"


def test_type_conversion_dict():
    d = TypeConversionDict(n="42", bad="x")
    assert d.get("n", type=int) == 42
    assert d.get("bad", -1, type=int) == -1
    assert d.get("missing", "dflt") == "dflt"
    assert d.get("n") == "42"
    frozen = ImmutableTypeConversionDict(n="7")
    assert frozen.get("n", type=int) == 7
    with pytest.raises(TypeError):
        frozen["n"] = "8"
    assert type(frozen.copy()) is TypeConversionDict


def test_callback_dict_reports_only_real_changes():
    calls = []
    d = CallbackDict({"a": 1}, on_update=lambda value: calls.append(dict(value)))
    d["b"] = 2
    d.setdefault("a", 5)  # existing key: no change
    d.setdefault("c", 3)
    d.pop("missing", None)  # missing key: no change
    d.pop("a")
    d.update(z=0)
    del d["z"]
    assert calls == [
        {"a": 1, "b": 2},
        {"a": 1, "b": 2, "c": 3},
        {"b": 2, "c": 3},
        {"b": 2, "c": 3, "z": 0},
        {"b": 2, "c": 3},
    ]
    assert repr(d) == "<CallbackDict {'b': 2, 'c': 3}>"


def test_iter_multi_items():
    assert list(iter_multi_items({"a": [1, 2], "b": 3})) == [("a", 1), ("a", 2), ("b", 3)]
    assert list(iter_multi_items(MultiDict([("a", 1), ("a", 2)]))) == [("a", 1), ("a", 2)]
    assert list(iter_multi_items([("x", 1), ("x", 2)])) == [("x", 1), ("x", 2)]


def test_ordered_multidict_keeps_insertion_order_across_keys():
    d = OrderedMultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert list(d.items(multi=True)) == [("a", 1), ("b", 2), ("a", 3)]
    assert list(d.keys()) == ["a", "b"]
    assert d.getlist("a") == [1, 3]
    d["a"] = 9
    assert list(d.items(multi=True)) == [("b", 2), ("a", 9)]
    assert d.pop("b") == 2
    assert list(d.items(multi=True)) == [("a", 9)]
    frozen = ImmutableOrderedMultiDict([("k", "v")])
    with pytest.raises(TypeError):
        frozen.add("k", "w")
    assert hash(frozen) == hash(ImmutableOrderedMultiDict([("k", "v")]))


def test_ordered_multidict_pops_and_order_sensitive_hash():
    d = OrderedMultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert d.popitem() == ("b", 2)
    assert d.popitemlist() == ("a", [1, 3])
    with pytest.raises(OrderedMultiDict.key_error_class) as info:
        d.popitem()
    assert info.value.args == ("popitem(): dictionary is empty",)
    with pytest.raises(OrderedMultiDict.key_error_class):
        d.popitemlist()
    merged = OrderedMultiDict([("x", 1)]) | {"y": 2}
    assert type(merged) is OrderedMultiDict
    assert list(merged.items(multi=True)) == [("x", 1), ("y", 2)]
    one = ImmutableOrderedMultiDict([("a", 1), ("b", 1), ("a", 2)])
    other = ImmutableOrderedMultiDict([("a", 1), ("a", 2), ("b", 1)])
    assert one != other
    assert hash(one) != hash(other)
    assert hash(one) == hash(ImmutableOrderedMultiDict([("a", 1), ("b", 1), ("a", 2)]))


def test_file_multidict_add_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    files = FileMultiDict()
    files.add_file("doc", str(path))
    files.add_file("blob", io.BytesIO(b"x"), "data.bin", "application/x-thing")
    doc = files["doc"]
    assert isinstance(doc, FileStorage)
    assert (doc.name, doc.filename, doc.content_type) == ("doc", str(path), "text/plain")
    assert doc.stream.read() == b"hello"
    doc.stream.close()
    assert files["blob"].content_type == "application/x-thing"
