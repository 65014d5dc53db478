"""Expression nodes of the template syntax tree, with jinja2.nodes' class names, fields and
constant folding.

Rules: ``as_const`` folds an expression to a Python value or raises ``Impossible``;
folding is only attempted where evaluation order cannot be observed, never for filters or
tests that need the render context or run async, never in a sandbox for intercepted
operators, and never for huge powers or repetitions. ``can_assign`` says whether the node
may be an assignment target. The public home of every class here is
``kettle.templates.nodes``, which re-exports them.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from .nodes_base import EvalContext, Helper, Impossible, Node, get_eval_context

BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "**": operator.pow,
    "%": operator.mod,
    "+": operator.add,
    "-": operator.sub,
}
UNOPS: dict[str, Callable[[Any], Any]] = {
    "not": operator.not_,
    "+": operator.pos,
    "-": operator.neg,
}
CMPOPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gteq": operator.ge,
    "lt": operator.lt,
    "lteq": operator.le,
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


class Expr(Node):
    abstract = True

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        raise Impossible()

    def can_assign(self) -> bool:
        return False


class BinExpr(Expr):
    fields = ("left", "right")
    operator = ""
    abstract = True

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        if eval_ctx.environment.sandboxed and self.operator in getattr(
            eval_ctx.environment, "intercepted_binops", ()
        ):
            raise Impossible()
        f = BINOPS[self.operator]
        left = self.left.as_const(eval_ctx)
        right = self.right.as_const(eval_ctx)
        if _too_costly(self.operator, left, right):
            raise Impossible()
        try:
            return f(left, right)
        except Exception as e:
            raise Impossible() from e


def _too_costly(operator: str, left: Any, right: Any) -> bool:
    """Folding must not hang the compiler: leave huge powers and repetitions to runtime."""
    if operator == "**":
        return isinstance(right, int) and abs(right) > 128 and abs(left) > 1
    if operator == "*":
        for count, item in ((left, right), (right, left)):
            if isinstance(count, int) and not isinstance(item, int | float) and count > 4096:
                return True
    return False


class UnaryExpr(Expr):
    fields = ("node",)
    operator = ""
    abstract = True

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        if eval_ctx.environment.sandboxed and self.operator in getattr(
            eval_ctx.environment, "intercepted_unops", ()
        ):
            raise Impossible()
        f = UNOPS[self.operator]
        try:
            return f(self.node.as_const(eval_ctx))
        except Exception as e:
            raise Impossible() from e


class Name(Expr):
    fields = ("name", "ctx")

    def can_assign(self) -> bool:
        return self.name not in {"true", "false", "none", "True", "False", "None"}


class NSRef(Expr):
    fields = ("name", "attr")

    def can_assign(self) -> bool:
        return True


class Literal(Expr):
    abstract = True


class Const(Literal):
    fields = ("value",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        return self.value

    @classmethod
    def from_untrusted(
        cls, value: Any, lineno: int | None = None, environment: Any = None
    ) -> Const:
        from_repr = _has_safe_repr(value)
        if not from_repr:
            raise Impossible()
        return cls(value, lineno=lineno, environment=environment)


def _has_safe_repr(value: Any) -> bool:
    if value is None or value is NotImplemented or value is Ellipsis:
        return True
    if type(value) in {bool, int, float, complex, range, str, Markup}:
        return True
    if type(value) in {tuple, list, set, frozenset}:
        return all(_has_safe_repr(v) for v in value)
    if type(value) is dict:
        return all(_has_safe_repr(k) and _has_safe_repr(v) for k, v in value.items())
    return False


class TemplateData(Literal):
    fields = ("data",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        if eval_ctx.volatile:
            raise Impossible()
        if eval_ctx.autoescape:
            return Markup(self.data)
        return self.data


class Tuple(Literal):
    fields = ("items", "ctx")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return tuple(x.as_const(eval_ctx) for x in self.items)

    def can_assign(self) -> bool:
        return all(item.can_assign() for item in self.items)


class List(Literal):
    fields = ("items",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return [x.as_const(eval_ctx) for x in self.items]


class Dict(Literal):
    fields = ("items",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return dict(x.as_const(eval_ctx) for x in self.items)


class Pair(Helper):
    fields = ("key", "value")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return self.key.as_const(eval_ctx), self.value.as_const(eval_ctx)


class Keyword(Helper):
    fields = ("key", "value")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return self.key, self.value.as_const(eval_ctx)


class CondExpr(Expr):
    fields = ("test", "expr1", "expr2")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        if self.test.as_const(eval_ctx):
            return self.expr1.as_const(eval_ctx)
        if self.expr2 is None:
            raise Impossible()
        return self.expr2.as_const(eval_ctx)


class _FilterTestCommon(Expr):
    fields = ("node", "name", "args", "kwargs", "dyn_args", "dyn_kwargs")
    abstract = True
    _is_filter = True

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        """Apply a filter/test at compile time when its input and arguments are constant
        and it does not need the render context (Jinja's optimizer does the same)."""
        eval_ctx = get_eval_context(self, eval_ctx)
        if eval_ctx.volatile or self.node is None:
            raise Impossible()
        environment = eval_ctx.environment
        table = environment.filters if self._is_filter else environment.tests
        func = table.get(self.name)
        pass_arg = getattr(func, "jinja_pass_arg", None)
        if func is None or (pass_arg is not None and pass_arg.name == "context"):
            raise Impossible()
        if environment.is_async and (
            getattr(func, "jinja_async_variant", False) is True
            or inspect.iscoroutinefunction(func)
        ):
            raise Impossible()
        args, kwargs = _args_as_const(self, eval_ctx)
        args.insert(0, self.node.as_const(eval_ctx))
        if pass_arg is not None and pass_arg.name == "eval_context":
            args.insert(0, eval_ctx)
        elif pass_arg is not None and pass_arg.name == "environment":
            args.insert(0, environment)
        try:
            return func(*args, **kwargs)
        except Exception as e:
            raise Impossible() from e


def args_as_const(node: Any, eval_ctx: EvalContext | None) -> tuple[list[Any], dict[str, Any]]:
    """The constant positional and keyword arguments of a call/filter/test node."""
    return _args_as_const(node, get_eval_context(node, eval_ctx))


def _args_as_const(node: Any, eval_ctx: EvalContext) -> tuple[list[Any], dict[str, Any]]:
    args = [x.as_const(eval_ctx) for x in node.args]
    kwargs = dict(x.as_const(eval_ctx) for x in node.kwargs)
    if node.dyn_args is not None:
        try:
            args.extend(node.dyn_args.as_const(eval_ctx))
        except Exception as e:
            raise Impossible() from e
    if node.dyn_kwargs is not None:
        try:
            kwargs.update(node.dyn_kwargs.as_const(eval_ctx))
        except Exception as e:
            raise Impossible() from e
    return args, kwargs


class Filter(_FilterTestCommon):
    pass


class Test(_FilterTestCommon):
    _is_filter = False


class Call(Expr):
    fields = ("node", "args", "kwargs", "dyn_args", "dyn_kwargs")


class Getitem(Expr):
    fields = ("node", "arg", "ctx")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        if self.ctx != "load":
            raise Impossible()
        eval_ctx = get_eval_context(self, eval_ctx)
        try:
            return eval_ctx.environment.getitem(
                self.node.as_const(eval_ctx), self.arg.as_const(eval_ctx)
            )
        except Exception as e:
            raise Impossible() from e


class Getattr(Expr):
    fields = ("node", "attr", "ctx")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        if self.ctx != "load":
            raise Impossible()
        eval_ctx = get_eval_context(self, eval_ctx)
        try:
            return eval_ctx.environment.getattr(self.node.as_const(eval_ctx), self.attr)
        except Exception as e:
            raise Impossible() from e


class Slice(Expr):
    fields = ("start", "stop", "step")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)

        def const(obj: Any) -> Any:
            return None if obj is None else obj.as_const(eval_ctx)

        return slice(const(self.start), const(self.stop), const(self.step))


class Concat(Expr):
    fields = ("nodes",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return "".join(str(x.as_const(eval_ctx)) for x in self.nodes)


class Compare(Expr):
    fields = ("expr", "ops")

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        result = value = self.expr.as_const(eval_ctx)
        try:
            for op in self.ops:
                new_value = op.expr.as_const(eval_ctx)
                result = CMPOPS[op.op](value, new_value)
                if not result:
                    return False
                value = new_value
        except Exception as e:
            raise Impossible() from e
        return result


class Operand(Helper):
    fields = ("op", "expr")


class Mul(BinExpr):
    operator = "*"


class Div(BinExpr):
    operator = "/"


class FloorDiv(BinExpr):
    operator = "//"


class Add(BinExpr):
    operator = "+"


class Sub(BinExpr):
    operator = "-"


class Mod(BinExpr):
    operator = "%"


class Pow(BinExpr):
    operator = "**"


class And(BinExpr):
    operator = "and"

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return self.left.as_const(eval_ctx) and self.right.as_const(eval_ctx)


class Or(BinExpr):
    operator = "or"

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return self.left.as_const(eval_ctx) or self.right.as_const(eval_ctx)


class Not(UnaryExpr):
    operator = "not"


class Neg(UnaryExpr):
    operator = "-"


class Pos(UnaryExpr):
    operator = "+"


class EnvironmentAttribute(Expr):
    fields = ("name",)


class ExtensionAttribute(Expr):
    fields = ("identifier", "name")


class ImportedName(Expr):
    fields = ("importname",)


class InternalName(Expr):
    fields = ("name",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "Can't create internal names.  Use the `free_identifier` method on a parser."
        )


class MarkSafe(Expr):
    fields = ("expr",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        return Markup(self.expr.as_const(eval_ctx))


class MarkSafeIfAutoescape(Expr):
    fields = ("expr",)

    def as_const(self, eval_ctx: EvalContext | None = None) -> Any:
        eval_ctx = get_eval_context(self, eval_ctx)
        if eval_ctx.volatile:
            raise Impossible()
        expr = self.expr.as_const(eval_ctx)
        if eval_ctx.autoescape:
            return Markup(expr)
        return expr


class ContextReference(Expr):
    pass


class DerivedContextReference(Expr):
    pass


def _make_internal_name(name: str, lineno: int | None = None) -> InternalName:
    node = object.__new__(InternalName)
    node.name = name
    node.lineno = lineno  # type: ignore[assignment]
    node.environment = None
    return node
