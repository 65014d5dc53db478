"""Traceback rewriting: frames of generated code become frames at template file and line.

Rules: a frame belongs to a template when its globals hold ``__jinja_template__``; it is
replaced by a fake frame that raises the same exception at the template line (found via
the template's ``debug_info``), named "top-level template code" or "block 'name'", with
the template's variables as its locals. Engine-internal frames (``utils.internal_code``)
are dropped. A ``TemplateSyntaxError`` gets one fake frame at the offending line and the
source attached, so ``str()`` can show that line.

An error raised by the template itself or by the engine's own code (an undefined name, a
failed attribute lookup, a filter, an operator) gets the location appended to its message
once: ``'user' is undefined (page.html, line 3)``. Errors raised by the application's own
Python code called from a template, ``TemplateNotFound`` (its message is a name),
``SecurityError`` and the sandbox's other refusals (word for word Jinja2's) and ``KeyError`` (whose
``str()`` is a repr) keep their message.
"""

from __future__ import annotations

import os
import sys
from types import CodeType, TracebackType
from typing import Any

from .exceptions import SecurityError, TemplateNotFound, TemplateSyntaxError
from .utils import internal_code, missing


def rewrite_traceback_stack(source: str | None = None) -> BaseException:
    """Rewrite the active exception's traceback; return the exception to raise."""
    _, exc_value, tb = sys.exc_info()
    if exc_value is None:
        raise RuntimeError("rewrite_traceback_stack called without an active exception")
    if isinstance(exc_value, TemplateSyntaxError) and not exc_value.translated:
        exc_value.translated = True
        exc_value.source = source
        exc_value.with_traceback(None)
        tb = fake_traceback(exc_value, None, exc_value.filename or "<unknown>", exc_value.lineno)
    elif tb is not None:
        tb = tb.tb_next
    stack = []
    location: tuple[str, int] | None = None
    innermost: TracebackType | None = None
    while tb is not None:
        innermost = tb
        if tb.tb_frame.f_code in internal_code:
            tb = tb.tb_next
            continue
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            lineno = template.get_corresponding_lineno(tb.tb_lineno)
            fake = fake_traceback(exc_value, tb, template.filename, lineno)
            stack.append(fake)
            name = getattr(template, "name", None) or template.filename or "<template>"
            location = (name, lineno)
        else:
            stack.append(tb)
        tb = tb.tb_next
    if location is not None and innermost is not None and _raised_by_template(innermost):
        add_location(exc_value, *location)
    tb_next = None
    for item in reversed(stack):
        if item is None:
            continue
        tb_next = TracebackType(tb_next, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return exc_value.with_traceback(tb_next)


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SANDBOX_FILE = _ENGINE_DIR + "sandbox.py"


def _raised_by_template(tb: TracebackType) -> bool:
    """Whether the innermost frame is generated template code or the engine's own code."""
    frame = tb.tb_frame
    if "__jinja_template__" in frame.f_globals:
        return True
    path = os.path.abspath(frame.f_code.co_filename)
    # The sandbox's refusals (SecurityError, a range too big) keep Jinja2's exact words.
    return path.startswith(_ENGINE_DIR) and path != _SANDBOX_FILE


def add_location(error: BaseException, name: str, lineno: int) -> None:
    """Append ``(name, line N)`` to ``error``'s message, once (see the module docstring)."""
    if isinstance(error, (TemplateSyntaxError, TemplateNotFound, SecurityError, KeyError)):
        return
    if getattr(error, "_kettle_template_location", None) is not None:
        return
    if not error.args or not isinstance(error.args[0], str):
        return
    error.args = (f"{error.args[0]} ({name}, line {lineno})", *error.args[1:])
    try:
        error._kettle_template_location = (name, lineno)  # type: ignore[attr-defined]
    except AttributeError:  # an exception class with __slots__: mark nothing, still fine
        pass


def fake_traceback(
    exc_value: BaseException, tb: TracebackType | None, filename: str, lineno: int
) -> TracebackType | None:
    """A traceback entry that looks like ``exc_value`` was raised at ``filename:lineno``."""
    if tb is not None:
        locals_ = get_template_locals(tb.tb_frame.f_locals)
        locals_.pop("__jinja_exception__", None)
    else:
        locals_ = {}
    globals_ = {"__name__": filename, "__file__": filename, "__jinja_exception__": exc_value}
    if tb is not None:
        # The source, for a debug page that cannot read it from a file (string templates).
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        globals_["__jinja_source__"] = getattr(template, "_source", None)
    code: CodeType = compile(
        "\n" * (max(lineno, 1) - 1) + "raise __jinja_exception__", filename, "exec"
    )
    location = "template"
    if tb is not None:
        function = tb.tb_frame.f_code.co_name
        if function == "root":
            location = "top-level template code"
        elif function.startswith("block_"):
            location = f"block {function[6:]!r}"
    code = code.replace(co_name=location)
    try:
        exec(code, globals_, locals_)
    except BaseException:
        return sys.exc_info()[2].tb_next  # type: ignore[union-attr]
    return None


def get_template_locals(real_locals: dict[str, Any]) -> dict[str, Any]:
    """The template variables visible in a generated frame, innermost scope winning."""
    ctx = real_locals.get("context")
    data: dict[str, Any] = (
        ctx.get_all().copy() if ctx is not None and hasattr(ctx, "get_all") else {}
    )
    best: dict[str, tuple[int, Any]] = {}
    for key, value in real_locals.items():
        if not key.startswith("l_") or value is missing:
            continue
        try:
            _, depth_str, name = key.split("_", 2)
            depth = int(depth_str)
        except ValueError:
            continue
        current = best.get(name)
        if current is None or current[0] < depth:
            best[name] = (depth, value)
    for name, (_, value) in best.items():
        data[name] = value
    return data
