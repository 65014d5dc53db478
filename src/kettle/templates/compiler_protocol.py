"""What the code generator's halves may use of each other: one typing ``Protocol``.

``CodeGenerator`` (compiler.py) is assembled from three halves: ``StructureCompiler``
(compiler_struct.py), ``StatementCompiler`` (compiler_stmt.py) and
``ExpressionCompiler`` (compiler_expr.py). Each half calls methods that live in
``CodeGenerator`` or in another half; this protocol is the single list of them, with
their signatures, so mypy checks every such call and every implementation against it.

Rules: each half inherits ``GeneratorParts``; the protocol is the last base in
``CodeGenerator``'s method resolution order, so its declarations never shadow a real
method, and ``tests/templates/test_compile_visitor.py`` checks that ``CodeGenerator``
overrides every method declared here (the bodies here are never run). A method a half
adds for the others belongs here.
"""

from __future__ import annotations

from typing import Any, Protocol

from .nodes import Call, Filter, Node
from .scopes import Frame


class GeneratorParts(Protocol):
    """The state and the methods the compiler halves share (see the module docstring)."""

    environment: Any
    name: str | None
    filename: str | None
    is_async: bool
    sandboxed: bool
    fast_attr: bool
    fine: bool
    indentation: int
    # A default makes the attribute concrete, so mypy types the halves' assignments to it.
    has_known_extends: bool = False
    extends_so_far: int
    filter_aliases: dict[str, str]
    test_aliases: dict[str, str]
    import_aliases: dict[str, str]

    # -- writing lines and frames (CodeGenerator) -------------------------------------------

    def line(self, code: str, node: Node | None = None) -> None: ...
    def indent(self) -> int: ...
    def outdent(self, mark: int | None = None) -> None: ...
    def new_frame(
        self, parent: Frame | None, function: bool = False, eval_ctx: Any = None
    ) -> Frame: ...
    def enter(self, frame: Frame) -> None: ...
    def leave(self, frame: Frame) -> None: ...
    def declare_stores(self, frame: Frame, body: list[Node]) -> None: ...
    def body(self, statements: list[Node], frame: Frame) -> None: ...
    def emit(self, code: str, frame: Frame, node: Node | None = None) -> None: ...
    def yield_from(self, code: str, frame: Frame, node: Node | None = None) -> None: ...

    # -- expressions (ExpressionCompiler) ---------------------------------------------------

    def temp(self) -> str: ...
    def fail(self, msg: str, lineno: int) -> Any: ...
    def position(self, node: Node) -> str: ...
    def awaited(self, code: str) -> str: ...
    def expr(self, node: Node, frame: Frame) -> str: ...
    def expr_Call(self, node: Call, frame: Frame, extra: dict[str, str] | None = None) -> str: ...
    def expr_Filter(self, node: Filter, frame: Frame, value: str | None = None) -> str: ...
    def derive_context(self, frame: Frame) -> str: ...
    def dump_locals(self, frame: Frame) -> str: ...

    # -- statements (StatementCompiler) -----------------------------------------------------

    def export_names(self, names: list[str], frame: Frame) -> None: ...
