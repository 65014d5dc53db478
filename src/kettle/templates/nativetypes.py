"""Native rendering: templates that produce Python values instead of strings, as
jinja2.nativetypes does.

Owns ``NativeEnvironment``, ``NativeTemplate``, ``native_concat`` and the code generator
variant they use.

Rules (jinja2 3.1 semantics):
- Output nodes yield their values untouched: no ``str()``, no escaping; ``finalize`` still
  applies. Adjacent constant output (template text and constant expressions with a safe
  repr) is joined into one string at compile time.
- ``native_concat`` turns the pieces into the result: nothing gives ``None``; one
  non-string piece is returned as is; otherwise the pieces are joined as text and parsed
  with ``ast.literal_eval`` when that succeeds, else the text itself is the result.
- Macros and ``{% set %}`` blocks use the same concatenation (``environment.concat``).
"""

from __future__ import annotations

from ast import literal_eval, parse
from collections.abc import Iterable
from itertools import chain, islice
from types import GeneratorType
from typing import Any

from markupsafe import Markup

from . import nodes
from .compiler import CodeGenerator
from .environment import Environment, Template
from .scopes import Frame

__all__ = ["NativeCodeGenerator", "NativeEnvironment", "NativeTemplate", "native_concat"]


def native_concat(values: Iterable[Any]) -> Any | None:
    """Combine rendered pieces into one Python value (see the module rules)."""
    head = list(islice(values, 2))
    if not head:
        return None
    if len(head) == 1:
        raw = head[0]
        if not isinstance(raw, str):
            return raw
    else:
        if isinstance(values, GeneratorType):
            values = chain(head, values)
        raw = "".join([str(value) for value in values])
    try:
        # parse first: literal_eval strips leading spaces, which would change the value
        return literal_eval(parse(raw, mode="eval"))
    except (ValueError, SyntaxError, MemoryError):
        return raw


_SAFE_SCALARS = (bool, int, float, complex, range, str, Markup)


def has_safe_repr(value: Any) -> bool:
    """True if ``repr(value)`` is a literal that evaluates back to an equal value."""
    if value is None or value is NotImplemented or value is Ellipsis:
        return True
    if type(value) in _SAFE_SCALARS:
        return True
    if type(value) in (tuple, list, set, frozenset):
        return all(has_safe_repr(item) for item in value)
    if type(value) is dict:
        return all(has_safe_repr(k) and has_safe_repr(v) for k, v in value.items())
    return False


class NativeCodeGenerator(CodeGenerator):
    """Emits output values as they are, joining only constant text at compile time."""

    def native_const(self, node: nodes.Node, frame: Frame) -> str | None:
        """The text of a compile-time constant output node, else None."""
        if frame.eval_ctx.volatile:
            return None
        try:
            value = node.as_const(frame.eval_ctx)
        except Exception:
            return None
        if isinstance(node, nodes.TemplateData):
            return str(value)
        if not has_safe_repr(value):
            return None
        finalize = self.environment.finalize
        if finalize is not None:
            if getattr(finalize, "jinja_pass_arg", None) is not None:
                return None
            try:
                value = finalize(value)
            except Exception:
                return None
        return str(value)

    def native_value(self, node: nodes.Node, frame: Frame) -> str:
        """A Python expression for the raw output value of ``{{ node }}``."""
        code = self.expr(node, frame)
        finalize = self.environment.finalize
        if finalize is None:
            return code
        pass_arg = getattr(finalize, "jinja_pass_arg", None)
        if pass_arg is None:
            return f"environment.finalize({code})"
        first = {
            "context": "context",
            "eval_context": "context.eval_ctx",
            "environment": "environment",
        }[pass_arg.name]
        return f"environment.finalize({first}, {code})"

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if self.has_known_extends and frame.require_output_check:
            return
        pieces: list[str] = []
        texts: list[str] = []
        for child in node.nodes:
            text = self.native_const(child, frame)
            if text is not None:
                texts.append(text)
                continue
            if texts:
                pieces.append(repr("".join(texts)))
                texts = []
            pieces.append(self.native_value(child, frame))
        if texts:
            pieces.append(repr("".join(texts)))
        if not pieces:
            return
        if frame.require_output_check:
            self.line("if parent_template is None:")
            self.indentation += 1
        for code in pieces:
            self.emit(code, frame, node)
        if frame.require_output_check:
            self.indentation -= 1


class NativeEnvironment(Environment):
    """An environment whose templates render to native Python values."""

    code_generator_class = NativeCodeGenerator
    concat = staticmethod(native_concat)  # type: ignore[assignment]


class NativeTemplate(Template):
    """A template rendering to a Python value (``render`` returns Any, not str)."""

    environment_class = NativeEnvironment

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render and combine the output with ``native_concat``."""
        context = self.new_context(dict(*args, **kwargs))
        try:
            return native_concat(self.root_render_func(context))
        except Exception:
            return self.environment.handle_exception()

    async def render_async(self, *args: Any, **kwargs: Any) -> Any:
        """Async ``render``; needs an environment created with ``enable_async``."""
        if not self.environment.is_async:
            raise RuntimeError("The environment was not created with async mode enabled.")
        context = self.new_context(dict(*args, **kwargs))
        try:
            return native_concat([piece async for piece in self.root_render_func(context)])
        except Exception:
            return self.environment.handle_exception()


NativeEnvironment.template_class = NativeTemplate
