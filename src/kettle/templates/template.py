"""``Template``: a compiled template and the ways to render it.

Rules: a template is built from the namespace its generated module fills in (``root``,
``blocks``, ``name``, ``debug_info``); ``render`` joins ``root``'s output, ``generate`` and
``stream`` yield it piece by piece, and the ``*_async`` variants drive async templates.
Exceptions raised while rendering leave through ``environment.handle_exception`` so the
traceback names template files and lines. ``TemplateModule`` is what ``import`` binds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from functools import lru_cache, partial
from typing import IO, Any

from markupsafe import Markup

from .runtime import Context, new_context
from .undefined import Undefined
from .utils import concat, consume, register_cache_clearer


@lru_cache(maxsize=10)
def get_spontaneous_environment(cls: type[Any], *args: Any) -> Any:
    """A shared environment for ``Template(source)`` construction."""
    env = cls(*args)
    env.shared = True
    return env


register_cache_clearer(get_spontaneous_environment.cache_clear)


class Template:
    """A compiled template; ``Template(source, ...)`` compiles with a shared environment."""

    environment_class: type[Any]
    environment: Any
    globals: MutableMapping[str, Any]
    name: str | None
    filename: str | None
    blocks: dict[str, Callable[[Context], Iterator[str]]]
    root_render_func: Callable[[Context], Any]
    _module: TemplateModule | None
    _debug_info: str
    _uptodate: Callable[[], bool] | None
    _source: str | None
    _fine: tuple[Callable[[Context], Any], dict[str, Any]] | None
    _is_fine: bool

    def __new__(
        cls,
        source: Any,
        block_start_string: str = "{%",
        block_end_string: str = "%}",
        variable_start_string: str = "{{",
        variable_end_string: str = "}}",
        comment_start_string: str = "{#",
        comment_end_string: str = "#}",
        line_statement_prefix: str | None = None,
        line_comment_prefix: str | None = None,
        trim_blocks: bool = False,
        lstrip_blocks: bool = False,
        newline_sequence: str = "\n",
        keep_trailing_newline: bool = False,
        extensions: Any = (),
        optimized: bool = True,
        undefined: type[Undefined] = Undefined,
        finalize: Callable[..., Any] | None = None,
        autoescape: Any = False,
        enable_async: bool = False,
    ) -> Any:
        env = get_spontaneous_environment(
            cls.environment_class,  # type: ignore[arg-type]
            block_start_string,
            block_end_string,
            variable_start_string,
            variable_end_string,
            comment_start_string,
            comment_end_string,
            line_statement_prefix,
            line_comment_prefix,
            trim_blocks,
            lstrip_blocks,
            newline_sequence,
            keep_trailing_newline,
            frozenset(extensions),
            optimized,
            undefined,  # type: ignore[arg-type]
            finalize,
            autoescape,
            None,
            0,
            False,
            None,
            enable_async,
        )
        return env.from_string(source, template_class=cls)

    @classmethod
    def from_code(
        cls,
        environment: Any,
        code: Any,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> Template:
        namespace = {"environment": environment, "__file__": code.co_filename}
        exec(code, namespace)
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template

    @classmethod
    def from_module_dict(
        cls,
        environment: Any,
        module_dict: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> Template:
        return cls._from_namespace(environment, module_dict, globals)

    @classmethod
    def _from_namespace(
        cls,
        environment: Any,
        namespace: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> Template:
        template: Template = object.__new__(cls)
        template.environment = environment
        template.globals = globals
        template.name = namespace["name"]
        template.filename = namespace["__file__"]
        template.blocks = namespace["blocks"]
        template.root_render_func = namespace["root"]
        template._module = None
        template._debug_info = namespace["debug_info"]
        template._uptodate = None
        template._source = None
        template._fine = None
        template._is_fine = bool(namespace.get("fine", False))
        namespace["environment"] = environment
        namespace["__jinja_template__"] = template
        return template

    def render(self, *args: Any, **kwargs: Any) -> str:
        """Render with the given variables (a dict and/or keywords) to a string."""
        if self.environment.is_async:
            return asyncio.run(self.render_async(*args, **kwargs))
        ctx = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(self.root_render_func(ctx))  # type: ignore[no-any-return]
        except Exception:
            self.environment.handle_exception()
            raise

    async def render_async(self, *args: Any, **kwargs: Any) -> str:
        if not self.environment.is_async:
            raise RuntimeError("The environment was not created with async mode enabled.")
        ctx = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(  # type: ignore[no-any-return]
                [n async for n in self.root_render_func(ctx)]
            )
        except Exception:
            return self.environment.handle_exception()  # type: ignore[no-any-return]

    def stream(self, *args: Any, **kwargs: Any) -> TemplateStream:
        return TemplateStream(self.generate(*args, **kwargs))

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        if self.environment.is_async:

            async def to_list() -> list[str]:
                return [x async for x in self.generate_async(*args, **kwargs)]

            yield from asyncio.run(to_list())
            return
        try:
            root, _ = self._fine_parts()
            ctx = self._new_context(dict(*args, **kwargs), fine=True)
            yield from root(ctx)
        except Exception:
            yield self.environment.handle_exception()

    async def generate_async(self, *args: Any, **kwargs: Any) -> AsyncIterator[str]:
        if not self.environment.is_async:
            raise RuntimeError("The environment was not created with async mode enabled.")
        ctx = self.new_context(dict(*args, **kwargs))
        try:
            agen: Any = self.root_render_func(ctx)
            try:
                async for event in agen:
                    yield event
            finally:
                await agen.aclose()
        except Exception:
            yield self.environment.handle_exception()

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: MutableMapping[str, Any] | None = None,
    ) -> Context:
        return new_context(
            self.environment, self.name, self.blocks, vars, shared, self.globals, locals
        )

    def _new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: MutableMapping[str, Any] | None = None,
        fine: bool = False,
    ) -> Context:
        blocks = self._fine_parts()[1] if fine else self.blocks
        return new_context(self.environment, self.name, blocks, vars, shared, self.globals, locals)

    def _fine_parts(self) -> tuple[Callable[[Context], Any], dict[str, Any]]:
        """Root and blocks of the fine-grained twin (one yield per output piece)."""
        if self._fine is None:
            if self._is_fine or self._source is None:
                self._fine = (self.root_render_func, self.blocks)
            else:
                code = self.environment._compile_fine(self._source, self.name, self.filename)
                namespace: dict[str, Any] = {
                    "environment": self.environment,
                    "__file__": code.co_filename,
                }
                exec(code, namespace)
                namespace["__jinja_template__"] = _LineMap(self, namespace["debug_info"])
                self._fine = (namespace["root"], namespace["blocks"])
        return self._fine

    def make_module(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: MutableMapping[str, Any] | None = None,
    ) -> TemplateModule:
        ctx = self.new_context(vars, shared, locals)
        return TemplateModule(self, ctx)

    async def make_module_async(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: MutableMapping[str, Any] | None = None,
    ) -> TemplateModule:
        ctx = self.new_context(vars, shared, locals)
        return TemplateModule(self, ctx, [x async for x in self.root_render_func(ctx)])

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if self.environment.is_async:
            raise RuntimeError("Module is not available in async mode.")
        if ctx is not None:
            keys = ctx.globals_keys - self.globals.keys()
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module

    async def _get_default_module_async(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None:
            keys = ctx.globals_keys - self.globals.keys()
            if keys:
                return await self.make_module_async({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = await self.make_module_async()
        return self._module

    @property
    def module(self) -> TemplateModule:
        return self._get_default_module()

    def get_corresponding_lineno(self, lineno: int) -> int:
        for template_line, code_line in reversed(self.debug_info):
            if code_line <= lineno:
                return template_line
        return 1

    @property
    def is_up_to_date(self) -> bool:
        if self._uptodate is None:
            return True
        return self._uptodate()

    @property
    def debug_info(self) -> list[tuple[int, int]]:
        if self._debug_info:
            pairs = (x.split("=") for x in self._debug_info.split("&"))
            return [(int(a), int(b)) for a, b in pairs]
        return []

    def __repr__(self) -> str:
        name = f"memory:{id(self):x}" if self.name is None else repr(self.name)
        return f"<{type(self).__name__} {name}>"


class _LineMap:
    """What traceback rewriting needs of a fine twin: its file and line table."""

    def __init__(self, template: Template, debug_info: str) -> None:
        self.filename = template.filename
        self.name = template.name
        self._source = template._source
        self._debug_info = debug_info

    def get_corresponding_lineno(self, lineno: int) -> int:
        pairs = [tuple(map(int, x.split("="))) for x in self._debug_info.split("&") if x]
        for template_line, code_line in reversed(pairs):
            if code_line <= lineno:
                return template_line
        return 1


class TemplateModule:
    """The exported names of a rendered template (what ``{% import %}`` binds)."""

    def __init__(self, template: Template, context: Context, body_stream: list[str] | None = None):
        if body_stream is None:
            if context.environment.is_async:
                raise RuntimeError(
                    "Async mode requires a body stream to be passed to a template module. Use"
                    " the async methods of the API you are using."
                )
            body_stream = list(template.root_render_func(context))
        self._body_stream = body_stream
        self.__dict__.update(context.get_exported())
        self.__name__ = template.name

    def __html__(self) -> Markup:
        return Markup(concat(self._body_stream))

    def __str__(self) -> str:
        return concat(self._body_stream)

    def __repr__(self) -> str:
        name = f"memory:{id(self):x}" if self.__name__ is None else repr(self.__name__)
        return f"<{type(self).__name__} {name}>"


class TemplateExpression:
    """A compiled expression (``Environment.compile_expression``): call it with variables."""

    def __init__(self, template: Template, undefined_to_none: bool) -> None:
        self._template = template
        self._undefined_to_none = undefined_to_none

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        context = self._template.new_context(dict(*args, **kwargs))
        consume(self._template.root_render_func(context))
        result = context.vars["result"]
        if self._undefined_to_none and isinstance(result, Undefined):
            result = None
        return result


class TemplateStream:
    """Iterates a template's output; with buffering, yields joined groups of pieces."""

    def __init__(self, gen: Iterator[str]) -> None:
        self._gen = gen
        self.disable_buffering()

    def dump(
        self, fp: str | IO[Any], encoding: str | None = None, errors: str | None = "strict"
    ) -> None:
        close = False
        if isinstance(fp, str):
            if encoding is None:
                encoding = "utf-8"
            fp = open(fp, "wb")  # noqa: SIM115
            close = True
        try:
            iterable: Any
            if encoding is not None:
                iterable = (x.encode(encoding, errors or "strict") for x in self)
            else:
                iterable = self
            if hasattr(fp, "writelines"):
                fp.writelines(iterable)
            else:
                for item in iterable:
                    fp.write(item)
        finally:
            if close:
                fp.close()

    def disable_buffering(self) -> None:
        self._next = partial(next, self._gen)
        self.buffered = False

    def _buffered_generator(self, size: int) -> Iterator[str]:
        buf: list[str] = []
        count = 0
        while True:
            try:
                while count < size:
                    piece = next(self._gen)
                    buf.append(piece)
                    if piece:
                        count += 1
            except StopIteration:
                if not count:
                    return
            yield concat(buf)
            del buf[:]
            count = 0

    def enable_buffering(self, size: int = 5) -> None:
        if size <= 1:
            raise ValueError("buffer size too small")
        self.buffered = True
        self._next = partial(next, self._buffered_generator(size))

    def __iter__(self) -> TemplateStream:
        return self

    def __next__(self) -> str:
        return self._next()  # type: ignore[no-any-return]
