"""``Environment``: the configuration shared by templates, and the compile pipeline.

Rules: the constructor's signature and positional order are jinja2.Environment's. The
pipeline is preprocess (extensions) -> lex -> filter_stream (extensions) -> parse ->
generate Python source -> ``compile`` -> code object; ``Template.from_code`` executes it.
Loaded templates are cached per (loader, name) and reloaded when ``auto_reload`` is on
and the loader says the source changed. Syntax errors leave through
``handle_exception`` so their traceback points at the template file and line.
"""

from __future__ import annotations

import weakref
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from functools import reduce
from typing import Any, NoReturn

from . import nodes
from .compiler import CodeGenerator, generate
from .debug import rewrite_traceback_stack
from .defaults import (
    BLOCK_END_STRING,
    BLOCK_START_STRING,
    COMMENT_END_STRING,
    COMMENT_START_STRING,
    DEFAULT_FILTERS,
    DEFAULT_NAMESPACE,
    DEFAULT_POLICIES,
    DEFAULT_TESTS,
    KEEP_TRAILING_NEWLINE,
    LINE_COMMENT_PREFIX,
    LINE_STATEMENT_PREFIX,
    LSTRIP_BLOCKS,
    NEWLINE_SEQUENCE,
    TRIM_BLOCKS,
    VARIABLE_END_STRING,
    VARIABLE_START_STRING,
)
from .exceptions import (
    TemplateNotFound,
    TemplateRuntimeError,
    TemplatesNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from .lexer import Lexer, TokenStream, get_lexer
from .module_compile import compile_templates
from .parser import Parser
from .runtime import Context
from .template import (
    Template,
    TemplateExpression,
    TemplateModule,
    TemplateStream,
    get_spontaneous_environment,
)
from .undefined import Undefined
from .utils import LRUCache, _PassArg, import_string, missing


def create_cache(size: int) -> Any:
    if size == 0:
        return None
    if size < 0:
        return {}
    return LRUCache(size)


def copy_cache(cache: Any) -> Any:
    if cache is None:
        return None
    if type(cache) is dict:
        return {}
    return LRUCache(cache.capacity)


def load_extensions(environment: Environment, extensions: Iterable[Any]) -> dict[str, Any]:
    result = {}
    for extension in extensions:
        if isinstance(extension, str):
            extension = import_string(extension)
        result[extension.identifier] = extension(environment)
    return result


def _environment_config_check(environment: Environment) -> Environment:
    if not (
        isinstance(environment.undefined, type) and issubclass(environment.undefined, Undefined)
    ):
        raise TypeError("'undefined' must be a subclass of 'jinja2.Undefined'.")
    if not (
        environment.block_start_string
        != environment.variable_start_string
        != environment.comment_start_string
    ):
        raise ValueError("block, variable and comment start strings must be different.")
    if environment.newline_sequence not in {"\r", "\r\n", "\n"}:
        raise ValueError("'newline_sequence' must be one of '\\n', '\\r\\n', or '\\r'.")
    return environment


class Environment:
    """Holds the syntax, filters, tests, globals, loader and cache of templates."""

    sandboxed = False
    overlayed = False
    linked_to: Environment | None = None
    shared = False
    code_generator_class: type[CodeGenerator] = CodeGenerator
    concat = "".join
    context_class: type[Context] = Context
    template_class: type[Template]

    def __init__(
        self,
        block_start_string: str = BLOCK_START_STRING,
        block_end_string: str = BLOCK_END_STRING,
        variable_start_string: str = VARIABLE_START_STRING,
        variable_end_string: str = VARIABLE_END_STRING,
        comment_start_string: str = COMMENT_START_STRING,
        comment_end_string: str = COMMENT_END_STRING,
        line_statement_prefix: str | None = LINE_STATEMENT_PREFIX,
        line_comment_prefix: str | None = LINE_COMMENT_PREFIX,
        trim_blocks: bool = TRIM_BLOCKS,
        lstrip_blocks: bool = LSTRIP_BLOCKS,
        newline_sequence: str = NEWLINE_SEQUENCE,
        keep_trailing_newline: bool = KEEP_TRAILING_NEWLINE,
        extensions: Iterable[Any] = (),
        optimized: bool = True,
        undefined: type[Undefined] = Undefined,
        finalize: Callable[..., Any] | None = None,
        autoescape: bool | Callable[[str | None], bool] = False,
        loader: Any = None,
        cache_size: int = 400,
        auto_reload: bool = True,
        bytecode_cache: Any = None,
        enable_async: bool = False,
    ) -> None:
        self.block_start_string = block_start_string
        self.block_end_string = block_end_string
        self.variable_start_string = variable_start_string
        self.variable_end_string = variable_end_string
        self.comment_start_string = comment_start_string
        self.comment_end_string = comment_end_string
        self.line_statement_prefix = line_statement_prefix
        self.line_comment_prefix = line_comment_prefix
        self.trim_blocks = trim_blocks
        self.lstrip_blocks = lstrip_blocks
        self.newline_sequence = newline_sequence
        self.keep_trailing_newline = keep_trailing_newline
        self.undefined: type[Undefined] = undefined
        self.optimized = optimized
        self.finalize = finalize
        self.autoescape = autoescape
        self.filters: dict[str, Callable[..., Any]] = DEFAULT_FILTERS.copy()
        self.tests: dict[str, Callable[..., Any]] = DEFAULT_TESTS.copy()
        self.globals: dict[str, Any] = DEFAULT_NAMESPACE.copy()
        self.loader = loader
        self.cache = create_cache(cache_size)
        self.bytecode_cache = bytecode_cache
        self.auto_reload = auto_reload
        self.policies: dict[str, Any] = DEFAULT_POLICIES.copy()
        self.extensions = load_extensions(self, extensions)
        self.is_async = enable_async
        _environment_config_check(self)

    def add_extension(self, extension: Any) -> None:
        self.extensions.update(load_extensions(self, [extension]))

    def extend(self, **attributes: Any) -> None:
        for key, value in attributes.items():
            if not hasattr(self, key):
                setattr(self, key, value)

    def overlay(
        self,
        block_start_string: str = missing,
        block_end_string: str = missing,
        variable_start_string: str = missing,
        variable_end_string: str = missing,
        comment_start_string: str = missing,
        comment_end_string: str = missing,
        line_statement_prefix: str | None = missing,
        line_comment_prefix: str | None = missing,
        trim_blocks: bool = missing,
        lstrip_blocks: bool = missing,
        newline_sequence: str = missing,
        keep_trailing_newline: bool = missing,
        extensions: Iterable[Any] = missing,
        optimized: bool = missing,
        undefined: type[Undefined] = missing,
        finalize: Callable[..., Any] | None = missing,
        autoescape: Any = missing,
        loader: Any = missing,
        cache_size: int = missing,
        auto_reload: bool = missing,
        bytecode_cache: Any = missing,
        enable_async: bool = missing,
    ) -> Environment:
        """A linked copy sharing this environment's data, with the given settings changed."""
        args = dict(locals())
        del args["self"], args["cache_size"], args["extensions"], args["enable_async"]
        result = object.__new__(self.__class__)
        result.__dict__.update(self.__dict__)
        result.overlayed = True
        result.linked_to = self
        for key, value in args.items():
            if value is not missing:
                setattr(result, key, value)
        if cache_size is not missing:
            result.cache = create_cache(cache_size)
        else:
            result.cache = copy_cache(self.cache)
        result.extensions = {}
        for key, value in self.extensions.items():
            result.extensions[key] = value.bind(result)
        if extensions is not missing:
            result.extensions.update(load_extensions(result, extensions))
        if enable_async is not missing:
            result.is_async = enable_async
        return _environment_config_check(result)

    @property
    def lexer(self) -> Lexer:
        return get_lexer(self)

    def iter_extensions(self) -> Iterator[Any]:
        return iter(sorted(self.extensions.values(), key=lambda x: x.priority))

    def getitem(self, obj: Any, argument: Any) -> Any:
        """``obj[argument]``, falling back to the attribute of that name."""
        try:
            return obj[argument]
        except (AttributeError, TypeError, LookupError):
            if isinstance(argument, str):
                try:
                    attr = str(argument)
                except Exception:
                    pass
                else:
                    try:
                        return getattr(obj, attr)
                    except AttributeError:
                        pass
            return self.undefined(obj=obj, name=argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute``, falling back to ``obj[attribute]``."""
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def _getattr_fallback(self, obj: Any, attribute: str) -> Any:
        """The rest of the default ``getattr`` once ``obj`` has no attribute ``attribute``.

        Generated code does the attribute read inline (``getattr`` with a default) while
        the environment's ``getattr`` is this class's, and calls this only when it fails.
        """
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def _filter_test_common(
        self,
        name: Any,
        value: Any,
        args: Any,
        kwargs: Any,
        context: Context | None,
        eval_ctx: nodes.EvalContext | None,
        is_filter: bool,
    ) -> Any:
        table = self.filters if is_filter else self.tests
        type_name = "filter" if is_filter else "test"
        func = table.get(name)
        if func is None:
            msg = f"No {type_name} named {name!r}."
            if isinstance(name, Undefined):
                try:
                    name._fail_with_undefined_error()
                except Exception as e:
                    msg = f"{msg} ({e}; did you forget to quote the callable name?)"
            raise TemplateRuntimeError(msg)
        call_args = [value, *(args if args is not None else ())]
        call_kwargs = kwargs if kwargs is not None else {}
        pass_arg = _PassArg.from_obj(func)
        if pass_arg is _PassArg.context:
            if context is None:
                raise TemplateRuntimeError(
                    f"Attempted to invoke a context {type_name} without context."
                )
            call_args.insert(0, context)
        elif pass_arg is _PassArg.eval_context:
            if eval_ctx is None:
                eval_ctx = context.eval_ctx if context is not None else nodes.EvalContext(self)
            call_args.insert(0, eval_ctx)
        elif pass_arg is _PassArg.environment:
            call_args.insert(0, self)
        return func(*call_args, **call_kwargs)

    def call_filter(
        self,
        name: str,
        value: Any,
        args: Any = None,
        kwargs: Any = None,
        context: Context | None = None,
        eval_ctx: nodes.EvalContext | None = None,
    ) -> Any:
        return self._filter_test_common(name, value, args, kwargs, context, eval_ctx, True)

    def call_test(
        self,
        name: str,
        value: Any,
        args: Any = None,
        kwargs: Any = None,
        context: Context | None = None,
        eval_ctx: nodes.EvalContext | None = None,
    ) -> Any:
        return self._filter_test_common(name, value, args, kwargs, context, eval_ctx, False)

    # -- the compile pipeline --------------------------------------------------------

    def parse(
        self, source: str, name: str | None = None, filename: str | None = None
    ) -> nodes.Template:
        try:
            return self._parse(source, name, filename)
        except TemplateSyntaxError:
            self.handle_exception(source=source)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return Parser(self, source, name, filename).parse()

    def lex(
        self, source: str, name: str | None = None, filename: str | None = None
    ) -> Iterator[tuple[int, str, str]]:
        source = str(source)
        try:
            return iter(list(self.lexer.tokeniter(source, name, filename)))
        except TemplateSyntaxError:
            self.handle_exception(source=source)

    def preprocess(self, source: str, name: str | None = None, filename: str | None = None) -> str:
        return reduce(
            lambda s, e: e.preprocess(s, name, filename), self.iter_extensions(), str(source)
        )

    def _tokenize(
        self, source: str, name: str | None, filename: str | None = None, state: str | None = None
    ) -> TokenStream:
        source = self.preprocess(source, name, filename)
        stream: Any = self.lexer.tokenize(source, name, filename, state)
        for ext in self.iter_extensions():
            stream = ext.filter_stream(stream)
            if not isinstance(stream, TokenStream):
                stream = TokenStream(stream, name, filename)
        return stream  # type: ignore[no-any-return]

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        return generate(
            source, self, name, filename, defer_init=defer_init, optimized=self.optimized
        )

    def _compile(self, source: str, filename: str) -> Any:
        return compile(source, filename, "exec")

    def compile(
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Compile template source (or a node tree) to a code object, or Python source."""
        source_hint = None
        try:
            try:
                if isinstance(source, str):
                    source_hint = source
                    source = self._parse(source, name, filename)
                code = self._generate(source, name, filename, defer_init=defer_init)
                if raw:
                    return code
                return self._compile(code, filename or "<template>")
            except (RecursionError, SyntaxError, MemoryError) as e:
                # Only absurdly deep nesting gets here (Python's own parser limits).
                message = f"template nesting too deep to compile ({type(e).__name__})"
                raise TemplateSyntaxError(message, 1, name, filename) from None
        except TemplateSyntaxError:
            self.handle_exception(source=source_hint)

    def compile_expression(
        self, source: str, undefined_to_none: bool = True
    ) -> TemplateExpression:
        parser = Parser(self, source, state="variable")
        try:
            expr = parser.parse_expression()
            if not parser.stream.eos:
                raise TemplateSyntaxError(
                    "chunk after expression", parser.stream.current.lineno, None, None
                )
            expr.set_environment(self)
        except TemplateSyntaxError:
            self.handle_exception(source=source)
        body = [nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)]
        template = self.from_string(nodes.Template(body, lineno=1))
        return TemplateExpression(template, undefined_to_none)

    def compile_templates(
        self,
        target: str,
        extensions: Iterable[str] | None = None,
        filter_func: Callable[[str], bool] | None = None,
        zip: str | None = "deflated",
        log_function: Callable[[str], None] | None = None,
        ignore_errors: bool = True,
    ) -> None:
        compile_templates(self, target, extensions, filter_func, zip, log_function, ignore_errors)

    def list_templates(
        self,
        extensions: Iterable[str] | None = None,
        filter_func: Callable[[str], bool] | None = None,
    ) -> list[str]:
        if self.loader is None:
            raise TypeError("No loader configured.")
        names: list[str] = self.loader.list_templates()
        if extensions is not None:
            if filter_func is not None:
                raise TypeError("either extensions or filter_func can be passed, but not both")
            wanted = set(extensions)

            def filter_func(x: str) -> bool:
                return "." in x and x.rsplit(".", 1)[1] in wanted

        if filter_func is not None:
            names = [name for name in names if filter_func(name)]
        return names

    def handle_exception(self, source: str | None = None) -> NoReturn:
        raise rewrite_traceback_stack(source=source)

    def join_path(self, template: str, parent: str) -> str:
        return template

    # -- loading --------------------------------------------------------------------------

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        cache_key = (weakref.ref(self.loader), name)
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template  # type: ignore[no-any-return]
        template = self.loader.load(self, name, self.make_globals(globals))
        if self.cache is not None:
            self.cache[cache_key] = template
        return template  # type: ignore[no-any-return]

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if isinstance(name, Template):
            return name
        if parent is not None:
            name = self.join_path(name, parent)
        return self._load_template(name, globals)

    def select_template(
        self,
        names: Iterable[str | Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if isinstance(names, Undefined):
            names._fail_with_undefined_error()
        if not names:
            raise TemplatesNotFound(message="Tried to select from an empty list of templates.")
        for name in names:
            if isinstance(name, Template):
                return name
            if parent is not None:
                name = self.join_path(name, parent)
            try:
                return self._load_template(name, globals)
            except (TemplateNotFound, UndefinedError):
                pass
        raise TemplatesNotFound(names)

    def get_or_select_template(
        self,
        template_name_or_list: Any,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if (
            type(template_name_or_list) is str
            and parent is None
            and type(self).get_template is Environment.get_template
        ):
            # What ``get_template`` would do for a plain name, without its call.
            return self._load_template(template_name_or_list, globals)
        if isinstance(template_name_or_list, str | Undefined):
            return self.get_template(template_name_or_list, parent, globals)  # type: ignore[arg-type]
        if isinstance(template_name_or_list, Template):
            return template_name_or_list
        return self.select_template(template_name_or_list, parent, globals)

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        gs = self.make_globals(globals)
        cls = template_class or self.template_class
        template = cls.from_code(self, self.compile(source), gs, None)
        if isinstance(source, str):
            template._source = source
        return template

    def _compile_fine(self, source: str, name: str | None, filename: str | None) -> Any:
        """Compile the fine-grained twin of a template (see ``Template.generate``)."""
        node = self._parse(source, name, filename)
        code = generate(node, self, name, filename, optimized=self.optimized, fine=True)
        return self._compile(code, filename or "<template>")

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        if d is None:
            d = {}
        return ChainMap(d, self.globals)


Environment.template_class = Template
Template.environment_class = Environment

__all__ = [
    "Environment",
    "Template",
    "TemplateExpression",
    "TemplateModule",
    "TemplateStream",
    "get_spontaneous_environment",
]
