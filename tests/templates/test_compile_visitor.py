"""NodeVisitor / NodeTransformer over parsed templates."""

from __future__ import annotations

from kettle.templates import Environment, nodes
from kettle.templates.visitor import NodeTransformer, NodeVisitor


class NameCollector(NodeVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Name(self, node: nodes.Name) -> None:
        self.names.append(node.name)


class UpperConsts(NodeTransformer):
    def visit_Const(self, node: nodes.Const) -> nodes.Const:
        if isinstance(node.value, str):
            return nodes.Const(node.value.upper(), lineno=node.lineno)
        return node


class DropIfs(NodeTransformer):
    def visit_If(self, node: nodes.If) -> None:
        return None


def test_visitor_collects_in_order() -> None:
    tree = Environment().parse("{{ a + b }}{% for c in d %}{{ c }}{% endfor %}")
    collector = NameCollector()
    collector.visit(tree)
    assert collector.names == ["a", "b", "c", "d", "c"]


def test_transformer_rewrites_and_removes_nodes() -> None:
    env = Environment()
    tree = env.parse("{{ 'x' ~ y }}{% if true %}gone{% endif %}!")
    tree = DropIfs().visit(UpperConsts().visit(tree))
    template = env.from_string(tree)
    assert template.render(y="y") == "Xy!"


def test_code_generator_subclass_can_override_expression_visitors() -> None:
    from kettle.templates.compiler import CodeGenerator

    class Shouting(CodeGenerator):
        def visit_Const(self, node: nodes.Const, frame: object = None) -> None:
            if isinstance(node.value, str):
                self.write(repr(node.value.upper()))
            else:
                super().visit_Const(node, frame)  # type: ignore[misc]

    class ShoutingEnvironment(Environment):
        code_generator_class = Shouting

    template = ShoutingEnvironment().from_string("{% set a = 'hi' %}{{ a }} {{ 1 + 1 }}")
    assert template.render() == "HI 2"
