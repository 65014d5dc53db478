"""Template introspection, as jinja2.meta offers it: which variables a template reads from
its context, and which other templates it references.

Owns ``find_undeclared_variables`` and ``find_referenced_templates``.

Rules for undeclared variables (the names the compiled template looks up in the context,
decided the way Jinja2's compiler decides them):
- Each function the compiler emits has its own symbol table: the template body, each
  for-loop body (and its ``else`` and filter test), macro and call-block bodies, ``with``,
  ``filter`` and ``set`` blocks, and ``scope``. A table is filled from its own statements
  in order; nested tables are filled afterwards and see their parent's final table.
- A name read before anything in the chain of tables assigns it is resolved from the
  context. A name assigned in only some branches of an ``if`` (and not before it) is
  resolved from the context too, unless an enclosing table knows it.
- ``block`` bodies and overlay scopes have no parent table: names they read and do not
  assign come from the context.
- Names in the environment's globals are never reported; nor are the implicit ``self``,
  ``super`` (in blocks), ``loop`` (in loop bodies), ``caller``, ``varargs`` and ``kwargs``
  (in macros) that the compiler provides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import nodes

__all__ = ["find_referenced_templates", "find_undeclared_variables"]

_PARAM, _RESOLVE, _ALIAS, _UNDEFINED = "param", "resolve", "alias", "undefined"


class _Symbols:
    """How each name of one compiled function gets its value, with the enclosing table."""

    def __init__(self, parent: _Symbols | None, params: Iterable[str] = ()) -> None:
        self.parent = parent
        self.actions: dict[str, str] = {}
        self.stores: set[str] = set()
        for name in params:
            self.declare_parameter(name)

    def find(self, name: str) -> str | None:
        table: _Symbols | None = self
        while table is not None:
            if name in table.actions:
                return table.actions[name]
            table = table.parent
        return None

    def load(self, name: str) -> None:
        if self.find(name) is None:
            self.actions[name] = _RESOLVE

    def store(self, name: str) -> None:
        self.stores.add(name)
        if name not in self.actions:
            known_outside = self.parent is not None and self.parent.find(name) is not None
            self.actions[name] = _ALIAS if known_outside else _UNDEFINED

    def declare_parameter(self, name: str) -> None:
        self.stores.add(name)
        self.actions[name] = _PARAM

    def copy(self) -> _Symbols:
        clone = _Symbols(self.parent)
        clone.actions = dict(self.actions)
        clone.stores = set(self.stores)
        return clone

    def branch_update(self, branches: list[_Symbols]) -> None:
        """Merge the tables of an ``if``'s branches back into this one."""
        assigned_in_branches: set[str] = set()
        for branch in branches:
            assigned_in_branches |= branch.stores
        assigned_in_branches -= self.stores
        for branch in branches:
            self.actions.update(branch.actions)
            self.stores |= branch.stores
        for name in assigned_in_branches:
            known_outside = self.parent is not None and self.parent.find(name) is not None
            self.actions[name] = _ALIAS if known_outside else _RESOLVE

    def resolved(self) -> set[str]:
        return {name for name, action in self.actions.items() if action == _RESOLVE}


class _Scanner:
    """Fill one function's table from its statements; queue nested functions."""

    def __init__(self, table: _Symbols, pending: list[tuple[Any, ...]]) -> None:
        self.owner = table  # nested functions hang below the final table
        self.table = table  # the view being filled (a copy inside if-branches)
        self.pending = pending

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
            self.table.load(node.name)
        elif node.ctx == "param":
            self.table.declare_parameter(node.name)
        else:
            self.table.store(node.name)

    def visit_NSRef(self, node: nodes.NSRef) -> None:
        self.table.load(node.name)

    def visit_Assign(self, node: nodes.Assign) -> None:
        self.visit(node.node)
        self.visit(node.target)

    def visit_If(self, node: nodes.If) -> None:
        self.visit(node.test)
        before = self.table
        branches = []
        for body in (node.body, node.elif_, node.else_ or ()):
            self.table = before.copy()
            self.visit_all(body)
            branches.append(self.table)
        self.table = before
        before.branch_update(branches)

    def visit_Macro(self, node: nodes.Macro) -> None:
        self.table.store(node.name)
        self.pending.append(("macro", node, self.owner))

    def visit_CallBlock(self, node: nodes.CallBlock) -> None:
        self.visit(node.call)
        self.pending.append(("macro", node, self.owner))

    def visit_For(self, node: nodes.For) -> None:
        self.visit(node.iter)
        self.pending.append(("for", node, self.owner))

    def visit_FilterBlock(self, node: nodes.FilterBlock) -> None:
        self.visit(node.filter)
        self.pending.append(("inner", node, self.owner, [*node.body, node.filter]))

    def visit_With(self, node: nodes.With) -> None:
        self.visit_all(node.values)
        self.pending.append(("inner", node, self.owner, [*node.targets, *node.body]))

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> None:
        self.visit(node.target)
        self.pending.append(("inner", node, self.owner, list(node.body)))

    def visit_Scope(self, node: nodes.Scope) -> None:
        self.pending.append(("inner", node, self.owner, list(node.body)))

    def visit_OverlayScope(self, node: nodes.OverlayScope) -> None:
        self.visit(node.context)
        self.pending.append(("inner", node, None, list(node.body)))

    def visit_Block(self, node: nodes.Block) -> None:
        self.pending.append(("block", node, None))

    def visit_Import(self, node: nodes.Import) -> None:
        self.visit(node.template)
        self.table.store(node.target)

    def visit_FromImport(self, node: nodes.FromImport) -> None:
        self.visit(node.template)
        for name in node.names:
            self.table.store(name[1] if isinstance(name, tuple) else name)


_MACRO_IMPLICIT = ("caller", "varargs", "kwargs")


def _scan(table: _Symbols, body: Iterable[nodes.Node], found: set[str]) -> None:
    """Fill ``table`` from ``body``, record what it resolves, then do the nested ones."""
    pending: list[tuple[Any, ...]] = []
    _Scanner(table, pending).visit_all(body)
    found |= table.resolved()
    for entry in pending:
        kind, node, parent = entry[0], entry[1], entry[2]
        if kind == "inner":
            _scan(_Symbols(parent), entry[3], found)
        elif kind == "block":
            _scan(_Symbols(None, ("self", "super")), node.body, found)
        elif kind == "macro":
            # Parameters and defaults belong to the macro's own table.
            inner = [*node.args, *node.defaults, *node.body]
            _scan(_Symbols(parent, _MACRO_IMPLICIT), inner, found)
        else:
            _scan_for(node, parent, found)


def _scan_for(node: nodes.For, parent: _Symbols, found: set[str]) -> None:
    target = node.target
    targets = [target.name] if isinstance(target, nodes.Name) else []
    targets += [n.name for n in target.find_all(nodes.Name)]
    _scan(_Symbols(parent, ["loop", *targets]), node.body, found)
    if node.else_:
        _scan(_Symbols(parent), node.else_, found)
    if node.test is not None:
        _scan(_Symbols(parent, targets), [node.test], found)


def find_undeclared_variables(ast: nodes.Template) -> set[str]:
    """The names the template looks up in its render context (see the module rules)."""
    environment = getattr(ast, "environment", None)
    known_globals = set(getattr(environment, "globals", None) or ())
    found: set[str] = set()
    _scan(_Symbols(None, ("self",)), ast.body, found)
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
