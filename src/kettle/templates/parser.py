"""The parser: a token stream in, a ``nodes.Template`` out.

Rules: one short method per statement and per precedence level, in jinja2.parser's
names (``parse_statement``, ``parse_expression``, ``parse_tuple``, ``parse_statements``,
``free_identifier``, ``fail``) because extensions call them. Error messages match Jinja's
word for word: tests and users rely on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import nodes
from .exceptions import TemplateAssertionError
from .lexer import TokenStream, describe_token_expr
from .parser_expr import ExpressionParser

_STATEMENT_KEYWORDS = frozenset(
    [
        "for",
        "if",
        "block",
        "extends",
        "print",
        "macro",
        "include",
        "from",
        "import",
        "set",
        "with",
        "autoescape",
    ]
)


class Parser(ExpressionParser):
    """Builds the syntax tree of one template."""

    def __init__(
        self,
        environment: Any,
        source: str,
        name: str | None = None,
        filename: str | None = None,
        state: str | None = None,
    ) -> None:
        self.environment = environment
        self.stream: TokenStream = environment._tokenize(source, name, filename, state)
        self.name = name
        self.filename = filename
        self.closed = False
        self.extensions: dict[str, Callable[[Parser], Any]] = {}
        for extension in environment.iter_extensions():
            for tag in extension.tags:
                self.extensions[tag] = extension.parse
        self._last_identifier = 0
        self._tag_stack: list[str] = []
        self._end_token_stack: list[tuple[str, ...]] = []

    def _fail_ut_eof(
        self, name: str | None, end_token_stack: list[tuple[str, ...]], lineno: int | None
    ) -> Any:
        expected: set[str] = set()
        for exprs in end_token_stack:
            expected.update(map(describe_token_expr, exprs))
        looking = None
        if end_token_stack:
            looking = " or ".join(repr(describe_token_expr(e)) for e in end_token_stack[-1])
        if name is None:
            message = ["Unexpected end of template."]
        else:
            message = [f"Encountered unknown tag {name!r}."]
        if looking:
            if name is not None and name in expected:
                message.append(
                    "You probably made a nesting mistake. Jinja is expecting this tag,"
                    f" but currently looking for {looking}."
                )
            else:
                message.append(f"Jinja was looking for the following tags: {looking}.")
        if self._tag_stack:
            message.append(
                f"The innermost block that needs to be closed is {self._tag_stack[-1]!r}."
            )
        self.fail(" ".join(message), lineno)

    def fail_unknown_tag(self, name: str, lineno: int | None = None) -> Any:
        self._fail_ut_eof(name, self._end_token_stack, lineno)

    def fail_eof(
        self, end_tokens: tuple[str, ...] | None = None, lineno: int | None = None
    ) -> Any:
        stack = list(self._end_token_stack)
        if end_tokens is not None:
            stack.append(end_tokens)
        self._fail_ut_eof(None, stack, lineno)

    def free_identifier(self, lineno: int | None = None) -> nodes.InternalName:
        self._last_identifier += 1
        return nodes._make_internal_name(f"fi{self._last_identifier}", lineno)

    def parse_statement(self) -> Any:
        token = self.stream.current
        if token.type != "name":
            self.fail("tag name expected", token.lineno)
        self._tag_stack.append(token.value)
        pop_finally = True
        try:
            if token.value in _STATEMENT_KEYWORDS:
                return getattr(self, f"parse_{token.value}")()
            if token.value == "call":
                return self.parse_call_block()
            if token.value == "filter":
                return self.parse_filter_block()
            ext = self.extensions.get(token.value)
            if ext is not None:
                return ext(self)
            self._tag_stack.pop()
            pop_finally = False
            self.fail_unknown_tag(token.value, token.lineno)
        finally:
            if pop_finally:
                self._tag_stack.pop()

    def parse_statements(
        self, end_tokens: tuple[str, ...], drop_needle: bool = False
    ) -> list[nodes.Node]:
        self.stream.skip_if("colon")
        self.stream.expect("block_end")
        result = self.subparse(end_tokens)
        if self.stream.current.type == "eof":
            self.fail_eof(end_tokens)
        if drop_needle:
            next(self.stream)
        return result

    def parse_set(self) -> nodes.Node:
        lineno = next(self.stream).lineno
        target = self.parse_assign_target(with_namespace=True)
        if self.stream.skip_if("assign"):
            expr = self.parse_tuple()
            return nodes.Assign(target, expr, lineno=lineno)
        filter_node = self.parse_filter(None)
        body = self.parse_statements(("name:endset",), drop_needle=True)
        return nodes.AssignBlock(target, filter_node, body, lineno=lineno)

    def parse_for(self) -> nodes.For:
        lineno = self.stream.expect("name:for").lineno
        target = self.parse_assign_target(extra_end_rules=("name:in",))
        self.stream.expect("name:in")
        iter_ = self.parse_tuple(with_condexpr=False, extra_end_rules=("name:recursive",))
        test = None
        if self.stream.skip_if("name:if"):
            test = self.parse_expression()
        recursive = self.stream.skip_if("name:recursive")
        body = self.parse_statements(("name:endfor", "name:else"))
        if next(self.stream).value == "endfor":
            else_: list[nodes.Node] = []
        else:
            else_ = self.parse_statements(("name:endfor",), drop_needle=True)
        return nodes.For(target, iter_, body, else_, test, recursive, lineno=lineno)

    def parse_if(self) -> nodes.If:
        node = result = nodes.If(lineno=self.stream.expect("name:if").lineno)
        while True:
            node.test = self.parse_tuple(with_condexpr=False)
            node.body = self.parse_statements(("name:elif", "name:else", "name:endif"))
            node.elif_ = []
            node.else_ = []
            token = next(self.stream)
            if token.test("name:elif"):
                node = nodes.If(lineno=self.stream.current.lineno)
                result.elif_.append(node)
                continue
            if token.test("name:else"):
                result.else_ = self.parse_statements(("name:endif",), drop_needle=True)
            break
        return result

    def parse_with(self) -> nodes.With:
        node = nodes.With(lineno=next(self.stream).lineno)
        targets: list[nodes.Expr] = []
        values: list[nodes.Expr] = []
        while self.stream.current.type != "block_end":
            if targets:
                self.stream.expect("comma")
            target = self.parse_assign_target()
            target.set_ctx("param")
            targets.append(target)
            self.stream.expect("assign")
            values.append(self.parse_expression())
        node.targets = targets
        node.values = values
        node.body = self.parse_statements(("name:endwith",), drop_needle=True)
        return node

    def parse_autoescape(self) -> nodes.Scope:
        node = nodes.ScopedEvalContextModifier(lineno=next(self.stream).lineno)
        node.options = [nodes.Keyword("autoescape", self.parse_expression())]
        node.body = self.parse_statements(("name:endautoescape",), drop_needle=True)
        return nodes.Scope([node])

    def parse_block(self) -> nodes.Block:
        node = nodes.Block(lineno=next(self.stream).lineno)
        node.name = self.stream.expect("name").value
        node.scoped = self.stream.skip_if("name:scoped")
        node.required = self.stream.skip_if("name:required")
        if self.stream.current.type == "sub":
            self.fail(
                "Block names in Jinja have to be valid Python identifiers and may not"
                " contain hyphens, use an underscore instead."
            )
        node.body = self.parse_statements(("name:endblock",), drop_needle=True)
        if node.required:
            for body_node in node.body:
                if not isinstance(body_node, nodes.Output) or any(
                    not isinstance(child, nodes.TemplateData) or not child.data.isspace()
                    for child in body_node.nodes
                ):
                    self.fail("Required blocks can only contain comments or whitespace")
        self.stream.skip_if("name:" + node.name)
        return node

    def parse_extends(self) -> nodes.Extends:
        node = nodes.Extends(lineno=next(self.stream).lineno)
        node.template = self.parse_expression()
        return node

    def parse_import_context(self, node: nodes.Node, default: bool) -> nodes.Node:
        if self.stream.current.test_any("name:with", "name:without") and self.stream.look().test(
            "name:context"
        ):
            node.with_context = next(self.stream).value == "with"
            self.stream.skip()
        else:
            node.with_context = default
        return node

    def parse_include(self) -> nodes.Node:
        node = nodes.Include(lineno=next(self.stream).lineno)
        node.template = self.parse_expression()
        if self.stream.current.test("name:ignore") and self.stream.look().test("name:missing"):
            node.ignore_missing = True
            self.stream.skip(2)
        else:
            node.ignore_missing = False
        return self.parse_import_context(node, True)

    def parse_import(self) -> nodes.Node:
        node = nodes.Import(lineno=next(self.stream).lineno)
        node.template = self.parse_expression()
        self.stream.expect("name:as")
        node.target = self.parse_assign_target(name_only=True).name
        return self.parse_import_context(node, False)

    def parse_from(self) -> nodes.FromImport:
        node = nodes.FromImport(lineno=next(self.stream).lineno)
        node.template = self.parse_expression()
        self.stream.expect("name:import")
        node.names = []

        def parse_context() -> bool:
            if self.stream.current.value in {"with", "without"} and self.stream.look().test(
                "name:context"
            ):
                node.with_context = next(self.stream).value == "with"
                self.stream.skip()
                return True
            return False

        while True:
            if node.names:
                self.stream.expect("comma")
            if self.stream.current.type == "name":
                if parse_context():
                    break
                target = self.parse_assign_target(name_only=True)
                if target.name.startswith("_"):
                    self.fail(
                        "names starting with an underline can not be imported",
                        target.lineno,
                        exc=TemplateAssertionError,
                    )
                if self.stream.skip_if("name:as"):
                    alias = self.parse_assign_target(name_only=True)
                    node.names.append((target.name, alias.name))
                else:
                    node.names.append(target.name)
                if parse_context() or self.stream.current.type != "comma":
                    break
            else:
                self.stream.expect("name")
        if not hasattr(node, "with_context"):
            node.with_context = False
        return node

    def parse_signature(self, node: nodes.Node) -> None:
        args: list[nodes.Name] = []
        defaults: list[nodes.Expr] = []
        node.args = args
        node.defaults = defaults
        self.stream.expect("lparen")
        while self.stream.current.type != "rparen":
            if args:
                self.stream.expect("comma")
            arg = self.parse_assign_target(name_only=True)
            arg.set_ctx("param")
            if self.stream.skip_if("assign"):
                defaults.append(self.parse_expression())
            elif defaults:
                self.fail("non-default argument follows default argument")
            args.append(arg)
        self.stream.expect("rparen")

    def parse_call_block(self) -> nodes.CallBlock:
        node = nodes.CallBlock(lineno=next(self.stream).lineno)
        if self.stream.current.type == "lparen":
            self.parse_signature(node)
        else:
            node.args = []
            node.defaults = []
        call_node = self.parse_expression()
        if not isinstance(call_node, nodes.Call):
            self.fail("expected call", node.lineno)
        node.call = call_node
        node.body = self.parse_statements(("name:endcall",), drop_needle=True)
        return node

    def parse_filter_block(self) -> nodes.FilterBlock:
        node = nodes.FilterBlock(lineno=next(self.stream).lineno)
        node.filter = self.parse_filter(None, start_inline=True)
        node.body = self.parse_statements(("name:endfilter",), drop_needle=True)
        return node

    def parse_macro(self) -> nodes.Macro:
        node = nodes.Macro(lineno=next(self.stream).lineno)
        node.name = self.parse_assign_target(name_only=True).name
        self.parse_signature(node)
        node.body = self.parse_statements(("name:endmacro",), drop_needle=True)
        return node

    def parse_print(self) -> nodes.Output:
        node = nodes.Output(lineno=next(self.stream).lineno)
        node.nodes = []
        while self.stream.current.type != "block_end":
            if node.nodes:
                self.stream.expect("comma")
            node.nodes.append(self.parse_expression())
        return node

    def parse_assign_target(
        self,
        with_tuple: bool = True,
        name_only: bool = False,
        extra_end_rules: tuple[str, ...] | None = None,
        with_namespace: bool = False,
    ) -> Any:
        target: nodes.Expr
        if name_only:
            token = self.stream.expect("name")
            target = nodes.Name(token.value, "store", lineno=token.lineno)
        else:
            if with_tuple:
                target = self.parse_tuple(
                    simplified=True,
                    extra_end_rules=extra_end_rules,
                    with_namespace=with_namespace,
                )
            else:
                target = self.parse_primary(with_namespace=with_namespace)
            target.set_ctx("store")
        if not target.can_assign():
            self.fail(f"can't assign to {type(target).__name__.lower()!r}", target.lineno)
        return target

    def subparse(self, end_tokens: tuple[str, ...] | None = None) -> list[nodes.Node]:
        body: list[nodes.Node] = []
        data_buffer: list[nodes.Node] = []

        def flush_data() -> None:
            if data_buffer:
                lineno = data_buffer[0].lineno
                body.append(nodes.Output(data_buffer[:], lineno=lineno))
                del data_buffer[:]

        if end_tokens is not None:
            self._end_token_stack.append(end_tokens)
        try:
            while self.stream:
                token = self.stream.current
                if token.type == "data":
                    if token.value:
                        data_buffer.append(nodes.TemplateData(token.value, lineno=token.lineno))
                    next(self.stream)
                elif token.type == "variable_begin":
                    next(self.stream)
                    data_buffer.append(self.parse_tuple(with_condexpr=True))
                    self.stream.expect("variable_end")
                elif token.type == "block_begin":
                    flush_data()
                    next(self.stream)
                    if end_tokens is not None and self.stream.current.test_any(*end_tokens):
                        return body
                    result = self.parse_statement()
                    if isinstance(result, list):
                        body.extend(result)
                    else:
                        body.append(result)
                    self.stream.expect("block_end")
                else:
                    raise AssertionError("internal parsing error")
            flush_data()
        finally:
            if end_tokens is not None:
                self._end_token_stack.pop()
        return body

    def parse(self) -> nodes.Template:
        """Parse the whole template into a ``nodes.Template``."""
        result = nodes.Template(self.subparse(), lineno=1)
        result.set_environment(self.environment)
        return result
