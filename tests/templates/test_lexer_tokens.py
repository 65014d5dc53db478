"""The lexer's token stream, the parser's tree, and TokenStream's small vocabulary."""

from __future__ import annotations

import pickle

import pytest

from kettle.templates import (
    Environment,
    TemplateSyntaxError,
    lexer,
    nodes,
    nodes_base,
    nodes_expr,
    nodes_stmt,
)
from kettle.templates import tokens as token_defs
from kettle.templates.lexer import Token, TokenStream


def tokens(source: str, **options: object) -> list[tuple[int, str, object]]:
    env = Environment(**options)  # type: ignore[arg-type]
    return [tuple(t) for t in env.lexer.tokenize(source)]  # type: ignore[misc]


def test_token_kinds_and_values() -> None:
    assert tokens("a{{ x.y|f(1, 'a\\n', 2.5e1) }}") == [
        (1, "data", "a"),
        (1, "variable_begin", "{{"),
        (1, "name", "x"),
        (1, "dot", "."),
        (1, "name", "y"),
        (1, "pipe", "|"),
        (1, "name", "f"),
        (1, "lparen", "("),
        (1, "integer", 1),
        (1, "comma", ","),
        (1, "string", "a\n"),
        (1, "comma", ","),
        (1, "float", 25.0),
        (1, "rparen", ")"),
        (1, "variable_end", "}}"),
    ]


def test_numbers_with_underscores_and_bases() -> None:
    values = [t[2] for t in tokens("{{ 1_000 0x1F 0o17 0b101 1_0.5 }}")[1:-1]]
    assert values == [1000, 31, 15, 5, 10.5]


def test_line_numbers_follow_newlines() -> None:
    found = [(t[0], t[1]) for t in tokens("a\n{% if x\n %}\n{{ y }}")]
    assert found == [
        (1, "data"),
        (2, "block_begin"),
        (2, "name"),
        (2, "name"),
        (3, "block_end"),
        (3, "data"),
        (4, "variable_begin"),
        (4, "name"),
        (4, "variable_end"),
    ]


def test_nested_braces_do_not_end_the_tag() -> None:
    assert Environment().from_string("{{ {'a': {'b': 1}}['a']['b'] }}").render() == "1"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("  {%- if true %}x{% endif -%}  \n", "x"),
        ("a\n  {% if true %}\nb{% endif %}", "a\n  \nb"),
        ("{{- ' a ' -}}", " a "),
        ("x {#- c -#} y", "xy"),
        ("{% raw -%}  {{ x }}  {%- endraw %}", "{{ x }}"),
    ],
    ids=["strip-both", "no-trim-by-default", "expr-kept", "comment-strip", "raw-strip"],
)
def test_whitespace_control(source: str, expected: str) -> None:
    assert Environment().from_string(source).render() == expected


def test_plus_disables_lstrip_and_trim() -> None:
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    assert env.from_string("  {%+ if true %}\nx{% endif %}").render() == "  x"
    assert env.from_string("  {%+ if true +%}\nx{% endif +%}\n").render() == "  \nx"


def test_token_stream_vocabulary() -> None:
    stream = TokenStream(
        iter([Token(1, "name", "for"), Token(1, "name", "x"), Token(2, "comma", ",")]), "t", None
    )
    assert stream.current.test("name:for")
    assert stream.look().test("name:x")
    assert stream.next_if("name:nope") is None
    assert stream.skip_if("name:for")
    assert stream.expect("name").value == "x"
    with pytest.raises(TemplateSyntaxError, match="expected token 'name', got ','"):
        stream.expect("name")
    next(stream)
    assert stream.eos
    with pytest.raises(TemplateSyntaxError, match=r"unexpected end of template, expected 'x'\."):
        stream.expect("name:x")


def test_parse_tree_shape() -> None:
    tree = Environment().parse("{% for a in b if a %}{{ a|f(1) }}{% endfor %}")
    loop = tree.body[0]
    assert isinstance(loop, nodes.For)
    assert loop.target == nodes.Name("a", "store")
    assert loop.iter == nodes.Name("b", "load")
    assert isinstance(loop.test, nodes.Name)
    output = loop.body[0]
    assert isinstance(output, nodes.Output)
    flt = output.nodes[0]
    assert isinstance(flt, nodes.Filter)
    assert (flt.name, flt.args) == ("f", [nodes.Const(1)])
    assert [n.name for n in tree.find_all(nodes.Name)] == ["a", "b", "a", "a"]


def test_node_helpers() -> None:
    node = nodes.Add(nodes.Const(1), nodes.Const(2))
    node.set_lineno(7)
    assert node.lineno == 7 and node.left.lineno == 7
    assert list(node.iter_fields()) == [("left", nodes.Const(1)), ("right", nodes.Const(2))]
    assert node.as_const(nodes.EvalContext(Environment())) == 3
    with pytest.raises(TypeError, match="'Const' takes 0 or 1 argument"):
        nodes.Const(1, 2)
    with pytest.raises(nodes.Impossible):
        nodes.Name("x", "load").as_const()


def test_nodes_module_is_the_home_of_every_node_class() -> None:
    classes = {
        value
        for module in (nodes_base, nodes_stmt, nodes_expr)
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__.startswith("kettle.templates.nodes")
    }
    # 5 in nodes_base, 22 statement and 44 expression classes.
    assert len(classes) == 71
    for value in classes:
        assert value.__module__ == "kettle.templates.nodes", value
        assert getattr(nodes, value.__name__) is value
    assert nodes.Output.__module__ == "kettle.templates.nodes"
    assert repr(nodes.Const) == "<class 'kettle.templates.nodes.Const'>"
    tree = Environment().parse("{% for x in y %}{{ x|upper + 1 }}{% endfor %}")
    assert pickle.loads(pickle.dumps(tree)) == tree


def test_lexer_reexports_the_token_vocabulary() -> None:
    for name in ("Token", "TokenStream", "TokenStreamIterator", "describe_token", "TOKEN_EOF"):
        assert getattr(lexer, name) is getattr(token_defs, name)
    assert lexer.OPERATORS["//"] == "floordiv"
    assert set(lexer.__all__) >= {"Lexer", "get_lexer", "Failure", "OptionalLStrip"}
