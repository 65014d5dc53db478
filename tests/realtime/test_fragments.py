"""Server-pushed HTML fragments: their JSON and SSE forms, validation, and rendering a
block or a macro of a kettle.templates template."""

from __future__ import annotations

import json

import pytest

import kettle.templates
from kettle.realtime.fragments import (
    Fragment,
    append,
    dumps,
    prepend,
    remove,
    render_block,
    render_macro,
    replace,
)


def test_fragment_json_forms() -> None:
    assert replace("card-1", "<li>x</li>").to_json() == (
        '{"op":"replace","target":"card-1","html":"<li>x</li>"}'
    )
    assert remove("card-1").to_dict() == {"op": "remove", "target": "card-1"}
    assert json.loads(dumps([append("list", "<li>a</li>"), prepend("list", "<li>b</li>")])) == [
        {"op": "append", "target": "list", "html": "<li>a</li>"},
        {"op": "prepend", "target": "list", "html": "<li>b</li>"},
    ]


def test_fragment_as_server_sent_event() -> None:
    assert replace("n", "<b>1</b>").to_event().encode() == (
        b'event: fragment\ndata: {"op":"replace","target":"n","html":"<b>1</b>"}\n\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("morph", "x"), "unknown fragment op 'morph' (expected one of"),
        (("replace", ""), "fragment target must be an element id, got ''"),
        (("replace", "a b"), "fragment target must be an element id, got 'a b'"),
    ],
    ids=["op", "empty-target", "space-target"],
)
def test_fragment_validation(args: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError) as info:
        Fragment(*args)
    assert str(info.value).startswith(message)


def environment() -> kettle.templates.Environment:
    return kettle.templates.Environment(autoescape=True)


SOURCE = (
    "<ul id='list'>{% block items %}{% for i in items %}<li>{{ i }}</li>{% endfor %}"
    "{% endblock %}</ul>{% macro card(title) %}<div class=card>{{ title }}</div>{% endmacro %}"
)


def test_render_block_and_macro() -> None:
    template = environment().from_string(SOURCE)
    assert render_block(template, "items", items=["a", "<b>"]) == "<li>a</li><li>&lt;b&gt;</li>"
    assert render_macro(template, "card", "T & U") == "<div class=card>T &amp; U</div>"
    with pytest.raises(KeyError):
        render_block(template, "missing")
    with pytest.raises(KeyError):
        render_macro(template, "missing")
