"""Expression half of the code generator: a node in, a Python expression string out.

Rules: every method returns self-contained Python source (parenthesised where needed) and
writes nothing, so expressions nest freely. Attribute and item access keep Jinja's
getattr-then-getitem fallback; the common dict case is inlined when the attribute name
is not a dict method. Filters and tests are bound once per template at module level and
called with the context/eval context/environment they ask for. The sandbox routes
attribute access, calls and intercepted operators through the environment.
"""

from __future__ import annotations

import keyword
import math
from typing import Any

from markupsafe import escape

from . import nodes
from .compiler_protocol import GeneratorParts
from .exceptions import TemplateAssertionError
from .scopes import Frame
from .utils import _PassArg

_DICT_ATTRS = frozenset(dir(dict))
_FOLDABLE = frozenset(
    [
        nodes.And,
        nodes.Or,
        nodes.Not,
        nodes.Neg,
        nodes.Pos,
        nodes.Add,
        nodes.Sub,
        nodes.Mul,
        nodes.Div,
        nodes.FloorDiv,
        nodes.Mod,
        nodes.Pow,
        nodes.Compare,
        nodes.CondExpr,
        nodes.Concat,
        nodes.Getattr,
        nodes.Getitem,
        nodes.Filter,
        nodes.Test,
    ]
)
# Methods of the loop object that a template may call in place (no Context.call).
_LOOP_METHODS = frozenset(["cycle", "changed"])
# ``loop`` attributes of an enumerate loop, computed from its index0.
_INDEX_READS = {"index0": "{}", "index": "({} + 1)", "first": "({} == 0)"}
# Attributes of LoopContext read directly when the object is known to be the loop.
_LOOP_ATTRS = frozenset(
    [
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    ]
)
_PASS_ARG_CODE = {
    _PassArg.context: "context",
    _PassArg.eval_context: "context.eval_ctx",
    _PassArg.environment: "environment",
}
_CMP = {
    "eq": "==",
    "ne": "!=",
    "gt": ">",
    "gteq": ">=",
    "lt": "<",
    "lteq": "<=",
    "in": "in",
    "notin": "not in",
}


def const_repr(value: Any) -> str:
    """Python source for a constant; non-finite floats have no literal."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, tuple | list | set | frozenset):
        items = ", ".join(const_repr(v) for v in value)
        if isinstance(value, tuple):
            return f"({items}{',' if len(value) == 1 else ''})"
        if isinstance(value, list):
            return f"[{items}]"
        return f"{type(value).__name__}([{items}])"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{const_repr(k)}: {const_repr(v)}" for k, v in value.items()) + "}"
    return repr(value)


class ExpressionCompiler(GeneratorParts):
    """Mixin of ``CodeGenerator``: turns expression nodes into Python source."""

    _written: list[str] | None = None

    _temps: int

    def temp(self) -> str:
        self._temps += 1
        return f"t_{self._temps}"

    def fail(self, msg: str, lineno: int) -> Any:
        raise TemplateAssertionError(msg, lineno, self.name, self.filename)

    def position(self, node: nodes.Node) -> str:
        result = f"line {node.lineno}"
        if self.name is not None:
            result = f"{result} in {self.name!r}"
        return result

    def awaited(self, code: str) -> str:
        if self.is_async:
            return f"(await auto_await({code}))"
        return code

    def expr(self, node: nodes.Node, frame: Frame) -> str:
        override = self._visitor_override(type(node).__name__)
        if override is not None:
            return self._capture(override, node, frame)
        return self.compile_expr(node, frame)

    def _visitor_override(self, node_name: str) -> Any:
        """A ``visit_<Node>`` that a subclass outside kettle defines (Jinja's API for
        customising code generation), or None."""
        for klass in type(self).__mro__:
            if klass.__module__.startswith("kettle.templates."):
                return None
            method = klass.__dict__.get(f"visit_{node_name}")
            if method is not None:
                return method
        return None

    def _capture(self, method: Any, node: nodes.Node, frame: Frame) -> str:
        saved = self._written
        self._written = []
        try:
            method(self, node, frame)
            return "".join(self._written)
        finally:
            self._written = saved

    def write(self, code: str) -> None:
        """Append generated code (for ``visit_<Node>`` overrides written for Jinja)."""
        if self._written is None:
            raise RuntimeError("write() is only available inside an expression visitor")
        self._written.append(code)

    def visit_expression(self, node: nodes.Node, frame: Frame | None = None) -> None:
        """Default code for an expression node, for overrides calling ``super()``."""
        if frame is None:
            raise TypeError("a frame is required")
        self.write(self.compile_expr(node, frame))

    def compile_expr(self, node: nodes.Node, frame: Frame) -> str:
        """Python source for an expression node (folding constants first)."""
        if type(node) in _FOLDABLE and not frame.eval_ctx.volatile:
            # Constant folding, as Jinja's optimizer does: ``1 + 2`` becomes ``3`` and a
            # short-circuited ``false and x`` never compiles ``x``.
            try:
                value = node.as_const(frame.eval_ctx)
            except nodes.Impossible:
                pass
            else:
                if nodes._has_safe_repr(value):
                    return const_repr(value)
        method: Any = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            for base in type(node).__mro__[1:]:
                method = getattr(self, f"expr_{base.__name__}", None)
                if method is not None:
                    break
            else:
                self.fail(f"cannot compile {type(node).__name__} as an expression", node.lineno)
        code: str = method(node, frame)
        return code

    def expr_Const(self, node: nodes.Const, frame: Frame) -> str:
        return const_repr(node.value)

    def expr_TemplateData(self, node: nodes.TemplateData, frame: Frame) -> str:
        try:
            return const_repr(node.as_const(frame.eval_ctx))
        except nodes.Impossible:
            return f"(Markup if context.eval_ctx.autoescape else identity)({node.data!r})"

    def expr_Name(self, node: nodes.Name, frame: Frame) -> str:
        if node.ctx == "store":
            return frame.symbols.get(node.name) or frame.declare(node.name, "store")
        ident = frame.read(node.name)
        if ident in frame.maybe_missing:
            return f"(undefined(name={node.name!r}) if {ident} is missing else {ident})"
        return ident

    def expr_NSRef(self, node: nodes.NSRef, frame: Frame) -> str:
        return f"{frame.lookup(node.name)}.{node.attr}"

    def expr_InternalName(self, node: nodes.InternalName, frame: Frame) -> str:
        return str(node.name)

    def expr_Tuple(self, node: nodes.Tuple, frame: Frame) -> str:
        items = [self.expr(item, frame) for item in node.items]
        if len(items) == 1:
            return f"({items[0]},)"
        return f"({', '.join(items)})"

    def expr_List(self, node: nodes.List, frame: Frame) -> str:
        return f"[{', '.join(self.expr(item, frame) for item in node.items)}]"

    def expr_Dict(self, node: nodes.Dict, frame: Frame) -> str:
        pairs = (f"{self.expr(p.key, frame)}: {self.expr(p.value, frame)}" for p in node.items)
        return "{" + ", ".join(pairs) + "}"

    def expr_BinExpr(self, node: nodes.BinExpr, frame: Frame) -> str:
        left = self.expr(node.left, frame)
        right = self.expr(node.right, frame)
        if self.sandboxed and node.operator in self.environment.intercepted_binops:
            return f"environment.call_binop(context, {node.operator!r}, {left}, {right})"
        return f"({left} {node.operator} {right})"

    def expr_UnaryExpr(self, node: nodes.UnaryExpr, frame: Frame) -> str:
        operand = self.expr(node.node, frame)
        if self.sandboxed and node.operator in self.environment.intercepted_unops:
            return f"environment.call_unop(context, {node.operator!r}, {operand})"
        if node.operator == "not":
            return f"(not {operand})"
        return f"({node.operator}{operand})"

    def expr_Compare(self, node: nodes.Compare, frame: Frame) -> str:
        parts = [self.expr(node.expr, frame)]
        for op in node.ops:
            parts.append(_CMP[op.op])
            parts.append(self.expr(op.expr, frame))
        return f"({' '.join(parts)})"

    def expr_Concat(self, node: nodes.Concat, frame: Frame) -> str:
        if frame.eval_ctx.volatile:
            func = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func = "markup_join"
        else:
            func = "str_join"
        items = ", ".join(self.expr(n, frame) for n in node.nodes)
        return f"{func}(({items},))"

    def expr_CondExpr(self, node: nodes.CondExpr, frame: Frame) -> str:
        soft = frame.soft()
        test = self.expr(node.test, soft)
        expr1 = self.expr(node.expr1, soft)
        if node.expr2 is not None:
            expr2 = self.expr(node.expr2, soft)
        else:
            hint = (
                f"the inline if-expression on {self.position(node)} evaluated to false and"
                " no else section was defined."
            )
            expr2 = f"cond_expr_undefined({hint!r})"
        return f"({expr1} if {test} else {expr2})"

    def expr_Getattr(self, node: nodes.Getattr, frame: Frame) -> str:
        obj = self.expr(node.node, frame)
        attr = node.attr
        if self.is_async:
            return self.awaited(f"environment.getattr({obj}, {attr!r})")
        if attr in _LOOP_ATTRS and _is_loop_object(node.node, frame):
            if attr in _INDEX_READS and _is_index_loop(node.node, frame):
                # ``obj`` is the loop's index0 (an enumerate loop, see index_only_loop).
                return _INDEX_READS[attr].format(obj)
            return f"{obj}.{attr}"
        if self.sandboxed or not self.fast_attr:
            return f"environment.getattr({obj}, {attr!r})"
        if not attr.isidentifier() or keyword.iskeyword(attr):
            return f"getattr_({obj}, {attr!r})"
        if attr in _DICT_ATTRS:
            # A dict's own methods win over its keys (getattr first, as Jinja does).
            return f"(_g.{attr} if type(_g := {obj}) is dict else getattr_(_g, {attr!r}))"
        key = repr(attr)
        # Environment.getattr inlined: the attribute read, then (rarely) its item fallback.
        return (
            f"(_g[{key}] if type(_g := {obj}) is dict and {key} in _g"
            f" else _a if (_a := getattr(_g, {key}, no_attribute)) is not no_attribute"
            f" else environment._getattr_fallback(_g, {key}))"
        )

    def expr_Getitem(self, node: nodes.Getitem, frame: Frame) -> str:
        obj = self.expr(node.node, frame)
        if isinstance(node.arg, nodes.Slice):
            if isinstance(node.node, nodes.Const):
                # Subscripting a literal makes Python warn at compile time; go through
                # identity() so only the (identical) runtime TypeError remains.
                obj = f"identity({obj})"
            return f"{obj}[{self.expr(node.arg, frame)}]"
        arg = self.expr(node.arg, frame)
        if self.is_async:
            return self.awaited(f"environment.getitem({obj}, {arg})")
        if self.sandboxed or not self.fast_attr:
            return f"environment.getitem({obj}, {arg})"
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            fast = f"_g[{arg}] if type(_g := {obj}) is dict and {arg} in _g"
            return f"({fast} else getitem_(_g, {arg}))"
        return f"getitem_({obj}, {arg})"

    def expr_Slice(self, node: nodes.Slice, frame: Frame) -> str:
        result = ""
        if node.start is not None:
            result += self.expr(node.start, frame)
        result += ":"
        if node.stop is not None:
            result += self.expr(node.stop, frame)
        if node.step is not None:
            result += ":" + self.expr(node.step, frame)
        return result

    def signature(
        self, node: nodes.Node, frame: Frame, extra: dict[str, str] | None = None
    ) -> str:
        """Argument list source for a call, filter or test (without parentheses)."""
        parts = [self.expr(arg, frame) for arg in node.args]
        kwarg_names = {kw.key for kw in node.kwargs}
        if extra is not None:
            kwarg_names.update(extra)
        valid = all(k.isidentifier() and not _is_keyword(k) for k in kwarg_names)
        if valid:
            parts.extend(f"{kw.key}={self.expr(kw.value, frame)}" for kw in node.kwargs)
            if extra:
                parts.extend(f"{k}={v}" for k, v in extra.items())
        if node.dyn_args is not None:
            parts.append("*" + self.expr(node.dyn_args, frame))
        if not valid:
            items = [f"{kw.key!r}: {self.expr(kw.value, frame)}" for kw in node.kwargs]
            items.extend(f"{k!r}: {v}" for k, v in (extra or {}).items())
            if node.dyn_kwargs is not None:
                items.append("**" + self.expr(node.dyn_kwargs, frame))
            parts.append("**{" + ", ".join(items) + "}")
        elif node.dyn_kwargs is not None:
            parts.append("**" + self.expr(node.dyn_kwargs, frame))
        return ", ".join(parts)

    def expr_Call(
        self, node: nodes.Call, frame: Frame, extra: dict[str, str] | None = None
    ) -> str:
        if (frame.loop_frame and frame.loop_vars) or (frame.block_frame and frame.block_vars):
            extra = dict(extra or {})
            if frame.loop_frame and frame.loop_vars:
                extra["_loop_vars"] = "_loop_vars"
            if frame.block_frame and frame.block_vars:
                extra["_block_vars"] = "_block_vars"
        func = self.expr(node.node, frame)
        args = self.signature(node, frame, extra)
        comma_args = f", {args}" if args else ""
        if self.sandboxed:
            return self.awaited(f"environment.call(context, {func}{comma_args})")
        if self.is_async:
            return self.awaited(f"context.call({func}{comma_args})")
        # Macros (which only want the eval context) and builtin methods (which cannot
        # ask for a context) are called directly, skipping Context.call.
        plain = {k: v for k, v in (extra or {}).items() if k[0] != "_"}
        plain_args = self.signature(node, frame, plain)
        macro_args = f"context.eval_ctx, {plain_args}" if plain_args else "context.eval_ctx"
        if isinstance(node.node, nodes.Getattr):
            attr = node.node.attr
            if attr in _LOOP_METHODS and _is_loop_object(node.node.node, frame):
                if _is_index_loop(node.node.node, frame):
                    # loop.cycle(a, b) of an enumerate loop: every item evaluated, as
                    # LoopContext.cycle does, then picked by the index.
                    items = ", ".join(self.expr(arg, frame) for arg in node.args)
                    index = self.expr(node.node.node, frame)
                    return f"({items},)[{index} % {len(node.args)}]"
                # The for loop's own LoopContext: its methods never ask for a context.
                return f"{func}({plain_args})"
            dict_method = self.fast_attr and attr in _DICT_ATTRS and attr.isidentifier()
            if dict_method:
                func = f"getattr_(_d, {attr!r})"
            generic = (
                f"(_c({plain_args}) if type(_c := {func}) in direct_methods"
                f" else _c({macro_args}) if type(_c) is Macro"
                f" else context.call(_c{comma_args}))"
            )
            if dict_method:
                # ``d.items()`` on a real dict: the builtin method, called in place.
                obj = self.expr(node.node.node, frame)
                return f"(_d.{attr}({plain_args}) if type(_d := {obj}) is dict else {generic})"
            return generic
        return (
            f"(_c({macro_args}) if type(_c := {func}) is Macro else context.call(_c{comma_args}))"
        )

    def _filter_or_test(
        self, node: nodes._FilterTestCommon, frame: Frame, is_filter: bool, value: str | None
    ) -> str:
        table = self.environment.filters if is_filter else self.environment.tests
        aliases = self.filter_aliases if is_filter else self.test_aliases
        func = table.get(node.name)
        if func is None and not frame.soft_frame:
            kind = "filter" if is_filter else "test"
            self.fail(f"No {kind} named {node.name!r}.", node.lineno)
        alias = aliases.get(node.name)
        if alias is None:
            alias = aliases[node.name] = f"{'ff' if is_filter else 'tt'}_{len(aliases)}"
        parts: list[str] = []
        pass_arg = _PassArg.from_obj(func) if func is not None else None
        if pass_arg is not None:
            parts.append(_PASS_ARG_CODE[pass_arg])
        if value is None:
            value = self.expr(node.node, frame)
        parts.append(value)
        rest = self.signature(node, frame)
        if rest:
            parts.append(rest)
        return self.awaited(f"{alias}({', '.join(parts)})")

    def expr_Filter(self, node: nodes.Filter, frame: Frame, value: str | None = None) -> str:
        """A filter call; ``value`` feeds the innermost filter of a chain (filter blocks)."""
        if node.node is None:
            if value is None:
                raise TemplateAssertionError(
                    "filter without input", node.lineno, self.name, self.filename
                )
            return self._filter_or_test(node, frame, True, value)
        if value is not None:
            return self._filter_or_test(
                node, frame, True, self.expr_Filter(node.node, frame, value)
            )
        return self._filter_or_test(node, frame, True, None)

    def expr_Test(self, node: nodes.Test, frame: Frame) -> str:
        return self._filter_or_test(node, frame, False, None)

    def expr_And(self, node: nodes.And, frame: Frame) -> str:
        return f"({self.expr(node.left, frame)} and {self.expr(node.right, frame)})"

    def expr_Or(self, node: nodes.Or, frame: Frame) -> str:
        return f"({self.expr(node.left, frame)} or {self.expr(node.right, frame)})"

    def expr_MarkSafe(self, node: nodes.MarkSafe, frame: Frame) -> str:
        return f"Markup({self.expr(node.expr, frame)})"

    def expr_MarkSafeIfAutoescape(self, node: nodes.MarkSafeIfAutoescape, frame: Frame) -> str:
        return (
            f"(Markup if context.eval_ctx.autoescape else identity)({self.expr(node.expr, frame)})"
        )

    def expr_EnvironmentAttribute(self, node: nodes.EnvironmentAttribute, frame: Frame) -> str:
        return f"environment.{node.name}"

    def expr_ExtensionAttribute(self, node: nodes.ExtensionAttribute, frame: Frame) -> str:
        return f"environment.extensions[{node.identifier!r}].{node.name}"

    def expr_ImportedName(self, node: nodes.ImportedName, frame: Frame) -> str:
        alias = self.import_aliases.get(node.importname)
        if alias is None:
            alias = self.import_aliases[node.importname] = f"i_{len(self.import_aliases)}"
        return alias

    def expr_ContextReference(self, node: nodes.ContextReference, frame: Frame) -> str:
        return "context"

    def expr_DerivedContextReference(
        self, node: nodes.DerivedContextReference, frame: Frame
    ) -> str:
        return self.derive_context(frame)

    def derive_context(self, frame: Frame) -> str:
        return f"context.derived({self.dump_locals(frame)})"

    def dump_locals(self, frame: Frame) -> str:
        items = frame.visible_stores()
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in items.items()) + "}"


def is_plain_text_choice(node: nodes.Node, frame: Frame) -> bool:
    """Whether ``node`` is ``loop.cycle('a', 'b', ...)`` of an enumerate loop with string
    constants that escaping leaves as they are: its output needs no escaping."""
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and node.node.attr == "cycle"
        and _is_loop_object(node.node.node, frame)
        and _is_index_loop(node.node.node, frame)
        and all(
            isinstance(arg, nodes.Const)
            and type(arg.value) is str
            and str(escape(arg.value)) == arg.value
            for arg in node.args
        )
    )


def _is_index_loop(node: nodes.Node, frame: Frame) -> bool:
    """Whether ``node`` (a read of ``loop``) is the index0 of an enumerate loop."""
    current: Frame | None = frame
    while current is not None:
        if "loop" in current.symbols:
            return current.index_loop
        current = current.parent
    return False


def _is_loop_object(node: nodes.Node, frame: Frame) -> bool:
    """Whether ``node`` is a read of the ``loop`` object of an enclosing for loop."""
    if not isinstance(node, nodes.Name) or node.name != "loop":
        return False
    current: Frame | None = frame
    while current is not None:
        if "loop" in current.symbols:
            return current.loop_object and current.kinds["loop"] == "param"
        current = current.parent
    return False


def _is_keyword(name: str) -> bool:
    return keyword.iskeyword(name)


def _install_expression_visitors() -> None:
    """``visit_<Node>`` for every expression node, so Jinja-style overrides can call
    ``super().visit_Const(node, frame)``."""
    for name in dir(nodes):
        klass = getattr(nodes, name)
        if isinstance(klass, type) and issubclass(klass, nodes.Expr | nodes.Helper):
            setattr(ExpressionCompiler, f"visit_{name}", ExpressionCompiler.visit_expression)


_install_expression_visitors()
