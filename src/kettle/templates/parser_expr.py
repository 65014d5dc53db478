"""The expression half of the parser: one method per precedence level.

Rules: precedence from loosest to tightest is conditional, ``or``, ``and``, ``not``,
comparisons, ``+``/``-``, ``~``, ``*``/``/``/``//``/``%``, ``**``, unary sign, then
primaries with postfix access and calls, then filters and tests. Method names and
behaviour follow jinja2.parser because extensions call them.
"""

from __future__ import annotations

from typing import Any

from . import nodes
from .exceptions import TemplateSyntaxError
from .lexer import TokenStream, describe_token

_MATH2: dict[str, type[nodes.BinExpr]] = {
    "mul": nodes.Mul,
    "div": nodes.Div,
    "floordiv": nodes.FloorDiv,
    "mod": nodes.Mod,
}
_COMPARE_OPERATORS = frozenset(["eq", "ne", "lt", "lteq", "gt", "gteq"])
_TEST_ARG_START = frozenset(["name", "string", "integer", "float", "lbracket", "lbrace"])


class ExpressionParser:
    """Parses expressions from ``self.stream``; mixed into ``Parser``."""

    stream: TokenStream
    name: str | None
    filename: str | None

    def fail(
        self,
        msg: str,
        lineno: int | None = None,
        exc: type[TemplateSyntaxError] = TemplateSyntaxError,
    ) -> Any:
        if lineno is None:
            lineno = self.stream.current.lineno
        raise exc(msg, lineno, self.name, self.filename)

    def is_tuple_end(self, extra_end_rules: tuple[str, ...] | None = None) -> bool:
        if self.stream.current.type in ("variable_end", "block_end", "rparen"):
            return True
        if extra_end_rules is not None:
            return self.stream.current.test_any(*extra_end_rules)
        return False

    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        if with_condexpr:
            return self.parse_condexpr()
        return self.parse_or()

    def parse_condexpr(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        expr1 = self.parse_or()
        while self.stream.skip_if("name:if"):
            expr2 = self.parse_or()
            expr3 = self.parse_condexpr() if self.stream.skip_if("name:else") else None
            expr1 = nodes.CondExpr(expr2, expr1, expr3, lineno=lineno)
            lineno = self.stream.current.lineno
        return expr1

    def parse_or(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        left = self.parse_and()
        while self.stream.skip_if("name:or"):
            left = nodes.Or(left, self.parse_and(), lineno=lineno)
            lineno = self.stream.current.lineno
        return left

    def parse_and(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        left = self.parse_not()
        while self.stream.skip_if("name:and"):
            left = nodes.And(left, self.parse_not(), lineno=lineno)
            lineno = self.stream.current.lineno
        return left

    def parse_not(self) -> nodes.Expr:
        if self.stream.current.test("name:not"):
            lineno = next(self.stream).lineno
            return nodes.Not(self.parse_not(), lineno=lineno)
        return self.parse_compare()

    def parse_compare(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        expr = self.parse_math1()
        ops = []
        stream = self.stream
        while True:
            token_type = stream.current.type
            if token_type in _COMPARE_OPERATORS:
                next(stream)
                ops.append(nodes.Operand(token_type, self.parse_math1()))
            elif stream.skip_if("name:in"):
                ops.append(nodes.Operand("in", self.parse_math1()))
            elif stream.current.test("name:not") and stream.look().test("name:in"):
                stream.skip(2)
                ops.append(nodes.Operand("notin", self.parse_math1()))
            else:
                break
            lineno = stream.current.lineno
        if not ops:
            return expr
        return nodes.Compare(expr, ops, lineno=lineno)

    def parse_math1(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        left = self.parse_concat()
        while self.stream.current.type in ("add", "sub"):
            cls = nodes.Add if self.stream.current.type == "add" else nodes.Sub
            next(self.stream)
            left = cls(left, self.parse_concat(), lineno=lineno)
            lineno = self.stream.current.lineno
        return left

    def parse_concat(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        args = [self.parse_math2()]
        while self.stream.current.type == "tilde":
            next(self.stream)
            args.append(self.parse_math2())
        if len(args) == 1:
            return args[0]
        return nodes.Concat(args, lineno=lineno)

    def parse_math2(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        left = self.parse_pow()
        while self.stream.current.type in _MATH2:
            cls = _MATH2[self.stream.current.type]
            next(self.stream)
            left = cls(left, self.parse_pow(), lineno=lineno)
            lineno = self.stream.current.lineno
        return left

    def parse_pow(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        left = self.parse_unary()
        while self.stream.current.type == "pow":
            next(self.stream)
            left = nodes.Pow(left, self.parse_unary(), lineno=lineno)
            lineno = self.stream.current.lineno
        return left

    def parse_unary(self, with_filter: bool = True) -> nodes.Expr:
        token_type = self.stream.current.type
        lineno = self.stream.current.lineno
        node: nodes.Expr
        if token_type == "sub":
            next(self.stream)
            node = nodes.Neg(self.parse_unary(False), lineno=lineno)
        elif token_type == "add":
            next(self.stream)
            node = nodes.Pos(self.parse_unary(False), lineno=lineno)
        else:
            node = self.parse_primary()
        node = self.parse_postfix(node)
        if with_filter:
            node = self.parse_filter_expr(node)
        return node

    def parse_primary(self, with_namespace: bool = False) -> nodes.Expr:
        token = self.stream.current
        node: nodes.Expr
        if token.type == "name":
            if token.value in ("true", "false", "True", "False"):
                node = nodes.Const(token.value in ("true", "True"), lineno=token.lineno)
            elif token.value in ("none", "None"):
                node = nodes.Const(None, lineno=token.lineno)
            elif with_namespace and self.stream.look().type == "dot":
                next(self.stream)
                next(self.stream)
                attr = self.stream.expect("name")
                return nodes.NSRef(token.value, attr.value, lineno=token.lineno)
            else:
                node = nodes.Name(token.value, "load", lineno=token.lineno)
            next(self.stream)
        elif token.type == "string":
            next(self.stream)
            buf = [token.value]
            lineno = token.lineno
            while self.stream.current.type == "string":
                buf.append(self.stream.current.value)
                next(self.stream)
            node = nodes.Const("".join(buf), lineno=lineno)
        elif token.type in ("integer", "float"):
            next(self.stream)
            node = nodes.Const(token.value, lineno=token.lineno)
        elif token.type == "lparen":
            next(self.stream)
            node = self.parse_tuple(explicit_parentheses=True)
            self.stream.expect("rparen")
        elif token.type == "lbracket":
            node = self.parse_list()
        elif token.type == "lbrace":
            node = self.parse_dict()
        else:
            self.fail(f"unexpected {describe_token(token)!r}", token.lineno)
        return node

    def parse_tuple(
        self,
        simplified: bool = False,
        with_condexpr: bool = True,
        extra_end_rules: tuple[str, ...] | None = None,
        explicit_parentheses: bool = False,
        with_namespace: bool = False,
    ) -> Any:
        lineno = self.stream.current.lineno
        if simplified:

            def parse() -> nodes.Expr:
                return self.parse_primary(with_namespace=with_namespace)

        else:

            def parse() -> nodes.Expr:
                return self.parse_expression(with_condexpr=with_condexpr)

        args: list[nodes.Expr] = []
        is_tuple = False
        while True:
            if args:
                self.stream.expect("comma")
            if self.is_tuple_end(extra_end_rules):
                break
            args.append(parse())
            if self.stream.current.type == "comma":
                is_tuple = True
            else:
                break
            lineno = self.stream.current.lineno
        if not is_tuple:
            if args:
                return args[0]
            if not explicit_parentheses:
                self.fail(f"Expected an expression, got {describe_token(self.stream.current)!r}")
        return nodes.Tuple(args, "load", lineno=lineno)

    def parse_list(self) -> nodes.List:
        token = self.stream.expect("lbracket")
        items: list[nodes.Expr] = []
        while self.stream.current.type != "rbracket":
            if items:
                self.stream.expect("comma")
            if self.stream.current.type == "rbracket":
                break
            items.append(self.parse_expression())
        self.stream.expect("rbracket")
        return nodes.List(items, lineno=token.lineno)

    def parse_dict(self) -> nodes.Dict:
        token = self.stream.expect("lbrace")
        items: list[nodes.Pair] = []
        while self.stream.current.type != "rbrace":
            if items:
                self.stream.expect("comma")
            if self.stream.current.type == "rbrace":
                break
            key = self.parse_expression()
            self.stream.expect("colon")
            value = self.parse_expression()
            items.append(nodes.Pair(key, value, lineno=key.lineno))
        self.stream.expect("rbrace")
        return nodes.Dict(items, lineno=token.lineno)

    def parse_postfix(self, node: nodes.Expr) -> nodes.Expr:
        while True:
            token_type = self.stream.current.type
            if token_type in ("dot", "lbracket"):
                node = self.parse_subscript(node)
            elif token_type == "lparen":
                node = self.parse_call(node)
            else:
                break
        return node

    def parse_filter_expr(self, node: nodes.Expr) -> nodes.Expr:
        while True:
            token_type = self.stream.current.type
            if token_type == "pipe":
                node = self.parse_filter(node)
            elif token_type == "name" and self.stream.current.value == "is":
                node = self.parse_test(node)
            elif token_type == "lparen":
                node = self.parse_call(node)
            else:
                break
        return node

    def parse_subscript(self, node: nodes.Expr) -> nodes.Expr:
        token = next(self.stream)
        if token.type == "dot":
            attr_token = self.stream.current
            next(self.stream)
            if attr_token.type == "name":
                return nodes.Getattr(node, attr_token.value, "load", lineno=token.lineno)
            if attr_token.type != "integer":
                self.fail("expected name or number", attr_token.lineno)
            arg = nodes.Const(attr_token.value, lineno=attr_token.lineno)
            return nodes.Getitem(node, arg, "load", lineno=token.lineno)
        if token.type == "lbracket":
            args: list[nodes.Expr] = []
            while self.stream.current.type != "rbracket":
                if args:
                    self.stream.expect("comma")
                args.append(self.parse_subscribed())
            self.stream.expect("rbracket")
            if len(args) == 1:
                subscript = args[0]
            else:
                subscript = nodes.Tuple(args, "load", lineno=token.lineno)
            return nodes.Getitem(node, subscript, "load", lineno=token.lineno)
        return self.fail("expected subscript expression", token.lineno)  # type: ignore[no-any-return]

    def parse_subscribed(self) -> nodes.Expr:
        lineno = self.stream.current.lineno
        args: list[nodes.Expr | None]
        if self.stream.current.type == "colon":
            next(self.stream)
            args = [None]
        else:
            node = self.parse_expression()
            if self.stream.current.type != "colon":
                return node
            next(self.stream)
            args = [node]
        if self.stream.current.type == "colon":
            args.append(None)
        elif self.stream.current.type not in ("rbracket", "comma"):
            args.append(self.parse_expression())
        else:
            args.append(None)
        if self.stream.current.type == "colon":
            next(self.stream)
            if self.stream.current.type not in ("rbracket", "comma"):
                args.append(self.parse_expression())
            else:
                args.append(None)
        else:
            args.append(None)
        return nodes.Slice(*args, lineno=lineno)

    def parse_call_args(self) -> tuple[Any, Any, Any, Any]:
        token = self.stream.expect("lparen")
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        dyn_args = dyn_kwargs = None
        require_comma = False

        def ensure(expr: bool) -> None:
            if not expr:
                self.fail("invalid syntax for function call expression", token.lineno)

        while self.stream.current.type != "rparen":
            if require_comma:
                self.stream.expect("comma")
                if self.stream.current.type == "rparen":
                    break
            if self.stream.current.type == "mul":
                ensure(dyn_args is None and dyn_kwargs is None)
                next(self.stream)
                dyn_args = self.parse_expression()
            elif self.stream.current.type == "pow":
                ensure(dyn_kwargs is None)
                next(self.stream)
                dyn_kwargs = self.parse_expression()
            elif self.stream.current.type == "name" and self.stream.look().type == "assign":
                ensure(dyn_kwargs is None)
                key = self.stream.current.value
                self.stream.skip(2)
                value = self.parse_expression()
                kwargs.append(nodes.Keyword(key, value, lineno=value.lineno))
            else:
                ensure(dyn_args is None and dyn_kwargs is None and not kwargs)
                args.append(self.parse_expression())
            require_comma = True
        self.stream.expect("rparen")
        return args, kwargs, dyn_args, dyn_kwargs

    def parse_call(self, node: nodes.Expr) -> nodes.Call:
        token = self.stream.current
        args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
        return nodes.Call(node, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno)

    def _dotted_name(self) -> str:
        name: str = self.stream.expect("name").value
        while self.stream.current.type == "dot":
            next(self.stream)
            name += "." + self.stream.expect("name").value
        return name

    def parse_filter(self, node: Any, start_inline: bool = False) -> Any:
        while self.stream.current.type == "pipe" or start_inline:
            if not start_inline:
                next(self.stream)
            token = self.stream.current
            name = self._dotted_name()
            if self.stream.current.type == "lparen":
                args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
            else:
                args, kwargs, dyn_args, dyn_kwargs = [], [], None, None
            node = nodes.Filter(
                node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno
            )
            start_inline = False
        return node

    def parse_test(self, node: nodes.Expr) -> nodes.Expr:
        token = next(self.stream)
        negated = False
        if self.stream.current.test("name:not"):
            next(self.stream)
            negated = True
        name = self._dotted_name()
        dyn_args = dyn_kwargs = None
        kwargs: list[Any] = []
        args: list[Any]
        current = self.stream.current
        if current.type == "lparen":
            args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
        elif current.type in _TEST_ARG_START and not current.test_any(
            "name:else", "name:or", "name:and"
        ):
            if current.test("name:is"):
                self.fail("You cannot chain multiple tests with is")
            arg_node = self.parse_postfix(self.parse_primary())
            args = [arg_node]
        else:
            args = []
        result: nodes.Expr = nodes.Test(
            node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno
        )
        if negated:
            result = nodes.Not(result, lineno=token.lineno)
        return result
