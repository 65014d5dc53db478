"""The exception hierarchy of the template engine, named as jinja2.exceptions names it.

Rules: this module imports nothing from the rest of the engine (every other module may
import it). ``TemplateSyntaxError`` renders as the message followed by the template's
file/name and line, then the offending source line when the source is known.
Undefined values passed as template names are recognised by duck typing (they carry
``_undefined_message``) so this module stays at the bottom of the import graph.
"""

from __future__ import annotations

from typing import Any


class TemplateError(Exception):
    """Base class of every template error."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)

    @property
    def message(self) -> str | None:
        return self.args[0] if self.args else None


def _describe_name(name: Any) -> Any:
    message = getattr(name, "_undefined_message", None)
    if message is not None and type(name).__name__.endswith("Undefined"):
        return message
    return name


class TemplateNotFound(OSError, LookupError, TemplateError):
    """A loader could not find the template ``name``."""

    message: str | None = None

    def __init__(self, name: Any, message: str | None = None) -> None:
        OSError.__init__(self, name)
        if message is None:
            fail = getattr(name, "_fail_with_undefined_error", None)
            if fail is not None and type(name).__name__.endswith("Undefined"):
                fail()
            message = name
        self.message = message
        self.name = name
        self.templates = [name]

    def __str__(self) -> str:
        return str(self.message)


class TemplatesNotFound(TemplateNotFound):
    """None of several candidate templates exists (``select_template``)."""

    def __init__(self, names: Any = (), message: str | None = None) -> None:
        if message is None:
            parts = ", ".join(str(_describe_name(name)) for name in names)
            message = f"none of the templates given were found: {parts}"
        names = list(names)
        super().__init__(names[-1] if names else None, message)
        self.templates = names


class TemplateSyntaxError(TemplateError):
    """The template source does not follow the grammar."""

    def __init__(
        self,
        message: str,
        lineno: int,
        name: str | None = None,
        filename: str | None = None,
    ) -> None:
        super().__init__(message)
        self.lineno = lineno
        self.name = name
        self.filename = filename
        self.source: str | None = None
        # Set once the debug machinery has rewritten the traceback; str() is then the bare
        # message because the location already shows in the traceback.
        self.translated = False

    def __str__(self) -> str:
        if self.translated:
            return str(self.message)
        location = f"line {self.lineno}"
        name = self.filename or self.name
        if name:
            location = f'File "{name}", {location}'
        lines = [str(self.message), "  " + location]
        if self.source is not None:
            source_lines = self.source.splitlines()
            if 0 < self.lineno <= len(source_lines):
                lines.append("    " + source_lines[self.lineno - 1].strip())
        return "\n".join(lines)

    def __reduce__(self) -> Any:
        return self.__class__, (self.message, self.lineno, self.name, self.filename)


class TemplateAssertionError(TemplateSyntaxError):
    """The template parsed, but the compiler found it invalid (e.g. unknown filter)."""


class TemplateRuntimeError(TemplateError):
    """A generic error raised while a template renders."""


class UndefinedError(TemplateRuntimeError):
    """An undefined value was used in a way that needs a value."""


class SecurityError(TemplateRuntimeError):
    """The sandbox refused an operation."""


class FilterArgumentError(TemplateRuntimeError):
    """A filter was called with arguments it cannot accept."""


__all__ = [
    "FilterArgumentError",
    "SecurityError",
    "TemplateAssertionError",
    "TemplateError",
    "TemplateNotFound",
    "TemplateRuntimeError",
    "TemplateSyntaxError",
    "TemplatesNotFound",
    "UndefinedError",
]
