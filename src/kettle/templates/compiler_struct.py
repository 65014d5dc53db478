"""Code generation for the template structure: macros, call blocks, blocks, ``extends``,
``include`` and ``import``.

Rules: a macro is a nested Python function wrapped in ``runtime.Macro`` (argument binding
lives there); parameters the caller left out arrive as ``missing`` and get their default
(evaluated at call time) or an undefined. ``caller``, ``varargs`` and ``kwargs`` become
parameters only when the body reads them. A block is called through
``context.blocks[name][0]`` so overriding works; output after a known ``extends`` is
dropped at compile time, output that may follow a dynamic one is guarded by
``parent_template is None``; as in Jinja this applies to text and ``{{ }}`` only, not to
call blocks, filter blocks or includes.
"""

from __future__ import annotations

from . import nodes
from .compiler_protocol import GeneratorParts
from .scopes import PARAM, Frame, find_loads


class CompilerExitError(Exception):
    """Raised to stop compiling a template body after a second known ``extends``."""


class StructureCompiler(GeneratorParts):
    """Mixin of ``CodeGenerator``: macros, blocks, inheritance, includes, imports."""

    # -- macros --------------------------------------------------------------------------

    def macro_body(self, node: nodes.Macro | nodes.CallBlock, frame: Frame) -> tuple[str, str]:
        """Write the macro's function; return its name and the ``Macro(...)`` arguments."""
        macro_frame = self.new_frame(frame, function=True)
        macro_frame.require_output_check = False
        macro_frame.buffer = self.temp()
        arg_names = [arg.name for arg in node.args]
        params = [macro_frame.declare(name, PARAM) for name in arg_names]
        undeclared = find_loads(node.body, ("caller", "kwargs", "varargs")) - set(arg_names)
        explicit_caller = arg_names.index("caller") if "caller" in arg_names else None
        if "caller" in find_loads(node.body, ("caller",)) and explicit_caller is not None:
            default_index = explicit_caller - (len(node.args) - len(node.defaults))
            if default_index < 0:
                self.fail(
                    'When defining macros or call blocks the special "caller" argument'
                    " must be omitted or be given a default.",
                    node.lineno,
                )
        accesses_caller = "caller" in undeclared
        accesses_kwargs = "kwargs" in undeclared
        accesses_varargs = "varargs" in undeclared
        for special, used in (
            ("caller", accesses_caller),
            ("kwargs", accesses_kwargs),
            ("varargs", accesses_varargs),
        ):
            if used:
                params.append(macro_frame.declare(special, PARAM))
        self.declare_stores(macro_frame, node.body)
        func = self.temp()
        prefix = "async def" if self.is_async else "def"
        self.line(f"{prefix} {func}({', '.join(params)}):", node)
        mark = self.indent()
        self.line(f"{macro_frame.buffer} = []")
        self.enter(macro_frame)
        first_default = len(node.args) - len(node.defaults)
        for index, arg in enumerate(node.args):
            ident = macro_frame.symbols[arg.name]
            macro_frame.maybe_missing = {macro_frame.symbols[a.name] for a in node.args[index:]}
            self.line(f"if {ident} is missing:")
            self.indentation += 1
            if index >= first_default:
                default = self.expr(node.defaults[index - first_default], macro_frame)
            else:
                hint = f"parameter {arg.name!r} was not provided"
                default = f"undefined({hint!r}, name={arg.name!r})"
            self.line(f"{ident} = {default}")
            self.indentation -= 1
        macro_frame.maybe_missing = set()
        self.body(node.body, macro_frame)
        self.leave(macro_frame)
        self.line(f"return concat({macro_frame.buffer})")
        self.outdent(mark)
        name = node.name if isinstance(node, nodes.Macro) else None
        autoescape = "context.eval_ctx.autoescape"
        macro_args = (
            f"environment, {func}, {name!r}, {tuple(arg_names)!r}, {accesses_kwargs},"
            f" {accesses_varargs}, {accesses_caller}, {autoescape}"
        )
        return func, macro_args

    def visit_Macro(self, node: nodes.Macro, frame: Frame) -> None:
        _, macro_args = self.macro_body(node, frame)
        ident = frame.symbols.get(node.name) or frame.declare(node.name, "store")
        self.line(f"{ident} = Macro({macro_args})", node)
        if frame.toplevel:
            self.export_names([node.name], frame)
        frame.mark_assigned([node.name])

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Frame) -> None:
        _, macro_args = self.macro_body(node, frame)
        caller = self.temp()
        self.line(f"{caller} = Macro({macro_args})", node)
        call = self.expr_Call(node.call, frame, {"caller": caller})
        # Like Jinja, a call block's output is not dropped after ``extends``.
        self.emit(call, frame, node)

    # -- blocks and inheritance ------------------------------------------------------------

    def visit_Block(self, node: nodes.Block, frame: Frame) -> None:
        level = 0
        if frame.toplevel:
            if self.has_known_extends:
                return
            if self.extends_so_far > 0:
                self.line("if parent_template is None:")
                self.indentation += 1
                level += 1
        context = self.derive_context(frame) if node.scoped else "context"
        self.yield_from(f"context.blocks[{node.name!r}][0]({context})", frame, node)
        self.indentation -= level

    def visit_Extends(self, node: nodes.Extends, frame: Frame) -> None:
        if not frame.toplevel:
            self.fail("cannot use extend from a non top-level scope", node.lineno)
        if self.extends_so_far > 0:
            if not self.has_known_extends:
                self.line("if parent_template is not None:")
                self.indentation += 1
            self.line("raise TemplateRuntimeError('extended multiple times')", node)
            if self.has_known_extends:
                raise CompilerExitError()
            self.indentation -= 1
        template = self.expr(node.template, frame)
        self.line(f"parent_template = environment.get_template({template}, {self.name!r})", node)
        blocks = "parent_template._fine_parts()[1]" if self.fine else "parent_template.blocks"
        self.line(f"for name, parent_block in {blocks}.items():")
        self.indentation += 1
        self.line("context.blocks.setdefault(name, []).append(parent_block)")
        self.indentation -= 1
        if frame.rootlevel:
            self.has_known_extends = True
        self.extends_so_far += 1

    # -- include and import --------------------------------------------------------------

    def template_lookup(
        self, node: nodes.Include | nodes.Import | nodes.FromImport, frame: Frame
    ) -> str:
        func = "get_or_select_template"
        if isinstance(node.template, nodes.Const):
            if isinstance(node.template.value, str):
                func = "get_template"
            elif isinstance(node.template.value, tuple | list):
                func = "select_template"
        elif isinstance(node.template, nodes.Tuple | nodes.List):
            func = "select_template"
        return f"environment.{func}({self.expr(node.template, frame)}, {self.name!r})"

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        template = self.temp()
        if node.ignore_missing:
            self.line("try:", node)
            self.indentation += 1
        self.line(f"{template} = {self.template_lookup(node, frame)}", node)
        if node.ignore_missing:
            self.indentation -= 1
            self.line("except TemplateNotFound:")
            self.line("    pass")
            self.line("else:")
            self.indentation += 1
        # Like Jinja, an include's output is not dropped after ``extends``.
        if node.with_context:
            locals_ = self.dump_locals(frame)
            if self.fine:
                context = f"{template}._new_context(context.get_all(), True, {locals_}, True)"
                root = f"{template}._fine_parts()[0]"
            else:
                context = f"{template}.new_context(context.get_all(), True, {locals_})"
                root = f"{template}.root_render_func"
            self.yield_from(f"{root}({context})", frame, node)
        elif self.is_async:
            module = f"(await {template}._get_default_module_async())"
            self.yield_from(f"auto_aiter({module}._body_stream)", frame, node)
        else:
            self.yield_from(f"{template}._get_default_module()._body_stream", frame, node)
        if node.ignore_missing:
            self.indentation -= 1

    def module_code(self, node: nodes.Import | nodes.FromImport, frame: Frame) -> str:
        lookup = self.template_lookup(node, frame)
        if node.with_context:
            call = f"make_module{'_async' if self.is_async else ''}"
            code = f"{lookup}.{call}(context.get_all(), True, {self.dump_locals(frame)})"
        else:
            call = f"_get_default_module{'_async' if self.is_async else ''}"
            code = f"{lookup}.{call}(context)"
        return f"(await {code})" if self.is_async else code

    def visit_Import(self, node: nodes.Import, frame: Frame) -> None:
        ident = frame.symbols.get(node.target) or frame.declare(node.target, "store")
        self.line(f"{ident} = {self.module_code(node, frame)}", node)
        if frame.toplevel:
            self.line(f"context.vars[{node.target!r}] = {ident}")
            if not node.target.startswith("_"):
                self.line(f"context.exported_vars.discard({node.target!r})")
        frame.mark_assigned([node.target])

    def visit_FromImport(self, node: nodes.FromImport, frame: Frame) -> None:
        module = self.temp()
        self.line(f"{module} = {self.module_code(node, frame)}", node)
        for item in node.names:
            name, alias = item if isinstance(item, tuple) else (item, item)
            ident = frame.symbols.get(alias) or frame.declare(alias, "store")
            self.line(f"{ident} = getattr({module}, {name!r}, missing)")
            self.line(f"if {ident} is missing:")
            self.indentation += 1
            hint = (
                f"the template %r (imported on {self.position(node)}) does not export the"
                f" requested name {name!r}"
            )
            self.line(f"{ident} = undefined({hint!r} % {module}.__name__, name={name!r})")
            self.indentation -= 1
            if frame.toplevel:
                self.line(f"context.vars[{alias!r}] = {ident}")
                if not alias.startswith("_"):
                    self.line(f"context.exported_vars.discard({alias!r})")
            frame.mark_assigned([alias])
