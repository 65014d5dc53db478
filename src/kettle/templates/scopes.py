"""Compile-time scopes: which template names live in which generated Python locals.

Rules (Jinja 2.9+ scoping): a frame is the root, a block, a macro or call block (each a
Python function), or an inline scope (a loop body, ``with``, ``{% set %}`` block, filter
block). Names stored in a frame are local to it and shadow outer ones for the whole frame.
Inline frames start their stored names as the outer value; a function frame resolves a
stored name from the context only if its own code reads it before assigning it, and
otherwise starts it as ``missing`` (read as undefined), exactly like Jinja. A name found
nowhere is resolved from the context once, at the start of the nearest function frame.
``self`` and ``super`` are special at the root of a template or block. Identifiers are
``l_<depth>_<name>``: unique along every chain of enclosing frames, as in Jinja.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from . import nodes

PARAM = "param"
STORE = "store"
RESOLVE = "resolve"
SELF = "self"
SUPER = "super"


class Frame:
    """One scope of the template being compiled."""

    def __init__(
        self,
        frame_id: int,
        parent: Frame | None,
        eval_ctx: nodes.EvalContext,
        function: bool = False,
    ) -> None:
        self.id = frame_id
        self.parent = parent
        self.eval_ctx = eval_ctx
        self.function = function
        self.symbols: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.loaded: set[str] = set()
        # Names read by this frame's own code before any definite assignment (these
        # start out resolved from the context), and names assigned unconditionally so far.
        self.direct: set[str] = set()
        self.assigned: set[str] = set()
        self.toplevel = False
        self.rootlevel = False
        self.soft_frame = False
        self.loop_frame = False
        self.block_frame = False
        # Whether assignments here are collected in ``_loop_vars``/``_block_vars`` so
        # pass_context callables see them (Jinja passes those dicts with every call).
        self.loop_vars = False
        self.block_vars = False
        # This frame's ``loop`` is a LoopContext (attributes can be read directly).
        self.loop_object = False
        # This frame's ``loop`` identifier holds only the index0 of an ``enumerate``
        # (the body reads nothing else of the loop; see ``index_only_loop``).
        self.index_loop = False
        # Identifiers that may still hold ``missing`` (macro parameters while defaults
        # are being evaluated); reads of them check and produce an undefined.
        self.maybe_missing: set[str] = set()
        self.require_output_check: bool = parent.require_output_check if parent else False
        self.buffer: str | None = parent.buffer if parent else None
        self.block: str | None = parent.block if parent else None
        self.prologue_at = 0
        self.prologue_indent = 0

    def declare(self, name: str, kind: str) -> str:
        ident = self.symbols.get(name)
        if ident is None:
            ident = f"l_{self.id}_{name}"
            self.symbols[name] = ident
            self.kinds[name] = kind
        elif kind == PARAM:
            self.kinds[name] = PARAM
        return ident

    def soft(self) -> Frame:
        """A view sharing this frame's symbols, for ``if`` bodies (not root level)."""
        result = copy.copy(self)
        result.rootlevel = False
        result.soft_frame = True
        return result

    def function_frame(self) -> Frame:
        frame = self
        while not frame.function and frame.parent is not None:
            frame = frame.parent
        return frame

    def outermost(self) -> Frame:
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def read(self, name: str) -> str:
        """Python code reading ``name`` here: its identifier, checked for ``missing``
        where the value may not be assigned yet.

        As in Jinja, a name stored in a function frame but read there only from inner
        scopes starts out undefined (not resolved from the context); inner-scope copies
        of stored names may carry that state along.
        """
        frame: Frame | None = self
        while frame is not None:
            ident = frame.symbols.get(name)
            if ident is not None:
                frame.loaded.add(name)
                direct = frame.symbols is self.symbols
                if direct and name not in frame.assigned:
                    frame.direct.add(name)
                is_function = frame.function or frame.parent is None
                if frame.kinds[name] == STORE and not (direct and is_function):
                    return f"(undefined(name={name!r}) if {ident} is missing else {ident})"
                return ident
            frame = frame.parent
        return self.lookup(name)

    def has(self, name: str) -> bool:
        """Whether ``name`` is a symbol of this frame or an enclosing one."""
        frame: Frame | None = self
        while frame is not None:
            if name in frame.symbols:
                return True
            frame = frame.parent
        return False

    def mark_assigned(self, names: Iterable[str]) -> None:
        """Record stores at this frame's own level (a store inside ``if`` is not definite)."""
        if not self.soft_frame:
            self.assigned.update(names)

    def lookup(self, name: str) -> str:
        """The identifier a load of ``name`` reads in this frame."""
        frame: Frame | None = self
        while frame is not None:
            ident = frame.symbols.get(name)
            if ident is not None:
                frame.loaded.add(name)
                return ident
            frame = frame.parent
        root = self.outermost()
        if name == "self":
            target, kind = root, SELF
        elif name == "super" and root.block_frame:
            target, kind = root, SUPER
        else:
            target, kind = self.function_frame(), RESOLVE
        ident = target.declare(name, kind)
        target.loaded.add(name)
        return ident

    def visible_stores(self) -> dict[str, str]:
        """Every stored name visible here (inner frames win), for derived contexts."""
        chain: list[Frame] = []
        frame: Frame | None = self
        while frame is not None:
            chain.append(frame)
            frame = frame.parent
        result: dict[str, str] = {}
        for frame in reversed(chain):
            for name, ident in frame.symbols.items():
                if frame.kinds[name] in (PARAM, STORE):
                    frame.loaded.add(name)
                    result[name] = ident
        return result


def target_names(target: nodes.Node) -> Iterator[str]:
    """The names an assignment target binds (``NSRef`` binds none)."""
    if isinstance(target, nodes.Name):
        yield target.name
    elif isinstance(target, nodes.Tuple | nodes.List):
        for item in target.items:
            yield from target_names(item)


def collect_stores(body: Iterable[nodes.Node]) -> list[str]:
    """Names assigned directly in a frame's statements (not in nested frames)."""
    found: dict[str, None] = {}
    for node in body:
        _stores_of(node, found)
    return list(found)


def _stores_of(node: nodes.Node, found: dict[str, None]) -> None:
    if isinstance(node, nodes.Assign | nodes.AssignBlock):
        for name in target_names(node.target):
            found[name] = None
    elif isinstance(node, nodes.Macro):
        found[node.name] = None
    elif isinstance(node, nodes.Import):
        found[node.target] = None
    elif isinstance(node, nodes.FromImport):
        for item in node.names:
            found[item[1] if isinstance(item, tuple) else item] = None
    elif isinstance(node, nodes.If):
        for child in [*node.body, *node.elif_, *node.else_]:
            _stores_of(child, found)
    elif isinstance(node, nodes.ScopedEvalContextModifier):
        for child in node.body:
            _stores_of(child, found)


class _LoadFinder:
    """Finds loads of given names in a subtree, skipping scopes that rebind them."""

    def __init__(self, names: Iterable[str], skip_loops: bool) -> None:
        self.names = set(names)
        self.found: set[str] = set()
        self.skip_loops = skip_loops

    def visit(self, node: Any) -> None:
        if isinstance(node, nodes.Name):
            if node.ctx == "load" and node.name in self.names:
                self.found.add(node.name)
            return
        if isinstance(node, nodes.Block) and not node.scoped:
            return
        if self.skip_loops and isinstance(node, nodes.For):
            # The nested loop's body has its own ``loop``; its iterable, filter test and
            # ``else`` read the enclosing one.
            self.visit(node.iter)
            if node.test is not None:
                self.visit(node.test)
            for child in node.else_:
                self.visit(child)
            return
        for child in node.iter_child_nodes():
            self.visit(child)


def find_loads(
    body: Iterable[nodes.Node], names: Iterable[str], skip_loops: bool = False
) -> set[str]:
    """Which of ``names`` are read anywhere in ``body`` (not inside blocks)."""
    finder = _LoadFinder(names, skip_loops)
    for node in body:
        finder.visit(node)
    return finder.found


# What of ``loop`` an ``enumerate`` index can stand in for (besides ``loop.cycle(...)``).
INDEX_ATTRS = frozenset(["index", "index0", "first"])
# Nodes that can see a loop's locals wholesale (or compile to another function).
_OPAQUE = (
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Macro,
    nodes.CallBlock,
    nodes.Block,
    nodes.DerivedContextReference,
)


def index_only_loop(body: Iterable[nodes.Node]) -> bool:
    """Whether a for loop's body reads its ``loop`` only as ``loop.index``,
    ``loop.index0``, ``loop.first`` or ``loop.cycle(a, ...)`` and holds nothing that could
    see the loop object itself: then the loop can run on ``enumerate`` instead of a
    ``LoopContext``, with those reads computed from the index."""
    return all(_index_only(node, False) for node in body)


def _index_only(node: nodes.Node, shadowed: bool) -> bool:
    if isinstance(node, _OPAQUE):
        return False
    if not shadowed:
        if isinstance(node, nodes.Name):
            return not (node.name == "loop" and node.ctx == "load")
        if isinstance(node, nodes.Getattr) and _is_loop_name(node.node):
            return node.attr in INDEX_ATTRS
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Getattr)
            and _is_loop_name(node.node.node)
        ):
            return (
                node.node.attr == "cycle"
                and bool(node.args)
                and not node.kwargs
                and node.dyn_args is None
                and node.dyn_kwargs is None
                and all(_index_only(arg, False) for arg in node.args)
            )
    if isinstance(node, nodes.For):
        # A nested loop's body has a ``loop`` of its own; the rest is in this scope.
        outer = [node.iter, *node.else_] + ([node.test] if node.test is not None else [])
        return all(_index_only(child, shadowed) for child in outer) and all(
            _index_only(child, True) for child in node.body
        )
    return all(_index_only(child, shadowed) for child in node.iter_child_nodes())


def _is_loop_name(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "loop" and node.ctx == "load"
