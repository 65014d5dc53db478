"""What compiled templates run against: the context, loops, macros, block references.

Rules: ``EXPORTED`` (and ``ASYNC_EXPORTED`` for async templates) is the complete list of
names generated code imports from here; the compiler emits exactly that import, so adding
a name the compiler uses means adding it here. A ``Context`` is read-only for templates
except through top-level assignments (``vars``/``exported_vars``). Undefined classes live
in ``undefined.py`` and are re-exported here under jinja2.runtime's names.
"""

from __future__ import annotations

import types
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import markupsafe
from markupsafe import Markup, escape, soft_str

from .async_utils import auto_aiter, auto_await
from .exceptions import TemplateNotFound, TemplateRuntimeError, UndefinedError
from .loops import AsyncLoopContext, LoopContext
from .macros import Macro
from .nodes import EvalContext
from .undefined import (
    ChainableUndefined,
    DebugUndefined,
    StrictUndefined,
    Undefined,
    make_logging_undefined,
)
from .utils import Namespace, _PassArg, concat, internalcode, missing

EXPORTED = [
    "LoopContext",
    "Macro",
    "Markup",
    "Namespace",
    "TemplateNotFound",
    "TemplateReference",
    "TemplateRuntimeError",
    "Undefined",
    "escape",
    "direct_methods",
    "escape_str",
    "identity",
    "internalcode",
    "markup_join",
    "missing",
    "missing_callable",
    "no_attribute",
    "str_join",
]
ASYNC_EXPORTED = ["AsyncLoopContext", "auto_aiter", "auto_await"]

__all__ = [
    "ASYNC_EXPORTED",
    "EXPORTED",
    "AsyncLoopContext",
    "BlockReference",
    "ChainableUndefined",
    "Context",
    "DebugUndefined",
    "LoopContext",
    "Macro",
    "Markup",
    "Namespace",
    "StrictUndefined",
    "TemplateNotFound",
    "TemplateReference",
    "TemplateRuntimeError",
    "Undefined",
    "UndefinedError",
    "auto_aiter",
    "auto_await",
    "direct_methods",
    "escape",
    "escape_str",
    "identity",
    "internalcode",
    "make_logging_undefined",
    "markup_join",
    "missing",
    "missing_callable",
    "new_context",
    "no_attribute",
    "str_join",
]


class _NoAttribute:
    """The type of ``no_attribute``."""

    def __repr__(self) -> str:
        return "no_attribute"


#: What generated code passes as ``getattr``'s default to tell "no such attribute" from
#: any value an attribute can hold (``missing`` can be one: ``Undefined._undefined_obj``).
no_attribute: Any = _NoAttribute()


def identity(x: Any) -> Any:
    return x


def _escape_str_fallback(s: str) -> str:
    return str(escape(s))


# Callables a template may call without going through Context.call: they never take
# the context (no pass_context marker is possible on them).
direct_methods: frozenset[type] = frozenset([types.BuiltinMethodType, types.MethodWrapperType])

# Callables whose own ``__call__`` cannot carry a pass_context marker (Context.call skips
# looking it up for these).
_MethodType = types.MethodType
_plain_callables: frozenset[type] = frozenset(
    [types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.MethodWrapperType]
)

# markupsafe's C escaper for exact str, returning str (no Markup object per value).
escape_str: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_str_fallback)


def markup_join(seq: Iterable[Any]) -> str:
    """Join values, escaping them when any is markup (the ``~`` operator, autoescaped)."""
    buf = []
    iterator = map(soft_str, seq)
    for arg in iterator:
        buf.append(arg)
        if hasattr(arg, "__html__"):
            return Markup("").join(chain_rest(buf, iterator))
    return concat(buf)


def chain_rest(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def str_join(seq: Iterable[Any]) -> str:
    return concat(map(str, seq))


def missing_callable(error: type[Exception], message: str) -> Callable[..., Any]:
    """A stand-in for a filter/test that did not exist at compile time."""

    @internalcode
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error(message)

    return fail


def _flatten(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """A dict copy of ``mapping``; a ChainMap is merged map by map (much faster than
    iterating it)."""
    if mapping is None:
        return {}
    if type(mapping) is ChainMap:
        result: dict[str, Any] = {}
        for layer in reversed(mapping.maps):
            result.update(layer)
        return result
    return dict(mapping)


def new_context(
    environment: Any,
    template_name: str | None,
    blocks: dict[str, Callable[..., Any]],
    vars: dict[str, Any] | None = None,
    shared: bool = False,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
) -> Context:
    """Build the context a template renders in."""
    if vars is None:
        vars = {}
    if shared:
        parent = vars
    elif type(globals) is ChainMap and len(globals.maps) == 2:
        # A template's globals (``Environment.make_globals``): its own layer over the
        # environment's. Merged by one dict display, without method calls.
        own, environment_globals = globals.maps
        parent = {**environment_globals, **own, **vars}
    else:
        parent = _flatten(globals)
        parent.update(vars)
    if locals:
        if shared:
            parent = dict(parent)
        for key, value in locals.items():
            if value is not missing:
                parent[key] = value
    context_class = environment.context_class
    if context_class is Context:
        return Context(environment, parent, template_name, blocks, globals)
    context: Context = context_class(environment, parent, template_name, blocks, globals=globals)
    return context


class TemplateReference:
    """``self`` in a template: ``self.blockname()`` renders that block."""

    def __init__(self, context: Context) -> None:
        self.__context = context

    def __getitem__(self, name: str) -> BlockReference:
        blocks = self.__context.blocks[name]
        return BlockReference(name, self.__context, blocks, 0)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__context.name!r}>"


class _LazyEvalContext:
    """``Context.eval_ctx``, made on first read and then kept in the context's ``__dict__``.

    Most renders never read it, and making it calls the environment's ``autoescape``
    function (for a Kettle app, a method) on every render. A non-data descriptor: once
    made (or assigned), the instance attribute is read directly.
    """

    def __get__(self, context: Context | None, owner: type[Context] | None = None) -> Any:
        if context is None:
            return self
        eval_ctx = EvalContext(context.environment, context.name)
        context.__dict__["eval_ctx"] = eval_ctx
        return eval_ctx


class Context:
    """The variables of one render: the parent mapping (globals + arguments) and vars."""

    eval_ctx: EvalContext = _LazyEvalContext()  # type: ignore[assignment]  # made on first read

    def __init__(
        self,
        environment: Any,
        parent: dict[str, Any],
        name: str | None,
        blocks: dict[str, Callable[..., Any]],
        globals: Mapping[str, Any] | None = None,
    ) -> None:
        self.parent = parent
        self.vars: dict[str, Any] = {}
        self.environment = environment
        self.exported_vars: set[str] = set()
        self.name = name
        self._globals = globals
        self._globals_keys: set[str] | None = None
        self.blocks = {k: [v] for k, v in blocks.items()} if blocks else {}

    @property
    def globals_keys(self) -> set[str]:
        """The names that came from the globals (computed when first asked: only
        ``make_module`` needs them, and building the set costs on every render)."""
        keys = self._globals_keys
        if keys is None:
            globals = self._globals
            if globals is None:
                keys = set()
            elif type(globals) is ChainMap:
                keys = set().union(*globals.maps)
            else:
                keys = set(globals)
            self._globals_keys = keys
        return keys

    @globals_keys.setter
    def globals_keys(self, value: set[str]) -> None:
        self._globals_keys = value

    def super(self, name: str, current: Callable[..., Any]) -> Any:
        try:
            blocks = self.blocks[name]
            index = blocks.index(current) + 1
            blocks[index]
        except LookupError:
            return self.environment.undefined(
                f"there is no parent block called {name!r}.", name="super"
            )
        return BlockReference(name, self, blocks, index)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def resolve(self, key: str) -> Any:
        """The value of ``key``, or an undefined naming it."""
        value = self.resolve_or_missing(key)
        if value is missing:
            return self.environment.undefined(name=key)
        return value

    def resolve_or_missing(self, key: str) -> Any:
        if key in self.vars:
            return self.vars[key]
        if key in self.parent:
            return self.parent[key]
        return missing

    def get_exported(self) -> dict[str, Any]:
        return {k: self.vars[k] for k in self.exported_vars}

    def get_all(self) -> dict[str, Any]:
        if not self.vars:
            return self.parent
        if not self.parent:
            return self.vars
        return dict(self.parent, **self.vars)

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``__obj`` from a template, passing the context if it asks for it."""
        kind = type(__obj)
        if kind is _MethodType:
            # A bound method reads attributes from its function; asking the function
            # directly skips the method's failed lookup (an exception inside getattr).
            pass_arg = getattr(__obj.__func__, "jinja_pass_arg", None)
        else:
            if kind not in _plain_callables:
                # An instance whose ``__call__`` is marked asks through that method.
                method = getattr(__obj, "__call__", None)  # noqa: B004
                if method is not None and getattr(method, "jinja_pass_arg", None) is not None:
                    __obj = method
            # ``_PassArg.from_obj`` inlined: this runs on every call a template makes.
            pass_arg = getattr(__obj, "jinja_pass_arg", None)
        if pass_arg is not None:
            args = __self._pass_arg_args(pass_arg, args, kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )

    def _pass_arg_args(
        self, pass_arg: _PassArg, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        """``args`` with the context, eval context or environment put first."""
        if pass_arg is _PassArg.context:
            loop_vars = kwargs.pop("_loop_vars", None)
            block_vars = kwargs.pop("_block_vars", None)
            context = self
            if loop_vars:
                context = context.derived(loop_vars)
            if block_vars:
                context = context.derived(block_vars)
            return (context, *args)
        if pass_arg is _PassArg.eval_context:
            return (self.eval_ctx, *args)
        if pass_arg is _PassArg.environment:
            return (self.environment, *args)
        return args

    def derived(self, locals: dict[str, Any] | None = None) -> Context:
        """A context sharing this one's data, with ``locals`` added on top."""
        context = new_context(self.environment, self.name, {}, self.get_all(), True, None, locals)
        context.eval_ctx = self.eval_ctx
        context.blocks.update((k, list(v)) for k, v in self.blocks.items())
        return context

    def keys(self) -> Any:
        return self.get_all().keys()

    def values(self) -> Any:
        return self.get_all().values()

    def items(self) -> Any:
        return self.get_all().items()

    def __contains__(self, name: str) -> bool:
        return name in self.vars or name in self.parent

    def __getitem__(self, key: str) -> Any:
        item = self.resolve_or_missing(key)
        if item is missing:
            raise KeyError(key)
        return item

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.get_all()!r} of {self.name!r}>"


class BlockReference:
    """One block in the override chain; calling it renders it, ``.super()`` goes up."""

    def __init__(self, name: str, context: Context, stack: list[Callable[..., Any]], depth: int):
        self.name = name
        self._context = context
        self._stack = stack
        self._depth = depth

    @property
    def super(self) -> Any:
        if self._depth + 1 >= len(self._stack):
            return self._context.environment.undefined(
                f"there is no parent block called {self.name!r}.", name="super"
            )
        return BlockReference(self.name, self._context, self._stack, self._depth + 1)

    @internalcode
    async def _async_call(self) -> str:
        parts = [x async for x in self._stack[self._depth](self._context)]
        result: str = self._context.environment.concat(parts)
        if self._context.eval_ctx.autoescape:
            return Markup(result)
        return result

    @internalcode
    def __call__(self) -> Any:
        if self._context.environment.is_async:
            return self._async_call()
        result = self._context.environment.concat(self._stack[self._depth](self._context))
        if self._context.eval_ctx.autoescape:
            return Markup(result)
        return result
