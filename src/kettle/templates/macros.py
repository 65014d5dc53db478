"""``Macro``: a compiled ``{% macro %}`` (or call block's ``caller``) as a callable.

Rules: binds arguments the way Jinja does: positional first, then keywords by name,
``missing`` for the rest (the compiled body fills in defaults); ``caller``, ``varargs``
and ``kwargs`` are passed only when the body reads them; surplus arguments raise
``TypeError`` with Jinja's messages. The result is ``Markup`` when the macro was defined
with autoescaping on. In async environments calling a macro returns an awaitable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from .nodes import EvalContext
from .utils import _new_markup, internalcode, missing, pass_eval_context


class Macro:
    """Wraps the generated macro function; see the module docstring."""

    def __init__(
        self,
        environment: Any,
        func: Callable[..., Any],
        name: str,
        arguments: tuple[str, ...] | list[str],
        catch_kwargs: bool,
        catch_varargs: bool,
        caller: bool,
        default_autoescape: bool | None = None,
    ) -> None:
        self._environment = environment
        self._func = func
        self._argument_count = len(arguments)
        self.name = name
        self.arguments = tuple(arguments)
        self.catch_kwargs = catch_kwargs
        self.catch_varargs = catch_varargs
        self.caller = caller
        self.explicit_caller = "caller" in arguments
        self._special = caller or catch_kwargs or catch_varargs
        if default_autoescape is None:
            if callable(environment.autoescape):
                default_autoescape = environment.autoescape(None)
            else:
                default_autoescape = environment.autoescape
        self._default_autoescape = bool(default_autoescape)

    @internalcode
    @pass_eval_context
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], EvalContext):
            autoescape = args[0].autoescape
            args = args[1:]
        else:
            autoescape = self._default_autoescape
        count = self._argument_count
        if not kwargs and len(args) == count and not self._special:
            # The common call: every parameter given positionally, nothing special.
            result = self._func(*args)
            if self._environment.is_async:
                return self._async_wrap(result, autoescape)
            if autoescape:
                # The body's text is already escaped: wrap an exact str without
                # Markup.__new__'s Python-level checks.
                return _new_markup(Markup, result) if type(result) is str else Markup(result)
            return result
        arguments = list(args[:count])
        found_caller = False
        if len(arguments) != count:
            for name in self.arguments[len(arguments) :]:
                value = kwargs.pop(name, missing)
                if name == "caller":
                    found_caller = True
                arguments.append(value)
        else:
            found_caller = self.explicit_caller
        if self.caller and not found_caller:
            caller = kwargs.pop("caller", None)
            if caller is None:
                caller = self._environment.undefined("No caller defined", name="caller")
            arguments.append(caller)
        if self.catch_kwargs:
            arguments.append(kwargs)
        elif kwargs:
            if "caller" in kwargs:
                raise TypeError(
                    f"macro {self.name!r} was invoked with two values for the special"
                    " caller argument. This is most likely a bug."
                )
            raise TypeError(
                f"macro {self.name!r} takes no keyword argument {next(iter(kwargs))!r}"
            )
        if self.catch_varargs:
            arguments.append(args[count:])
        elif len(args) > count:
            raise TypeError(
                f"macro {self.name!r} takes not more than {len(self.arguments)} argument(s)"
            )
        return self._invoke(arguments, autoescape)

    async def _async_wrap(self, pending: Any, autoescape: bool) -> Any:
        result = await pending
        return Markup(result) if autoescape else result

    async def _async_invoke(self, arguments: list[Any], autoescape: bool) -> Any:
        result = await self._func(*arguments)
        if autoescape:
            return Markup(result)
        return result

    def _invoke(self, arguments: list[Any], autoescape: bool) -> Any:
        if self._environment.is_async:
            return self._async_invoke(arguments, autoescape)
        result = self._func(*arguments)
        if autoescape:
            return _new_markup(Markup, result) if type(result) is str else Markup(result)
        return result

    def __repr__(self) -> str:
        name = "anonymous" if self.name is None else repr(self.name)
        return f"<{type(self).__name__} {name}>"
