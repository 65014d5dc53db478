"""The Jinja-compatible template engine: lexer -> parser -> nodes -> compiler -> runtime.

Rules: imports nothing else of kettle, so the engine is usable on its own. Its third-party
dependency is markupsafe (``Markup`` is the safe-string type). The names exported here are
jinja2's top-level names, so code written against jinja2 ports by changing the import.
"""

from __future__ import annotations

from .bccache import BytecodeCache, FileSystemBytecodeCache, MemcachedBytecodeCache
from .environment import Environment, Template
from .exceptions import (
    TemplateAssertionError,
    TemplateError,
    TemplateNotFound,
    TemplateRuntimeError,
    TemplatesNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from .loaders import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    FunctionLoader,
    ModuleLoader,
    PackageLoader,
    PrefixLoader,
)
from .undefined import (
    ChainableUndefined,
    DebugUndefined,
    StrictUndefined,
    Undefined,
    make_logging_undefined,
)
from .utils import (
    clear_caches,
    is_undefined,
    pass_context,
    pass_environment,
    pass_eval_context,
    select_autoescape,
)

__version__ = "3.1.6"

__all__ = [
    "BaseLoader",
    "BytecodeCache",
    "ChainableUndefined",
    "ChoiceLoader",
    "DebugUndefined",
    "DictLoader",
    "Environment",
    "FileSystemBytecodeCache",
    "FileSystemLoader",
    "FunctionLoader",
    "MemcachedBytecodeCache",
    "ModuleLoader",
    "PackageLoader",
    "PrefixLoader",
    "StrictUndefined",
    "Template",
    "TemplateAssertionError",
    "TemplateError",
    "TemplateNotFound",
    "TemplateRuntimeError",
    "TemplateSyntaxError",
    "TemplatesNotFound",
    "Undefined",
    "UndefinedError",
    "__version__",
    "clear_caches",
    "is_undefined",
    "make_logging_undefined",
    "pass_context",
    "pass_environment",
    "pass_eval_context",
    "select_autoescape",
]
