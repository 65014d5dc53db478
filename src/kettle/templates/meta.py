"""Template introspection, as jinja2.meta offers it: which variables a template reads from
its context, and which other templates it references.

Owns ``find_undeclared_variables`` and ``find_referenced_templates``.

Rules for undeclared variables (the names the compiled template looks up in the context,
as Jinja2's compiler decides them):
- Each function the compiler emits is a frame: the template body, each for-loop body (and
  its ``else`` and filter test), macro and call-block bodies, ``with``, ``filter`` and
  ``set`` blocks, and ``scope``. A frame's own statements are scanned in order first; a
  name read before the frame (or an enclosing frame) assigns it is looked up in the
  context. Nested frames are scanned afterwards, seeing everything their parents assign.
- ``block`` bodies are separate functions without a parent frame: every name they read
  that they do not assign themselves comes from the context.
- Branches of ``if`` each start from the assignments made before the ``if``.
- Names defined by the environment's globals are never reported; nor are the implicit
  ``self``, ``super``, ``loop`` (in loop bodies), ``caller``, ``varargs`` and ``kwargs``
  (in macros) that the compiler provides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import nodes

__all__ = ["find_referenced_templates", "find_undeclared_variables"]


class _Frame:
    """The names known in one compiled function, with a link to the enclosing one."""

    def __init__(self, parent: _Frame | None, implicit: Iterable[str] = ()) -> None:
        self.parent = parent
        self.names: set[str] = set(implicit)

    def knows(self, name: str) -> bool:
        frame: _Frame | None = self
        while frame is not None:
            if name in frame.names:
                return True
            frame = frame.parent
        return False

    def copy(self) -> _Frame:
        clone = _Frame(self.parent)
        clone.names = set(self.names)
        return clone


_MACRO_IMPLICIT = ("caller", "varargs", "kwargs")


class _Scanner:
    """Scan one frame's statements in order; queue nested frames for later."""

    def __init__(self, frame: _Frame, found: set[str], pending: list[tuple[Any, ...]]) -> None:
        self.frame = frame
        self.found = found
        self.pending = pending

    def load(self, name: str) -> None:
        if not self.frame.knows(name):
            self.found.add(name)
            # Once resolved from the context it is a known local of this frame.
            self.frame.names.add(name)

    def store(self, name: str) -> None:
        self.frame.names.add(name)

    def visit_all(self, items: Iterable[nodes.Node]) -> None:
        for item in items:
            self.visit(item)

    def visit(self, node: nodes.Node) -> None:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            method(node)
        else:
            self.visit_all(node.iter_child_nodes())

    def visit_Name(self, node: nodes.Name) -> None:
        if node.ctx == "load":
            self.load(node.name)
        else:  # store and param
            self.store(node.name)

    def visit_NSRef(self, node: nodes.NSRef) -> None:
        self.load(node.name)

    def visit_Assign(self, node: nodes.Assign) -> None:
        self.visit(node.node)
        self.visit(node.target)

    def visit_If(self, node: nodes.If) -> None:
        self.visit(node.test)
        before = self.frame
        branches = []
        for body in (node.body, node.elif_, node.else_ or ()):
            self.frame = before.copy()
            self.visit_all(body)
            branches.append(self.frame)
        self.frame = before
        for branch in branches:
            before.names |= branch.names

    def visit_Macro(self, node: nodes.Macro) -> None:
        self.store(node.name)
        self.pending.append(("function", node, self.frame))

    def visit_CallBlock(self, node: nodes.CallBlock) -> None:
        self.visit(node.call)
        self.pending.append(("function", node, self.frame))

    def visit_For(self, node: nodes.For) -> None:
        self.visit(node.iter)
        self.pending.append(("for", node, self.frame))

    def visit_FilterBlock(self, node: nodes.FilterBlock) -> None:
        self.visit(node.filter)
        self.pending.append(("inner", node, self.frame, [node.filter, *node.body]))

    def visit_With(self, node: nodes.With) -> None:
        self.visit_all(node.values)
        self.pending.append(("inner", node, self.frame, [*node.targets, *node.body]))

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> None:
        self.visit(node.target)
        filters = [node.filter] if node.filter is not None else []
        self.pending.append(("inner", node, self.frame, [*node.body, *filters]))

    def visit_Scope(self, node: nodes.Scope) -> None:
        self.pending.append(("inner", node, self.frame, list(node.body)))

    def visit_OverlayScope(self, node: nodes.OverlayScope) -> None:
        self.visit(node.context)
        self.pending.append(("inner", node, self.frame, list(node.body)))

    def visit_Block(self, node: nodes.Block) -> None:
        self.pending.append(("block", node, None))

    def visit_Import(self, node: nodes.Import) -> None:
        self.visit(node.template)
        self.store(node.target)

    def visit_FromImport(self, node: nodes.FromImport) -> None:
        self.visit(node.template)
        for name in node.names:
            self.store(name[1] if isinstance(name, tuple) else name)


def _scan_frame(frame: _Frame, body: Iterable[nodes.Node], found: set[str]) -> None:
    """Scan ``body`` as the statements of ``frame``, then each nested frame it holds."""
    pending: list[tuple[Any, ...]] = []
    _Scanner(frame, found, pending).visit_all(body)
    for entry in pending:
        kind, node, parent = entry[0], entry[1], entry[2]
        if kind == "inner":
            _scan_frame(_Frame(parent), entry[3], found)
        elif kind == "block":
            _scan_frame(_Frame(None, ("self", "super")), node.body, found)
        elif kind == "function":
            # Parameters and defaults are scanned inside the macro's own frame.
            inner = [*node.args, *node.defaults, *node.body]
            _scan_frame(_Frame(parent, _MACRO_IMPLICIT), inner, found)
        else:
            _scan_for(node, parent, found)


def _scan_for(node: nodes.For, parent: _Frame, found: set[str]) -> None:
    if node.test is not None:
        _scan_frame(_Frame(parent), [node.target, node.test], found)
    _scan_frame(_Frame(parent, ("loop",)), [node.target, *node.body], found)
    if node.else_:
        _scan_frame(_Frame(parent), node.else_, found)


def find_undeclared_variables(ast: nodes.Template) -> set[str]:
    """The names the template looks up in its render context (see the module rules)."""
    environment = getattr(ast, "environment", None)
    known_globals = set(getattr(environment, "globals", None) or ())
    found: set[str] = set()
    _scan_frame(_Frame(None, ("self",)), ast.body, found)
    return found - known_globals


_REF_TYPES = (nodes.Extends, nodes.FromImport, nodes.Import, nodes.Include)


def _names_in(node: Any) -> Iterator[str | None]:
    template = node.template
    if isinstance(template, nodes.Const):
        value = template.value
        if isinstance(value, str):
            yield value
        elif isinstance(node, nodes.Include) and isinstance(value, (tuple, list)):
            # a constant list of fallbacks: only string entries name templates
            yield from (name for name in value if isinstance(name, str))
        else:
            yield None
    elif isinstance(template, (nodes.Tuple, nodes.List)):
        for item in template.items:
            if not isinstance(item, nodes.Const):
                yield None
            elif isinstance(item.value, str):
                yield item.value
    else:
        yield None


def find_referenced_templates(ast: nodes.Template) -> Iterator[str | None]:
    """Yield the names of templates extended, included or imported, in source order;
    ``None`` stands for each name only known at render time."""
    for node in ast.find_all(_REF_TYPES):
        yield from _names_in(node)
