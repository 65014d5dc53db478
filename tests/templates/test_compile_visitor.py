"""NodeVisitor / NodeTransformer over parsed templates."""

from __future__ import annotations

from kettle.templates import Environment, nodes
from kettle.templates.compiler import CodeGenerator
from kettle.templates.compiler_expr import ExpressionCompiler
from kettle.templates.compiler_protocol import GeneratorParts
from kettle.templates.compiler_stmt import StatementCompiler
from kettle.templates.compiler_struct import StructureCompiler
from kettle.templates.nativetypes import NativeCodeGenerator
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


def test_code_generator_implements_every_shared_method() -> None:
    declared = [
        name
        for name, value in vars(GeneratorParts).items()
        if callable(value) and not name.startswith("_")
    ]
    assert "line" in declared and "expr_Call" in declared and "export_names" in declared
    for generator in (CodeGenerator, NativeCodeGenerator):
        missing = [n for n in declared if getattr(generator, n) is getattr(GeneratorParts, n)]
        assert missing == [], generator.__name__
    # The protocol comes last, so none of its declarations shadows an implementation.
    assert CodeGenerator.__mro__[1:5] == (
        StructureCompiler,
        StatementCompiler,
        ExpressionCompiler,
        GeneratorParts,
    )
