"""Statement half of the code generator: loops, conditions, macros, assignments, blocks,
inheritance, includes and imports.

Rules: a statement writes lines through the ``CodeGenerator`` (``line``/``emit``) and
opens a new ``Frame`` exactly where Jinja opens a scope: loop bodies, ``with``, set blocks,
filter blocks, macros and call blocks. Assignments at template top level also go to
``context.vars`` (and ``exported_vars`` unless the name starts with ``_``) so imports and
blocks see them. The ``loop`` object is only built when the body reads ``loop``.
"""

from __future__ import annotations

from . import nodes
from .compiler_protocol import GeneratorParts
from .scopes import PARAM, Frame, collect_stores, find_loads, index_only_loop, target_names


class StatementCompiler(GeneratorParts):
    """Mixin of ``CodeGenerator``: the ``visit_<Node>`` methods of statements."""

    # -- helpers ------------------------------------------------------------------------

    def buffer_value(self, buffer: str, frame: Frame) -> str:
        """The rendered text of a buffer, marked safe when autoescaping."""
        if frame.eval_ctx.volatile:
            return f"(Markup if context.eval_ctx.autoescape else identity)(concat({buffer}))"
        if frame.eval_ctx.autoescape:
            return f"Markup(concat({buffer}))"
        return f"concat({buffer})"

    def assign_target(self, target: nodes.Node, frame: Frame) -> str:
        return self.expr(target, frame)

    def export_names(self, names: list[str], frame: Frame) -> None:
        if frame.loop_frame and frame.loop_vars:
            target = "_loop_vars"
        elif frame.block_frame and frame.block_vars:
            target = "_block_vars"
        elif frame.toplevel:
            target = "context.vars"
        else:
            return
        names = sorted(set(names))
        if len(names) == 1:
            self.line(f"{target}[{names[0]!r}] = {frame.symbols[names[0]]}")
        else:
            items = ", ".join(f"{n!r}: {frame.symbols[n]}" for n in names)
            self.line(f"{target}.update({{{items}}})")
        if target != "context.vars":
            return
        public = [n for n in names if not n.startswith("_")]
        if len(public) == 1:
            self.line(f"context.exported_vars.add({public[0]!r})")
        elif public:
            self.line(f"context.exported_vars.update({tuple(public)!r})")

    # -- loops ---------------------------------------------------------------------------

    def loop_scope(self, node: nodes.For, frame: Frame) -> tuple[Frame, str | None]:
        """The loop body's frame, and the ``loop`` identifier if the body reads ``loop``."""
        loop_frame = self.new_frame(frame)
        loop_frame.loop_frame = True
        uses_loop = node.recursive or "loop" in find_loads(node.body, ["loop"], skip_loops=True)
        for name_node in node.find_all(nodes.Name):
            if name_node.ctx == "store" and name_node.name == "loop":
                self.fail(
                    "Can't assign to special loop variable in for-loop target", name_node.lineno
                )
        for name in target_names(node.target):
            loop_frame.declare(name, PARAM)
        loop_ident = loop_frame.declare("loop", PARAM) if uses_loop else None
        loop_frame.loop_object = (
            loop_ident is not None
            and not self.is_async
            and "loop" not in collect_stores(node.body)
        )
        loop_frame.index_loop = (
            loop_frame.loop_object
            and not node.recursive
            and not self.sandboxed
            and index_only_loop(node.body)
        )
        self.declare_stores(loop_frame, node.body)
        loop_frame.loop_vars = bool(collect_stores(node.body))
        return loop_frame, loop_ident

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        loop_frame, loop_ident = self.loop_scope(node, frame)
        if node.recursive:
            func = self.temp()
            prefix = "async def" if self.is_async else "def"
            self.line(f"{prefix} {func}(reciter, loop_render_func, depth=0):", node)
            self.indentation += 1
            loop_frame.buffer = self.temp()
            self.line(f"{loop_frame.buffer} = []")
            iter_code = "reciter"
        else:
            iter_code = self.expr(node.iter, frame)
        target = self.assign_target(node.target, loop_frame)
        if node.test is not None:
            test_frame = self.new_frame(frame)
            for name in target_names(node.target):
                test_frame.symbols[name] = loop_frame.symbols[name]
                test_frame.kinds[name] = PARAM
            iter_code = self.loop_filter(node, test_frame, target, iter_code)
        if loop_frame.index_loop:
            iter_code = f"enumerate({iter_code})"
            target = f"{loop_ident}, {target}"
        elif loop_ident is not None:
            cls = "AsyncLoopContext" if self.is_async else "LoopContext"
            extra = ", loop_render_func, depth" if node.recursive else ""
            iter_code = f"{cls}({iter_code}, undefined{extra})"
            target = f"{target}, {loop_ident}"
        elif self.is_async:
            iter_code = f"auto_aiter({iter_code})"
        else_flag = self.temp() if node.else_ else None
        if else_flag is not None:
            self.line(f"{else_flag} = 1")
        self.line(f"{'async for' if self.is_async else 'for'} {target} in {iter_code}:", node)
        mark = self.indent()
        self.enter(loop_frame)
        if else_flag is not None:
            self.line(f"{else_flag} = 0")
        if loop_frame.loop_vars:
            self.line("_loop_vars = {}")
        self.body(node.body, loop_frame)
        self.leave(loop_frame)
        self.outdent(mark)
        if else_flag is not None:
            self.loop_else(node, frame, loop_frame, else_flag)
        if node.recursive:
            self.line(f"return {self.buffer_value(loop_frame.buffer or '', frame)}")
            self.indentation -= 1
            call = self.awaited(f"{func}({self.expr(node.iter, frame)}, {func})")
            self.emit(call, frame, node)

    def loop_else(self, node: nodes.For, frame: Frame, loop_frame: Frame, flag: str) -> None:
        """The ``else`` of a loop: runs when the loop body never ran."""
        self.line(f"if {flag}:")
        mark = self.indent()
        else_frame = self.new_frame(frame)
        else_frame.buffer = loop_frame.buffer if node.recursive else frame.buffer
        self.declare_stores(else_frame, node.else_)
        self.enter(else_frame)
        self.body(node.else_, else_frame)
        self.leave(else_frame)
        self.outdent(mark)

    def loop_filter(self, node: nodes.For, loop_frame: Frame, target: str, iter_code: str) -> str:
        func = self.temp()
        prefix = "async def" if self.is_async else "def"
        self.line(f"{prefix} {func}(fiter):", node)
        self.indentation += 1
        loop_kw = "async for" if self.is_async else "for"
        source = "auto_aiter(fiter)" if self.is_async else "fiter"
        self.line(f"{loop_kw} {target} in {source}:")
        self.indentation += 1
        self.line(f"if {self.expr(node.test, loop_frame)}:")
        self.indentation += 1
        self.line(f"yield {target}")
        self.indentation -= 3
        return f"{func}({iter_code})"

    def visit_Break(self, node: nodes.Break, frame: Frame) -> None:
        self.line("break", node)

    def visit_Continue(self, node: nodes.Continue, frame: Frame) -> None:
        self.line("continue", node)

    # -- conditions and plain statements -------------------------------------------------

    def visit_If(self, node: nodes.If, frame: Frame) -> None:
        soft = frame.soft()
        self.line(f"if {self.expr(node.test, soft)}:", node)
        mark = self.indent()
        self.body(node.body, soft)
        self.outdent(mark)
        for elif_ in node.elif_:
            self.line(f"elif {self.expr(elif_.test, soft)}:", elif_)
            mark = self.indent()
            self.body(elif_.body, soft)
            self.outdent(mark)
        if node.else_:
            self.line("else:")
            mark = self.indent()
            self.body(node.else_, soft)
            self.outdent(mark)

    def visit_ExprStmt(self, node: nodes.ExprStmt, frame: Frame) -> None:
        self.line(self.expr(node.node, frame), node)

    def visit_Assign(self, node: nodes.Assign, frame: Frame) -> None:
        value = self.expr(node.node, frame)
        self.assign(node.target, value, frame, node)

    def assign(self, target: nodes.Node, value: str, frame: Frame, node: nodes.Node) -> None:
        if isinstance(target, nodes.NSRef):
            ref = frame.read(target.name)
            self.line(f"if not isinstance({ref}, Namespace):", node)
            self.indentation += 1
            message = "cannot assign attribute on non-namespace object"
            self.line(f"raise TemplateRuntimeError({message!r})")
            self.indentation -= 1
            self.line(f"{ref}[{target.attr!r}] = {value}")
            return
        if isinstance(target, nodes.Tuple) and any(
            isinstance(item, nodes.NSRef) for item in target.items
        ):
            temps = [self.temp() for _ in target.items]
            self.line(f"({', '.join(temps)},) = {value}", node)
            for item, temp in zip(target.items, temps, strict=True):
                self.assign(item, temp, frame, node)
            return
        self.line(f"{self.assign_target(target, frame)} = {value}", node)
        names = list(target_names(target))
        self.export_names(names, frame)
        frame.mark_assigned(names)

    def visit_AssignBlock(self, node: nodes.AssignBlock, frame: Frame) -> None:
        block_frame = self.new_frame(frame)
        block_frame.require_output_check = False
        block_frame.buffer = self.temp()
        self.declare_stores(block_frame, node.body)
        self.line(f"{block_frame.buffer} = []", node)
        self.enter(block_frame)
        self.body(node.body, block_frame)
        self.leave(block_frame)
        value = self.buffer_value(block_frame.buffer, frame)
        if node.filter is not None:
            value = self.expr_Filter(node.filter, frame, value)
        self.assign(node.target, value, frame, node)

    def visit_With(self, node: nodes.With, frame: Frame) -> None:
        with_frame = self.new_frame(frame)
        values = [self.expr(value, frame) for value in node.values]
        for target in node.targets:
            for name in target_names(target):
                with_frame.declare(name, PARAM)
        self.declare_stores(with_frame, node.body)
        for target, value in zip(node.targets, values, strict=True):
            self.line(f"{self.assign_target(target, with_frame)} = {value}", node)
        self.enter(with_frame)
        self.body(node.body, with_frame)
        self.leave(with_frame)

    def visit_Scope(self, node: nodes.Scope, frame: Frame) -> None:
        scope_frame = self.new_frame(frame)
        self.declare_stores(scope_frame, node.body)
        self.enter(scope_frame)
        self.body(node.body, scope_frame)
        self.leave(scope_frame)

    def visit_OverlayScope(self, node: nodes.OverlayScope, frame: Frame) -> None:
        ctx = self.temp()
        self.line(f"{ctx} = {self.derive_context(frame)}", node)
        self.line(f"{ctx}.vars = {self.expr(node.context, frame)}")
        prefix = "async def" if self.is_async else "def"
        self.line(f"{prefix} {ctx}_body(context):")
        self.indentation += 1
        self.line("resolve = context.resolve")
        self.line("if 0: yield None")
        # Isolated: every name inside resolves from the overlay context.
        scope_frame = self.new_frame(None, function=True, eval_ctx=frame.eval_ctx)
        self.declare_stores(scope_frame, node.body)
        self.enter(scope_frame)
        self.body(node.body, scope_frame)
        self.leave(scope_frame)
        self.indentation -= 1
        self.yield_from(f"{ctx}_body({ctx})", frame)

    def visit_EvalContextModifier(self, node: nodes.EvalContextModifier, frame: Frame) -> None:
        for keyword in node.options:
            value = self.expr(keyword.value, frame)
            self.line(f"context.eval_ctx.{keyword.key} = {value}", node)
            try:
                const = keyword.value.as_const(frame.eval_ctx)
            except nodes.Impossible:
                frame.eval_ctx.volatile = True
            else:
                setattr(frame.eval_ctx, keyword.key, const)

    def visit_ScopedEvalContextModifier(
        self, node: nodes.ScopedEvalContextModifier, frame: Frame
    ) -> None:
        saved = self.temp()
        saved_ctx = frame.eval_ctx.save()
        self.line(f"{saved} = context.eval_ctx.save()", node)
        self.visit_EvalContextModifier(node, frame)
        self.body(node.body, frame)
        frame.eval_ctx.revert(saved_ctx)
        self.line(f"context.eval_ctx.revert({saved})")

    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        filter_frame = self.new_frame(frame)
        filter_frame.buffer = self.temp()
        self.declare_stores(filter_frame, node.body)
        self.line(f"{filter_frame.buffer} = []", node)
        self.enter(filter_frame)
        self.body(node.body, filter_frame)
        self.leave(filter_frame)
        value = self.expr_Filter(node.filter, frame, self.buffer_value(filter_frame.buffer, frame))
        # Like Jinja, a filter block's result is not dropped after ``extends``.
        self.emit(value, frame, node)
