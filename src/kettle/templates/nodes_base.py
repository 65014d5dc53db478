"""The base of the template syntax tree: ``Node`` and its field machinery, the abstract
``Stmt``/``Helper`` kinds, ``EvalContext`` and ``Impossible``.

Rules: every node class declares ``fields`` (positional constructor order, as in Jinja;
a subclass's ``fields`` extend its parent's) and ``attributes`` (``lineno``,
``environment``). Nodes are mutable because extensions and the parser adjust them after
construction (``set_ctx``, ``set_lineno``); the compiler never mutates them. The public
home of every class here is ``kettle.templates.nodes``, which re-exports them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

# jinja2.nodes.NodeType is the nodes' metaclass; kettle's nodes use plain classes.
NodeType = type


class Impossible(Exception):
    """An expression cannot be folded to a constant."""


class EvalContext:
    """Evaluation-time settings (autoescape, volatile) that blocks may change."""

    def __init__(self, environment: Any, template_name: str | None = None) -> None:
        self.environment = environment
        if callable(environment.autoescape):
            self.autoescape = bool(environment.autoescape(template_name))
        else:
            self.autoescape = bool(environment.autoescape)
        self.volatile = False

    def save(self) -> dict[str, Any]:
        return self.__dict__.copy()

    def revert(self, old: dict[str, Any]) -> None:
        self.__dict__.clear()
        self.__dict__.update(old)


def get_eval_context(node: Node, ctx: EvalContext | None) -> EvalContext:
    if ctx is None:
        if node.environment is None:
            raise RuntimeError(
                "if no eval context is passed, the node must have an attached environment."
            )
        return EvalContext(node.environment)
    return ctx


class Node:
    """Base of every node: positional ``fields`` then keyword ``attributes``."""

    fields: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ("lineno", "environment")
    abstract = True
    lineno: int
    environment: Any

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, *fields: Any, **attributes: Any) -> None:
        if self.abstract:
            raise TypeError("abstract nodes are not instantiable")
        if fields:
            if len(fields) != len(self.fields):
                if not self.fields:
                    raise TypeError(f"{type(self).__name__!r} takes 0 arguments")
                plural = "" if len(self.fields) == 1 else "s"
                raise TypeError(
                    f"{type(self).__name__!r} takes 0 or {len(self.fields)} argument{plural}"
                )
            for name, value in zip(self.fields, fields, strict=True):
                setattr(self, name, value)
        for attr in self.attributes:
            setattr(self, attr, attributes.pop(attr, None))
        if attributes:
            raise TypeError(f"unknown attribute {next(iter(attributes))!r}")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "abstract" not in cls.__dict__:
            cls.abstract = False
        parent_fields: tuple[str, ...] = ()
        for base in cls.__mro__[1:]:
            if "fields" in base.__dict__:
                parent_fields = base.__dict__["fields"]
                break
        if "fields" in cls.__dict__:
            cls.fields = parent_fields + cls.__dict__["fields"]

    def iter_fields(self, exclude: Any = None, only: Any = None) -> Iterator[tuple[str, Any]]:
        for name in self.fields:
            if (
                (exclude is None and only is None)
                or (exclude is not None and name not in exclude)
                or (only is not None and name in only)
            ):
                try:
                    yield name, getattr(self, name)
                except AttributeError:
                    pass

    def iter_child_nodes(self, exclude: Any = None, only: Any = None) -> Iterator[Node]:
        for _, item in self.iter_fields(exclude, only):
            if isinstance(item, list):
                for n in item:
                    if isinstance(n, Node):
                        yield n
            elif isinstance(item, Node):
                yield item

    def find(self, node_type: Any) -> Any:
        for result in self.find_all(node_type):
            return result
        return None

    def find_all(self, node_type: Any) -> Iterator[Any]:
        for child in self.iter_child_nodes():
            if isinstance(child, node_type):
                yield child
            yield from child.find_all(node_type)

    def set_ctx(self, ctx: str) -> Node:
        todo = deque([self])
        while todo:
            node = todo.popleft()
            if "ctx" in node.fields:
                node.ctx = ctx
            todo.extend(node.iter_child_nodes())
        return self

    def set_lineno(self, lineno: int, override: bool = False) -> Node:
        todo = deque([self])
        while todo:
            node = todo.popleft()
            if "lineno" in node.attributes and (node.lineno is None or override):
                node.lineno = lineno
            todo.extend(node.iter_child_nodes())
        return self

    def set_environment(self, environment: Any) -> Node:
        todo = deque([self])
        while todo:
            node = todo.popleft()
            node.environment = environment
            todo.extend(node.iter_child_nodes())
        return self

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return tuple(self.iter_fields()) == tuple(other.iter_fields())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        args = ", ".join(f"{a}={getattr(self, a, None)!r}" for a in self.fields)
        return f"{type(self).__name__}({args})"

    def dump(self) -> str:
        return repr(self)


class Stmt(Node):
    abstract = True


class Helper(Node):
    abstract = True
