"""The code generator: a ``nodes.Template`` in, Python module source out.

Rules: the generated module imports exactly the names in ``runtime.EXPORTED`` (plus
``ASYNC_EXPORTED`` in async mode): that list is the whole compiler/runtime contract. It
defines ``root`` (a generator of output strings), one ``block_<name>`` generator per
block, ``blocks``, ``name`` and ``debug_info`` (``tmpl_line=py_line`` pairs for traceback
rewriting) and ``fine``. In the default (coarse) form a run of text and ``{{ }}``
values becomes one ``%``-formatted string; the fine form, compiled lazily for
``generate()``/``stream()`` and always used by async templates, yields piece by piece as
Jinja does. Autoescaped values of exact type str go through the C escaper, int/float/
Markup skip escaping. Buffered scopes (macros, ``{% set %}`` blocks, filter blocks) append
to a list instead of yielding. Constant expressions are folded as Jinja's optimizer does.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from . import nodes
from .compiler_expr import ExpressionCompiler, const_repr, is_plain_text_choice
from .compiler_stmt import StatementCompiler
from .compiler_struct import CompilerExitError, StructureCompiler
from .exceptions import TemplateAssertionError
from .runtime import ASYNC_EXPORTED, EXPORTED
from .scopes import PARAM, RESOLVE, SELF, STORE, SUPER, Frame, collect_stores, find_loads

# The local each preamble line binds at the start of a render function; a binding that
# no generated line reads is dropped (``drop_unused_preamble``).
_PREAMBLE = {
    "resolve = context.resolve": "resolve",
    "undefined = environment.undefined": "undefined",
    "concat = environment.concat": "concat",
    "cond_expr_undefined = Undefined": "cond_expr_undefined",
    "getattr_ = environment.getattr": "getattr_",
    "getitem_ = environment.getitem": "getitem_",
}


def generate(
    node: nodes.Template,
    environment: Any,
    name: str | None,
    filename: str | None,
    stream: Any = None,
    defer_init: bool = False,
    optimized: bool = True,
    fine: bool = False,
) -> str:
    """Generate the Python source of a template module (jinja2.compiler.generate)."""
    if not isinstance(node, nodes.Template):
        raise TypeError("Can't compile non template nodes")
    generator = environment.code_generator_class(
        environment, name, filename, stream, defer_init, optimized
    )
    if fine:
        generator.fine = True
    generator.visit_Template(node)
    source: str = generator.source()
    if stream is not None:
        stream.write(source)
        return ""
    return source


class CodeGenerator(StructureCompiler, StatementCompiler, ExpressionCompiler):
    """Writes the module for one template; see the module docstring."""

    def __init__(
        self,
        environment: Any,
        name: str | None,
        filename: str | None,
        stream: Any = None,
        defer_init: bool = False,
        optimized: bool = True,
    ) -> None:
        self.environment = environment
        self.name = name
        self.filename = filename
        self.defer_init = defer_init
        self.optimized = optimized
        self.is_async = bool(environment.is_async)
        self.sandboxed = bool(getattr(environment, "sandboxed", False))
        env_type = type(environment)
        self.fast_attr = _is_default(env_type, "getattr") and _is_default(env_type, "getitem")
        self.lines: list[tuple[int, str, int | None]] = []
        self.indentation = 0
        self.filter_aliases: dict[str, str] = {}
        self.test_aliases: dict[str, str] = {}
        self.import_aliases: dict[str, str] = {}
        self.blocks: dict[str, nodes.Block] = {}
        self.has_known_extends = False
        self.extends_so_far = 0
        self.alias_points: list[tuple[int, int]] = []
        # Fine-grained output: one yield per piece, as Jinja's generators do, so
        # generate()/stream() chunk like Jinja. Async templates are always fine; sync
        # templates get a fine twin compiled on first generate() (render() joins coarse
        # pieces: one formatted string per output run).
        self.fine = self.is_async
        self._temps = 0

    # -- writing ------------------------------------------------------------------------

    def line(self, code: str, node: nodes.Node | None = None) -> None:
        lineno = getattr(node, "lineno", None) if node is not None else None
        self.lines.append((self.indentation, code, lineno))

    def indent(self) -> int:
        self.indentation += 1
        return len(self.lines)

    def outdent(self, mark: int | None = None) -> None:
        if mark is not None and len(self.lines) == mark:
            self.line("pass")
        self.indentation -= 1

    def new_frame(
        self, parent: Frame | None, function: bool = False, eval_ctx: Any = None
    ) -> Frame:
        # Identifiers are numbered by nesting depth, as Jinja's are (l_0_x at the top):
        # unique along every chain of enclosing scopes, reused by sibling scopes.
        depth = parent.id + 1 if parent is not None else 0
        if eval_ctx is None:
            eval_ctx = parent.eval_ctx if parent is not None else None
        return Frame(depth, parent, eval_ctx, function)

    def enter(self, frame: Frame) -> None:
        """Mark where the frame's initialisation code goes (filled in by ``leave``)."""
        frame.prologue_at = len(self.lines)
        frame.prologue_indent = self.indentation

    def leave(self, frame: Frame) -> None:
        lines = []
        for name, ident in frame.symbols.items():
            if name not in frame.loaded:
                continue
            kind = frame.kinds[name]
            if kind == PARAM:
                continue
            if kind == SELF:
                value = "TemplateReference(context)"
            elif kind == SUPER:
                value = f"context.super({frame.block!r}, block_{frame.block})"
            elif kind == RESOLVE:
                value = f"resolve({name!r})"
            elif kind == STORE and frame.parent is not None and frame.parent.has(name):
                # A macro's own name shadowing an outer one starts as the outer value.
                value = frame.parent.lookup(name)
            elif kind == STORE and (frame.function or frame.parent is None):
                value = f"resolve({name!r})" if name in frame.direct else "missing"
            else:
                parent = frame.parent
                value = parent.lookup(name) if parent is not None else f"resolve({name!r})"
            lines.append((frame.prologue_indent, f"{ident} = {value}", None))
        self.lines[frame.prologue_at : frame.prologue_at] = lines

    def declare_stores(self, frame: Frame, body: list[nodes.Node]) -> None:
        for name in collect_stores(body):
            frame.declare(name, STORE)

    def source(self) -> str:
        out: list[str] = []
        for indent, code, _ in self.lines:
            out.append("    " * indent + code)
        return "\n".join(out) + "\n"

    def debug_pairs(self) -> str:
        pairs = []
        last = None
        for index, (_, _, lineno) in enumerate(self.lines):
            if lineno is not None and lineno != last:
                pairs.append(f"{lineno}={index + 1}")
                last = lineno
        return "&".join(pairs)

    # -- the module ----------------------------------------------------------------------

    def function_header(self, name: str) -> str:
        prefix = "async def" if self.is_async else "def"
        if self.defer_init:
            return f"{prefix} {name}(context, missing=missing):"
        return f"{prefix} {name}(context, missing=missing, environment=environment):"

    def function_preamble(self) -> None:
        self.line("resolve = context.resolve")
        self.line("undefined = environment.undefined")
        self.line("concat = environment.concat")
        self.line("cond_expr_undefined = Undefined")
        if self.fast_attr and not self.sandboxed:
            self.line("getattr_ = environment.getattr")
            self.line("getitem_ = environment.getitem")
        self.alias_points.append((len(self.lines), self.indentation))
        self.line("if 0: yield None")

    def visit_Template(self, node: nodes.Template) -> None:
        eval_ctx = nodes.EvalContext(self.environment, self.name)
        names = list(EXPORTED) + (list(ASYNC_EXPORTED) if self.is_async else [])
        self.line(f"from kettle.templates.runtime import {', '.join(names)}")
        header_at = len(self.lines)
        self.line(f"name = {self.name!r}")
        for block in node.find_all(nodes.Block):
            if block.name in self.blocks:
                self.fail(f"block {block.name!r} defined twice", block.lineno)
            self.blocks[block.name] = block
        have_extends = node.find(nodes.Extends) is not None
        self.line(self.function_header("root"), node)
        mark = self.indent()
        self.function_preamble()
        frame = self.new_frame(None, function=True, eval_ctx=eval_ctx)
        frame.toplevel = frame.rootlevel = True
        frame.require_output_check = have_extends and not self.has_known_extends
        if have_extends:
            self.line("parent_template = None")
        self.declare_stores(frame, node.body)
        self.enter(frame)
        try:
            self.body(node.body, frame)
        except CompilerExitError:
            pass
        self.leave(frame)
        if have_extends:
            if not self.has_known_extends:
                self.line("if parent_template is not None:")
                self.indentation += 1
            root = (
                "parent_template._fine_parts()[0]"
                if self.fine
                else "parent_template.root_render_func"
            )
            self.yield_from(f"{root}(context)", frame)
            if not self.has_known_extends:
                self.indentation -= 1
        self.outdent(mark)
        for block_name, block in self.blocks.items():
            self.write_block(block_name, block, eval_ctx)
        items = ", ".join(f"{n!r}: block_{n}" for n in self.blocks)
        self.line(f"blocks = {{{items}}}")
        self.write_aliases(header_at)
        self.drop_unused_preamble()
        self.line(f"fine = {self.fine!r}")
        self.line(f"debug_info = {self.debug_pairs()!r}")

    def write_block(self, block_name: str, block: nodes.Block, eval_ctx: Any) -> None:
        self.line(self.function_header(f"block_{block_name}"), block)
        mark = self.indent()
        self.function_preamble()
        frame = self.new_frame(None, function=True, eval_ctx=eval_ctx)
        frame.block = block_name
        frame.block_frame = True
        self.declare_stores(frame, block.body)
        frame.block_vars = bool(collect_stores(block.body))
        if frame.block_vars:
            self.line("_block_vars = {}")
        self.enter(frame)
        if block.required:
            self.line(
                f"raise TemplateRuntimeError({f'Required block {block_name!r} not found.'!r})",
                block,
            )
        else:
            self.body(block.body, frame)
        self.leave(frame)
        self.outdent(mark)

    def write_aliases(self, at: int) -> None:
        """Bind filters and tests at the start of every function, imports at the top."""
        aliases = [
            self._alias_line(alias, "filters", "filter", name)
            for name, alias in self.filter_aliases.items()
        ]
        aliases.extend(
            self._alias_line(alias, "tests", "test", name)
            for name, alias in self.test_aliases.items()
        )
        for point, indent in reversed(self.alias_points):
            self.lines[point:point] = [(indent, text, None) for text in aliases]
        lines = []
        for import_name, alias in self.import_aliases.items():
            module, _, obj = import_name.rpartition(".")
            if module:
                lines.append(f"from {module} import {obj} as {alias}")
            else:
                lines.append(f"import {obj} as {alias}")
        self.lines[at:at] = [(0, text, None) for text in lines]

    def drop_unused_preamble(self) -> None:
        """Remove the preamble bindings no line of the module reads.

        Each costs an attribute read and a store on every call of every render function.
        A name found anywhere else (even inside a string) keeps all its bindings; the
        line table for tracebacks is computed after this.
        """
        rest = "\n".join(code for _, code, _ in self.lines if code not in _PREAMBLE)
        unused = {name for name in _PREAMBLE.values() if not re.search(rf"\b{name}\b", rest)}
        if unused:
            self.lines = [line for line in self.lines if _PREAMBLE.get(line[1]) not in unused]

    def _alias_line(self, alias: str, table: str, kind: str, name: str) -> str:
        message = f"No {kind} named {name!r} found."
        return (
            f"{alias} = environment.{table}[{name!r}] if {name!r} in environment.{table}"
            f" else missing_callable(TemplateRuntimeError, {message!r})"
        )

    # -- statements ---------------------------------------------------------------------

    def body(self, statements: list[nodes.Node], frame: Frame) -> None:
        for node in statements:
            self.stmt(node, frame)

    def stmt(self, node: nodes.Node, frame: Frame) -> None:
        if isinstance(node, nodes.Expr):
            self.line(self.expr(node, frame), node)
            return
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            for base in type(node).__mro__[1:]:
                method = getattr(self, f"visit_{base.__name__}", None)
                if method is not None:
                    break
        if method is None:
            raise TemplateAssertionError(
                f"cannot compile {type(node).__name__}", node.lineno, self.name, self.filename
            )
        method(node, frame)

    def emit(self, code: str, frame: Frame, node: nodes.Node | None = None) -> None:
        """Output one string expression: yield it, or append it to the frame's buffer."""
        if frame.buffer is None:
            self.line(f"yield {code}", node)
        else:
            self.line(f"{frame.buffer}.append({code})", node)

    def yield_from(self, code: str, frame: Frame, node: nodes.Node | None = None) -> None:
        """Output everything an iterable of strings (a render function) produces."""
        if self.is_async:
            event = self.temp()
            source = self.temp()
            self.line(f"{source} = {code}", node)
            self.line("try:")
            self.indentation += 1
            self.line(f"async for {event} in {source}:", node)
            self.indentation += 1
            self.emit(event, frame)
            self.indentation -= 2
            self.line("finally:")
            self.indentation += 1
            self.line(f"if hasattr({source}, 'aclose'): await {source}.aclose()")
            self.indentation -= 1
        elif frame.buffer is None and not self.fine and self.environment.concat == "".join:
            # The coarse form only feeds ``render``'s join: one piece per render function
            # called (a block, an include, the parent template) instead of passing each of
            # its pieces up through ``yield from``, one generator resume per level.
            self.line(f"yield ''.join({code})", node)
        elif frame.buffer is None:
            self.line(f"yield from {code}", node)
        else:
            self.line(f"{frame.buffer}.extend({code})", node)

    def output_value(self, node: nodes.Node, frame: Frame, need_str: bool) -> str:
        """A Python expression giving the output text of ``{{ node }}``.

        With ``need_str`` the result is a str; otherwise it may be any object whose
        ``str()`` is the text (it is formatted with ``%s``).
        """
        code = self.expr(node, frame)
        finalize = self.environment.finalize
        if finalize is not None:
            from_obj = getattr(finalize, "jinja_pass_arg", None)
            if from_obj is not None:
                arg = {
                    "context": "context",
                    "eval_context": "context.eval_ctx",
                    "environment": "environment",
                }[from_obj.name]
                code = f"environment.finalize({arg}, {code})"
            else:
                code = f"environment.finalize({code})"
        if frame.eval_ctx.volatile:
            return f"(escape if context.eval_ctx.autoescape else str)({code})"
        if frame.eval_ctx.autoescape:
            if finalize is None and is_plain_text_choice(node, frame):
                return code  # constants with nothing to escape
            # Exact str goes through the C escaper; int, markup and float need no escaping.
            # A local name is read again where needed; anything else is evaluated once.
            value, first = (code, code) if code.isidentifier() else ("_o", f"_o := {code}")
            plain = f"str({value})" if need_str else value
            return (
                f"(escape_str({value}) if (_t := type({first})) is str else {plain}"
                f" if _t is int or _t is Markup or _t is float else escape({value}))"
            )
        return f"str({code})" if need_str else code

    def const_output(self, node: nodes.Node, frame: Frame) -> str | None:
        """The output text of ``node`` if it is known at compile time, else None.

        Any error while folding (an undefined that refuses ``str()``, a failing
        finalize) leaves the node to runtime, where the error is easier to trace.
        """
        if frame.eval_ctx.volatile:
            return None
        try:
            value = node.as_const(frame.eval_ctx)
            if isinstance(node, nodes.TemplateData):
                return str(value)
            finalize = self.environment.finalize
            if finalize is not None:
                if getattr(finalize, "jinja_pass_arg", None) is not None:
                    return None
                value = finalize(value)
            if frame.eval_ctx.autoescape:
                return str(escape(value))
            return str(value)
        except Exception:
            return None

    def emit_formatted(
        self, pieces: list[str | nodes.Node], frame: Frame, node: nodes.Node
    ) -> None:
        """Output a run of pieces as one ``%``-formatted string.

        Each dynamic piece goes on its own generated line, mapped to its template line,
        so a traceback points at the right ``{{ }}`` even inside one output run.
        """
        fmt = []
        args: list[tuple[str, nodes.Node]] = []
        for piece in pieces:
            if isinstance(piece, str):
                fmt.append(piece.replace("%", "%%"))
            else:
                fmt.append("%s")
                args.append((self.output_value(piece, frame, False), piece))
        if not args:
            self.emit(repr(pieces[0]), frame, node)
            return
        if fmt == ["%s"]:
            self.emit(f"str({args[0][0]})", frame, args[0][1])
            return
        opener = "yield " if frame.buffer is None else f"{frame.buffer}.append("
        closer = ")" if frame.buffer is None else "))"
        self.line(f"{opener}{''.join(fmt)!r} % (", node)
        self.indentation += 1
        for code, child in args:
            self.line(f"{code},", child)
        self.indentation -= 1
        self.line(closer)

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if self.has_known_extends and frame.require_output_check:
            return
        if not node.nodes:
            return
        # Pieces: a str is literal text (adjacent ones merged), a node is dynamic.
        pieces: list[str | nodes.Node] = []
        for child in node.nodes:
            const = self.const_output(child, frame)
            if const is None:
                pieces.append(child)
            elif pieces and isinstance(pieces[-1], str):
                pieces[-1] += const
            else:
                pieces.append(const)
        if frame.require_output_check:
            self.line("if parent_template is None:")
            self.indentation += 1
        if frame.buffer is None and self.fine:
            for piece in pieces:
                if isinstance(piece, str):
                    self.emit(repr(piece), frame, node)
                else:
                    self.emit(self.output_value(piece, frame, True), frame, piece)
        else:
            self.emit_formatted(pieces, frame, node)
        if frame.require_output_check:
            self.indentation -= 1


# jinja2.compiler names, for code that imports them.
CompilerExit = CompilerExitError
has_safe_repr = nodes._has_safe_repr


def find_undeclared(body: list[nodes.Node], names: tuple[str, ...]) -> set[str]:
    """Which of ``names`` the statements read (not inside blocks)."""
    return find_loads(body, names)


def _is_default(env_type: type, name: str) -> bool:
    for klass in env_type.__mro__:
        if name in klass.__dict__:
            return klass.__module__ == "kettle.templates.environment"
    return True


__all__ = [
    "CodeGenerator",
    "CompilerExit",
    "CompilerExitError",
    "Markup",
    "const_repr",
    "find_undeclared",
    "generate",
    "has_safe_repr",
]
