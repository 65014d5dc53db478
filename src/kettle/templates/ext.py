"""The Extension API and the builtin extensions: i18n, do, loopcontrols, debug.

Rules: an ``Extension`` registers tags; the parser hands it the parser at its tag and
it returns nodes (``Output``, ``CallBlock`` of ``call_method``...), so extensions never
touch generated code. ``identifier`` is ``module.ClassName``; ``bind`` copies an
extension onto an overlay environment. i18n follows Jinja: ``{% trans %}`` becomes a
``gettext``/``ngettext``/``pgettext``/``npgettext`` call (old style: ``%`` formatting in
the template; new style: the callable formats and autoescapes) and ``extract_from_ast``
/ ``babel_extract`` find translatable strings.
"""

from __future__ import annotations

import gettext as gettext_module
import pprint
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

from markupsafe import Markup

from . import defaults, nodes
from .environment import Environment
from .exceptions import TemplateAssertionError, TemplateSyntaxError
from .runtime import Context
from .utils import concat, import_string, pass_context

GETTEXT_FUNCTIONS: tuple[str, ...] = ("_", "gettext", "ngettext", "pgettext", "npgettext")
_WS_RE = re.compile(r"\s*\n\s*")


class Extension:
    """Base class of extensions: set ``tags`` and implement ``parse``."""

    identifier: str
    tags: set[str] = set()
    priority = 100

    def __init_subclass__(cls) -> None:
        cls.identifier = f"{cls.__module__}.{cls.__name__}"

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def bind(self, environment: Environment) -> Extension:
        result = object.__new__(self.__class__)
        result.__dict__.update(self.__dict__)
        result.environment = environment
        return result

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return source

    def filter_stream(self, stream: Any) -> Any:
        return stream

    def parse(self, parser: Any) -> nodes.Node | list[nodes.Node]:
        """Parse the extension's tag; ``parser.stream.current`` is the tag name token."""
        raise NotImplementedError(f"{type(self).__name__} lists tags but does not define parse()")

    def attr(self, name: str, lineno: int | None = None) -> nodes.ExtensionAttribute:
        return nodes.ExtensionAttribute(self.identifier, name, lineno=lineno)

    def call_method(
        self,
        name: str,
        args: list[nodes.Expr] | None = None,
        kwargs: list[nodes.Keyword] | None = None,
        dyn_args: nodes.Expr | None = None,
        dyn_kwargs: nodes.Expr | None = None,
        lineno: int | None = None,
    ) -> nodes.Call:
        if args is None:
            args = []
        if kwargs is None:
            kwargs = []
        return nodes.Call(
            self.attr(name, lineno=lineno), args, kwargs, dyn_args, dyn_kwargs, lineno=lineno
        )


Extension.identifier = f"{Extension.__module__}.Extension"


@pass_context
def _gettext_alias(__context: Context, *args: Any, **kwargs: Any) -> Any:
    return __context.call(__context.resolve("gettext"), *args, **kwargs)


def _make_new_gettext(func: Callable[[str], str]) -> Callable[..., str]:
    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        result = __context.call(func, __string)
        if __context.eval_ctx.autoescape:
            result = Markup(result)
        return result % variables  # type: ignore[no-any-return]

    return gettext


def _make_new_ngettext(func: Callable[[str, str, int], str]) -> Callable[..., str]:
    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        result = __context.call(func, __singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            result = Markup(result)
        return result % variables  # type: ignore[no-any-return]

    return ngettext


def _make_new_pgettext(func: Callable[[str, str], str]) -> Callable[..., str]:
    @pass_context
    def pgettext(__context: Context, __string_ctx: str, __string: str, **variables: Any) -> str:
        variables.setdefault("context", __string_ctx)
        result = __context.call(func, __string_ctx, __string)
        if __context.eval_ctx.autoescape:
            result = Markup(result)
        return result % variables  # type: ignore[no-any-return]

    return pgettext


def _make_new_npgettext(func: Callable[[str, str, str, int], str]) -> Callable[..., str]:
    @pass_context
    def npgettext(
        __context: Context,
        __string_ctx: str,
        __singular: str,
        __plural: str,
        __num: int,
        **variables: Any,
    ) -> str:
        variables.setdefault("context", __string_ctx)
        variables.setdefault("num", __num)
        result = __context.call(func, __string_ctx, __singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            result = Markup(result)
        return result % variables  # type: ignore[no-any-return]

    return npgettext


class InternationalizationExtension(Extension):
    """``{% trans %}`` blocks and the gettext globals (``jinja2.ext.i18n``)."""

    tags = {"trans"}

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["_"] = _gettext_alias
        environment.extend(
            install_gettext_translations=self._install,
            install_null_translations=self._install_null,
            install_gettext_callables=self._install_callables,
            uninstall_gettext_translations=self._uninstall,
            extract_translations=self._extract,
            newstyle_gettext=False,
        )

    def _install(self, translations: Any, newstyle: bool | None = None) -> None:
        gettext = getattr(translations, "ugettext", None) or translations.gettext
        ngettext = getattr(translations, "ungettext", None) or translations.ngettext
        pgettext = getattr(translations, "pgettext", None)
        npgettext = getattr(translations, "npgettext", None)
        self._install_callables(
            gettext, ngettext, newstyle=newstyle, pgettext=pgettext, npgettext=npgettext
        )

    def _install_null(self, newstyle: bool | None = None) -> None:
        translations = gettext_module.NullTranslations()
        self._install_callables(
            translations.gettext,
            translations.ngettext,
            newstyle=newstyle,
            pgettext=translations.pgettext,
            npgettext=translations.npgettext,
        )

    def _install_callables(
        self,
        gettext: Callable[..., Any],
        ngettext: Callable[..., Any],
        newstyle: bool | None = None,
        pgettext: Callable[..., Any] | None = None,
        npgettext: Callable[..., Any] | None = None,
    ) -> None:
        env: Any = self.environment
        if newstyle is not None:
            env.newstyle_gettext = newstyle
        if env.newstyle_gettext:
            gettext = _make_new_gettext(gettext)
            ngettext = _make_new_ngettext(ngettext)
            if pgettext is not None:
                pgettext = _make_new_pgettext(pgettext)
            if npgettext is not None:
                npgettext = _make_new_npgettext(npgettext)
        env.globals.update(
            gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
        )

    def _uninstall(self, translations: Any) -> None:
        for key in ("gettext", "ngettext", "pgettext", "npgettext"):
            self.environment.globals.pop(key, None)

    def _extract(
        self, source: str | nodes.Template, gettext_functions: Sequence[str] = GETTEXT_FUNCTIONS
    ) -> Iterator[tuple[int, str, str | tuple[str | None, ...] | None]]:
        if isinstance(source, str):
            source = self.environment.parse(source)
        return extract_from_ast(source, gettext_functions)

    def parse(self, parser: Any) -> nodes.Node | list[nodes.Node]:
        lineno = next(parser.stream).lineno
        context = None
        context_token = parser.stream.next_if("string")
        if context_token is not None:
            context = context_token.value
        state = _TransHeader()
        self._parse_header(parser, state)
        parser.stream.expect("block_end")
        return self._parse_body(parser, state, context, lineno)

    def _parse_header(self, parser: Any, state: _TransHeader) -> None:
        variables = state.variables
        while parser.stream.current.type != "block_end":
            if variables:
                parser.stream.expect("comma")
            if parser.stream.skip_if("colon"):
                break
            token = parser.stream.expect("name")
            if token.value in variables:
                parser.fail(
                    f"translatable variable {token.value!r} defined twice.",
                    token.lineno,
                    exc=TemplateAssertionError,
                )
            if parser.stream.current.type == "assign":
                next(parser.stream)
                variables[token.value] = var = parser.parse_expression()
            elif state.trimmed is None and token.value in ("trimmed", "notrimmed"):
                state.trimmed = token.value == "trimmed"
                continue
            else:
                variables[token.value] = var = nodes.Name(token.value, "load")
            if state.plural_expr is None:
                if isinstance(var, nodes.Call):
                    state.plural_expr = nodes.Name("_trans", "load")
                    variables[token.value] = state.plural_expr
                    state.plural_expr_assignment = nodes.Assign(nodes.Name("_trans", "store"), var)
                else:
                    state.plural_expr = var
                state.num_called_num = token.value == "num"

    def _parse_body(
        self, parser: Any, state: _TransHeader, context: str | None, lineno: int
    ) -> nodes.Node | list[nodes.Node]:
        variables = state.variables
        plural = None
        have_plural = False
        referenced: set[str] = set()
        singular_names, singular = self._parse_block(parser, True)
        if singular_names:
            referenced.update(singular_names)
            if state.plural_expr is None:
                state.plural_expr = nodes.Name(singular_names[0], "load")
                state.num_called_num = singular_names[0] == "num"
        if parser.stream.current.test("name:pluralize"):
            have_plural = True
            next(parser.stream)
            if parser.stream.current.type != "block_end":
                token = parser.stream.expect("name")
                if token.value not in variables:
                    parser.fail(
                        f"unknown variable {token.value!r} for pluralization",
                        token.lineno,
                        exc=TemplateAssertionError,
                    )
                state.plural_expr = variables[token.value]
                state.num_called_num = token.value == "num"
            parser.stream.expect("block_end")
            plural_names, plural = self._parse_block(parser, False)
            next(parser.stream)
            referenced.update(plural_names)
        else:
            next(parser.stream)
        for name in referenced:
            if name not in variables:
                variables[name] = nodes.Name(name, "load")
        plural_expr = state.plural_expr
        if not have_plural:
            plural_expr = None
        elif plural_expr is None:
            parser.fail("pluralize without variables", lineno)
        trimmed = state.trimmed
        if trimmed is None:
            trimmed = self.environment.policies["ext.i18n.trimmed"]
        if trimmed:
            singular = _WS_RE.sub(" ", singular.strip())
            if plural:
                plural = _WS_RE.sub(" ", plural.strip())
        node = self._make_node(
            singular,
            plural,
            context,
            variables,
            plural_expr,
            bool(referenced),
            state.num_called_num and have_plural,
        )
        node.set_lineno(lineno)
        if state.plural_expr_assignment is not None:
            return [state.plural_expr_assignment, node]
        return node

    def _parse_block(self, parser: Any, allow_pluralize: bool) -> tuple[list[str], str]:
        referenced = []
        buf = []
        stream = parser.stream
        while True:
            if stream.current.type == "data":
                buf.append(stream.current.value.replace("%", "%%"))
                next(stream)
            elif stream.current.type == "variable_begin":
                next(stream)
                name = stream.expect("name").value
                referenced.append(name)
                buf.append(f"%({name})s")
                stream.expect("variable_end")
            elif stream.current.type == "block_begin":
                next(stream)
                block_name = stream.current.value if stream.current.type == "name" else None
                if block_name == "endtrans":
                    break
                if block_name == "pluralize":
                    if allow_pluralize:
                        break
                    parser.fail("a translatable section can have only one pluralize section")
                elif block_name == "trans":
                    parser.fail("trans blocks can't be nested; did you mean `endtrans`?")
                parser.fail(
                    "control structures in translatable sections are not allowed;"
                    f" saw `{block_name}`"
                )
            elif stream.eos:
                parser.fail("unclosed translation block")
            else:
                raise RuntimeError("internal parser error")
        return referenced, concat(buf)

    def _make_node(
        self,
        singular: str,
        plural: str | None,
        context: str | None,
        variables: dict[str, nodes.Expr],
        plural_expr: nodes.Expr | None,
        vars_referenced: bool,
        num_called_num: bool,
    ) -> nodes.Output:
        newstyle = getattr(self.environment, "newstyle_gettext", False)
        if not vars_referenced and not newstyle:
            singular = singular.replace("%%", "%")
            if plural:
                plural = plural.replace("%%", "%")
        func_name = "gettext"
        func_args: list[nodes.Expr] = [nodes.Const(singular)]
        if context is not None:
            func_args.insert(0, nodes.Const(context))
            func_name = f"p{func_name}"
        if plural_expr is not None:
            func_name = f"n{func_name}"
            func_args.extend((nodes.Const(plural), plural_expr))
        node: nodes.Expr = nodes.Call(nodes.Name(func_name, "load"), func_args, [], None, None)
        if newstyle:
            for key, value in variables.items():
                if num_called_num and key == "num":
                    continue
                node.kwargs.append(nodes.Keyword(key, value))
        else:
            node = nodes.MarkSafeIfAutoescape(node)
            if variables:
                pairs = [nodes.Pair(nodes.Const(key), value) for key, value in variables.items()]
                node = nodes.Mod(node, nodes.Dict(pairs))
        return nodes.Output([node])


class _TransHeader:
    """What the ``{% trans ... %}`` tag declared before its body."""

    def __init__(self) -> None:
        self.variables: dict[str, nodes.Expr] = {}
        self.plural_expr: nodes.Expr | None = None
        self.plural_expr_assignment: nodes.Assign | None = None
        self.num_called_num = False
        self.trimmed: bool | None = None


class ExprStmtExtension(Extension):
    """``{% do expr %}``: evaluate an expression for its effect (``jinja2.ext.do``)."""

    tags = {"do"}

    def parse(self, parser: Any) -> nodes.ExprStmt:
        node = nodes.ExprStmt(lineno=next(parser.stream).lineno)
        node.node = parser.parse_tuple()
        return node


class LoopControlExtension(Extension):
    """``{% break %}`` and ``{% continue %}`` (``jinja2.ext.loopcontrols``)."""

    tags = {"break", "continue"}

    def parse(self, parser: Any) -> nodes.Break | nodes.Continue:
        token = next(parser.stream)
        if token.value == "break":
            return nodes.Break(lineno=token.lineno)
        return nodes.Continue(lineno=token.lineno)


class DebugExtension(Extension):
    """``{% debug %}``: print the context, filters and tests (``jinja2.ext.debug``)."""

    tags = {"debug"}

    def parse(self, parser: Any) -> nodes.Output:
        lineno = parser.stream.expect("name:debug").lineno
        context = nodes.ContextReference()
        result = self.call_method("_render", [context], lineno=lineno)
        return nodes.Output([result], lineno=lineno)

    def _render(self, context: Context) -> str:
        result = {
            "context": context.get_all(),
            "filters": sorted(self.environment.filters.keys()),
            "tests": sorted(self.environment.tests.keys()),
        }
        return pprint.pformat(result, depth=3, compact=True)


def extract_from_ast(
    ast: nodes.Template,
    gettext_functions: Sequence[str] = GETTEXT_FUNCTIONS,
    babel_style: bool = True,
) -> Iterator[tuple[int, str, str | tuple[str | None, ...] | None]]:
    """Yield ``(lineno, function, message)`` for every gettext call with literal strings."""
    out: str | tuple[str | None, ...] | None
    for node in ast.find_all(nodes.Call):
        if not isinstance(node.node, nodes.Name) or node.node.name not in gettext_functions:
            continue
        strings: list[str | None] = []
        for arg in node.args:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                strings.append(arg.value)
            else:
                strings.append(None)
        strings.extend(None for _ in node.kwargs)
        if node.dyn_args is not None:
            strings.append(None)
        if node.dyn_kwargs is not None:
            strings.append(None)
        if not babel_style:
            out = tuple(x for x in strings if x is not None)
            if not out:
                continue
        elif len(strings) == 1:
            out = strings[0]
        else:
            out = tuple(strings)
        yield node.lineno, node.node.name, out


class _CommentFinder:
    """Finds translator comments (``{# NOTE: ... #}``) preceding a line."""

    def __init__(self, tokens: Sequence[tuple[int, str, str]], comment_tags: Sequence[str]):
        self.tokens = tokens
        self.comment_tags = comment_tags
        self.offset = 0
        self.last_lineno = 0

    def find_backwards(self, offset: int) -> list[str]:
        try:
            for _, token_type, token_value in reversed(self.tokens[self.offset : offset]):
                if token_type in ("comment", "linecomment"):
                    try:
                        prefix, comment = token_value.split(None, 1)
                    except ValueError:
                        continue
                    if prefix in self.comment_tags:
                        return [comment.rstrip()]
            return []
        finally:
            self.offset = offset

    def find_comments(self, lineno: int) -> list[str]:
        if not self.comment_tags or self.last_lineno > lineno:
            return []
        for idx, (token_lineno, _, _) in enumerate(self.tokens[self.offset :]):
            if token_lineno > lineno:
                return self.find_backwards(self.offset + idx)
        return self.find_backwards(len(self.tokens))


def _getbool(options: dict[str, Any], key: str, default: bool = False) -> bool:
    return str(options.get(key, str(default))).lower() in {"1", "on", "yes", "true"}


def babel_extract(
    fileobj: BinaryIO,
    keywords: Sequence[str],
    comment_tags: Sequence[str],
    options: dict[str, Any],
) -> Iterator[tuple[int, str, str | tuple[str | None, ...] | None, list[str]]]:
    """Babel's extraction entry point for Jinja templates."""
    extensions: dict[type[Extension], None] = {}
    for extension_name in options.get("extensions", "").split(","):
        extension_name = extension_name.strip()
        if extension_name:
            extensions[import_string(extension_name)] = None
    if InternationalizationExtension not in extensions:
        extensions[InternationalizationExtension] = None
    environment = Environment(
        options.get("block_start_string", defaults.BLOCK_START_STRING),
        options.get("block_end_string", defaults.BLOCK_END_STRING),
        options.get("variable_start_string", defaults.VARIABLE_START_STRING),
        options.get("variable_end_string", defaults.VARIABLE_END_STRING),
        options.get("comment_start_string", defaults.COMMENT_START_STRING),
        options.get("comment_end_string", defaults.COMMENT_END_STRING),
        options.get("line_statement_prefix") or defaults.LINE_STATEMENT_PREFIX,
        options.get("line_comment_prefix") or defaults.LINE_COMMENT_PREFIX,
        _getbool(options, "trim_blocks", defaults.TRIM_BLOCKS),
        _getbool(options, "lstrip_blocks", defaults.LSTRIP_BLOCKS),
        defaults.NEWLINE_SEQUENCE,
        _getbool(options, "keep_trailing_newline", defaults.KEEP_TRAILING_NEWLINE),
        tuple(extensions),
        cache_size=0,
        auto_reload=False,
    )
    if _getbool(options, "trimmed"):
        environment.policies["ext.i18n.trimmed"] = True
    if _getbool(options, "newstyle_gettext"):
        environment.newstyle_gettext = True  # type: ignore[attr-defined]
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    try:
        node = environment.parse(source)
        tokens = list(environment.lex(environment.preprocess(source)))
    except TemplateSyntaxError:
        if not _getbool(options, "silent", True):
            raise
        return
    finder = _CommentFinder(tokens, comment_tags)
    for lineno, func, message in extract_from_ast(node, keywords):
        yield lineno, func, message, finder.find_comments(lineno)


i18n = InternationalizationExtension
do = ExprStmtExtension
loopcontrols = LoopControlExtension
debug = DebugExtension

__all__ = [
    "GETTEXT_FUNCTIONS",
    "DebugExtension",
    "ExprStmtExtension",
    "Extension",
    "InternationalizationExtension",
    "LoopControlExtension",
    "babel_extract",
    "debug",
    "do",
    "extract_from_ast",
    "i18n",
    "loopcontrols",
]
