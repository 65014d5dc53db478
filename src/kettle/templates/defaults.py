"""Default settings of an Environment, named as jinja2.defaults names them.

Owns the delimiter and whitespace defaults the lexer starts from, the default filter and
test tables, the globals every template sees (range, dict, lipsum, cycler, joiner,
namespace) and the default policies. Rules: plain data only; an Environment copies the
dicts, so changing one environment never changes these.
"""

from __future__ import annotations

from typing import Any, Literal

from .filters import FILTERS as DEFAULT_FILTERS
from .tests import TESTS as DEFAULT_TESTS
from .utils import Cycler, Joiner, Namespace, generate_lorem_ipsum

__all__ = [
    "BLOCK_END_STRING",
    "BLOCK_START_STRING",
    "COMMENT_END_STRING",
    "COMMENT_START_STRING",
    "DEFAULT_FILTERS",
    "DEFAULT_NAMESPACE",
    "DEFAULT_POLICIES",
    "DEFAULT_TESTS",
    "KEEP_TRAILING_NEWLINE",
    "LINE_COMMENT_PREFIX",
    "LINE_STATEMENT_PREFIX",
    "LSTRIP_BLOCKS",
    "NEWLINE_SEQUENCE",
    "TRIM_BLOCKS",
    "VARIABLE_END_STRING",
    "VARIABLE_START_STRING",
]

BLOCK_START_STRING = "{%"
BLOCK_END_STRING = "%}"
VARIABLE_START_STRING = "{{"
VARIABLE_END_STRING = "}}"
COMMENT_START_STRING = "{#"
COMMENT_END_STRING = "#}"
LINE_STATEMENT_PREFIX: str | None = None
LINE_COMMENT_PREFIX: str | None = None
TRIM_BLOCKS = False
LSTRIP_BLOCKS = False
NEWLINE_SEQUENCE: Literal["\n", "\r\n", "\r"] = "\n"
KEEP_TRAILING_NEWLINE = False

DEFAULT_NAMESPACE: dict[str, Any] = {
    "range": range,
    "dict": dict,
    "lipsum": generate_lorem_ipsum,
    "cycler": Cycler,
    "joiner": Joiner,
    "namespace": Namespace,
}

DEFAULT_POLICIES: dict[str, Any] = {
    "compiler.ascii_str": True,
    "urlize.rel": "noopener",
    "urlize.target": None,
    "urlize.extra_schemes": None,
    "truncate.leeway": 5,
    "json.dumps_function": None,
    "json.dumps_kwargs": {"sort_keys": True},
    "ext.i18n.trimmed": False,
}
