"""For loops whose body reads only loop.index/index0/first and loop.cycle(...) run on
``enumerate`` instead of a LoopContext; every other use of ``loop`` keeps the LoopContext.
Both forms render exactly as Jinja2 does (Jinja2 is a peer for comparison only)."""

from __future__ import annotations

import jinja2
import pytest

import kettle.templates as kt
from kettle.templates.sandbox import SandboxedEnvironment

LIBRARY = {"inc": "[{{ loop.index if loop is defined else '-' }}|{{ x }}]"}

CASES = [
    # (id, template, runs on enumerate)
    ("index", "{% for x in 'abc' %}{{ loop.index }}{{ x }}{% endfor %}", True),
    ("index0-first", "{% for x in 'ab' %}{{ loop.index0 }}{{ loop.first }}{% endfor %}", True),
    ("cycle", "{% for x in 'abcde' %}{{ loop.cycle('o', 'e', x) }}{% endfor %}", True),
    ("cycle-special", "{% for x in 'abc' %}{{ loop.cycle('<b>', 'c&d', '\"q\"') }}"
     "{% endfor %}", True),
    ("cycle-one", "{% for x in 'ab' %}{{ loop.cycle('only') }}{% endfor %}", True),
    ("in-if", "{% for x in 'ab' %}{% if loop.first %}F{% else %}{{ loop.index }}{% endif %}"
     "{% endfor %}", True),
    ("tuple-target", "{% for a, b in [(1, 2), (3, 4)] %}{{ loop.index }}{{ a }}{{ b }}"
     "{% endfor %}", True),
    ("filtered", "{% for x in 'abcb' if x != 'b' %}{{ loop.index }}{{ x }}{% endfor %}", True),
    ("else", "{% for x in [] %}{{ loop.index }}{% else %}none{% endfor %}", True),
    ("nested-inner-else", "{% for x in 'ab' %}{% for y in [] %}{{ y }}{% else %}"
     "{{ loop.index }}{% endfor %}{% endfor %}", True),
    ("nested-both", "{% for x in 'ab' %}{% for y in 'cd' %}{{ loop.index }}{% endfor %}"
     "{{ loop.cycle('-', '+') }}{% endfor %}", True),
    ("set-from-index", "{% for x in 'ab' %}{% set n = loop.index * 10 %}{{ n }}{% endfor %}",
     True),
    ("undefined-iterable", "{% for x in missing %}{{ loop.index }}{% endfor %}!", True),
    ("last", "{% for x in 'abc' %}{{ loop.last }}{% endfor %}", False),
    ("length", "{% for x in 'abc' %}{{ loop.length }}{% endfor %}", False),
    ("revindex", "{% for x in 'abc' %}{{ loop.revindex }}{% endfor %}", False),
    ("changed", "{% for x in 'aab' %}{{ loop.changed(x) }}{% endfor %}", False),
    ("bare-loop", "{% for x in 'ab' %}{{ loop }}{% endfor %}", False),
    ("getitem", "{% for x in 'ab' %}{{ loop['index'] }}{% endfor %}", False),
    ("cycle-star", "{% for x in 'ab' %}{{ loop.cycle(*['p', 'q']) }}{% endfor %}", False),
    ("cycle-empty", "{% for x in 'ab' %}{{ loop.cycle() if false else loop.index }}"
     "{% endfor %}", False),
    ("include", "{% for x in 'ab' %}{{ loop.index }}{% include 'inc' %}{% endfor %}", False),
    ("macro", "{% for x in 'ab' %}{% macro m() %}{{ loop.index }}{% endmacro %}{{ m() }}"
     "{% endfor %}", False),
    ("call-block", "{% macro w() %}({{ caller() }}){% endmacro %}{% for x in 'ab' %}"
     "{% call w() %}{{ loop.index }}{% endcall %}{% endfor %}", False),
    ("recursive", "{% for x in [[1], [2, [3]]] recursive %}{{ loop.index }}"
     "{% if x is iterable %}{{ loop(x) }}{% endif %}{% endfor %}", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "enumerated"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("autoescape", [False, True], ids=["plain", "autoescape"])
def test_loop_renders_like_jinja2(source: str, enumerated: bool, autoescape: bool) -> None:
    ours = kt.Environment(loader=kt.DictLoader(LIBRARY), autoescape=autoescape)
    theirs = jinja2.Environment(loader=jinja2.DictLoader(LIBRARY), autoescape=autoescape)
    expected = theirs.from_string(source).render()
    assert ours.from_string(source).render() == expected
    code = ours.compile(source, raw=True)
    assert ("enumerate(" in code) is enumerated
    assert ("LoopContext(" in code) is not enumerated


def test_sandbox_and_async_keep_the_loop_object() -> None:
    source = "{% for x in 'ab' %}{{ loop.cycle('o', 'e') }}{{ loop.index }}{% endfor %}"
    sandboxed = SandboxedEnvironment()
    assert "enumerate(" not in sandboxed.compile(source, raw=True)
    assert sandboxed.from_string(source).render() == "o1e2"
    asynchronous = kt.Environment(enable_async=True)
    assert "enumerate(" not in asynchronous.compile(source, raw=True)
    assert asynchronous.from_string(source).render() == "o1e2"


@pytest.mark.parametrize(
    "source",
    [
        "{% for x in 'ab' %}{% for y in 'cd' if loop.index == 1 %}{{ y }}{% endfor %}{% endfor %}",
        "{% for x in 'ab' %}{% for y in [] %}{% else %}{{ loop.index }}{% endfor %}{% endfor %}",
    ],
    ids=["inner-test", "inner-else"],
)
def test_nested_loop_test_and_else_read_the_outer_loop(source: str) -> None:
    expected = jinja2.Environment().from_string(source).render()
    assert kt.Environment().from_string(source).render() == expected


def test_cycle_of_plain_constants_is_not_escaped_at_runtime() -> None:
    env = kt.Environment(autoescape=True)
    plain = env.compile(
        "{% for x in 'ab' %}<{{ loop.cycle('odd', 'even') }}>{% endfor %}", raw=True
    )
    assert "('odd', 'even',)[l_1_loop % 2]," in plain
    assert "escape_str(_o) if (_t := type(_o := ('odd'" not in plain
    special = env.compile("{% for x in 'ab' %}{{ loop.cycle('<i>', 'b') }}{% endfor %}", raw=True)
    assert "escape_str(_o) if (_t := type(_o := ('<i>', 'b',)[l_1_loop % 2]))" in special
