"""Walking and rewriting syntax trees: ``NodeVisitor`` and ``NodeTransformer``.

Rules: as in jinja2.visitor, ``visit`` dispatches to ``visit_<ClassName>`` and falls back
to ``generic_visit``; a transformer's visit method returns the replacement node, a list
of nodes (spliced into list fields), or None (remove the node).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .nodes import Node


class NodeVisitor:
    """Walks a tree, calling ``visit_<ClassName>`` for each node that has one."""

    def get_visitor(self, node: Node) -> Callable[..., Any] | None:
        visitor: Callable[..., Any] | None = getattr(self, f"visit_{type(node).__name__}", None)
        return visitor

    def visit(self, node: Node, *args: Any, **kwargs: Any) -> Any:
        visitor = self.get_visitor(node)
        if visitor is not None:
            return visitor(node, *args, **kwargs)
        return self.generic_visit(node, *args, **kwargs)

    def generic_visit(self, node: Node, *args: Any, **kwargs: Any) -> Any:
        for child in node.iter_child_nodes():
            self.visit(child, *args, **kwargs)


class NodeTransformer(NodeVisitor):
    """A visitor whose visit methods return replacement nodes."""

    def generic_visit(self, node: Node, *args: Any, **kwargs: Any) -> Node:
        for field, old_value in node.iter_fields():
            if isinstance(old_value, list):
                new_values: list[Any] = []
                for value in old_value:
                    if isinstance(value, Node):
                        value = self.visit(value, *args, **kwargs)
                        if value is None:
                            continue
                        if not isinstance(value, Node):
                            new_values.extend(value)
                            continue
                    new_values.append(value)
                old_value[:] = new_values
            elif isinstance(old_value, Node):
                new_node = self.visit(old_value, *args, **kwargs)
                if new_node is None:
                    delattr(node, field)
                else:
                    setattr(node, field, new_node)
        return node

    def visit_list(self, node: Node, *args: Any, **kwargs: Any) -> list[Node]:
        """Like ``visit`` but always returns a list."""
        result = self.visit(node, *args, **kwargs)
        if not isinstance(result, list):
            return [result]
        return result


__all__ = ["NodeTransformer", "NodeVisitor"]
