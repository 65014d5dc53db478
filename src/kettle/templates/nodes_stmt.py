"""Statement nodes of the template syntax tree (``for``, ``if``, ``macro``, ``block``,
``include``, assignments, scopes...), with jinja2.nodes' class names and fields.

Rules: statement nodes only declare their ``fields``; they carry no behaviour of their own
(the compiler and the visitors give them meaning). ``Template`` is the root of every tree.
The public home of every class here is ``kettle.templates.nodes``, which re-exports them.
"""

from __future__ import annotations

from .nodes_base import Node, Stmt


class Template(Node):
    fields = ("body",)


class Output(Stmt):
    fields = ("nodes",)


class Extends(Stmt):
    fields = ("template",)


class For(Stmt):
    fields = ("target", "iter", "body", "else_", "test", "recursive")


class If(Stmt):
    fields = ("test", "body", "elif_", "else_")


class Macro(Stmt):
    fields = ("name", "args", "defaults", "body")


class CallBlock(Stmt):
    fields = ("call", "args", "defaults", "body")


class FilterBlock(Stmt):
    fields = ("body", "filter")


class With(Stmt):
    fields = ("targets", "values", "body")


class Block(Stmt):
    fields = ("name", "body", "scoped", "required")


class Include(Stmt):
    fields = ("template", "with_context", "ignore_missing")


class Import(Stmt):
    fields = ("template", "target", "with_context")


class FromImport(Stmt):
    fields = ("template", "names", "with_context")


class ExprStmt(Stmt):
    fields = ("node",)


class Assign(Stmt):
    fields = ("target", "node")


class AssignBlock(Stmt):
    fields = ("target", "filter", "body")


class Continue(Stmt):
    pass


class Break(Stmt):
    pass


class Scope(Stmt):
    fields = ("body",)


class OverlayScope(Stmt):
    fields = ("context", "body")


class EvalContextModifier(Stmt):
    fields = ("options",)


class ScopedEvalContextModifier(EvalContextModifier):
    fields = ("body",)
