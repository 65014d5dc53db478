"""URL converters: the typed pieces of a rule such as ``<int:post_id>``.

Rules: a converter owns one regular expression (``regex``) that matches its part of the path,
``to_python`` turns the matched text into a value (raising ``ValidationError`` rejects the
match so the next rule is tried) and ``to_url`` turns a value back into path text. Converter
arguments are parsed from the rule text (``<string(length=2):code>``) as Python literals.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from .map import Map

URL_SAFE = "!$&'()*+,/:;=@"


class ValidationError(ValueError):
    """Raised by ``to_python`` when matched text is not a valid value: the rule does not match."""


class BaseConverter:
    """The converter protocol; subclasses set ``regex`` and override the two conversions."""

    regex = "[^/]+"
    weight = 100
    part_isolating = True

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        return value

    def to_url(self, value: Any) -> str:
        return quote(str(value), safe=URL_SAFE)


class UnicodeConverter(BaseConverter):
    """``string``: any text without a slash, optionally with a fixed or bounded length."""

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            size = f"{{{int(length)}}}"
        else:
            size = f"{{{int(minlength)},{'' if maxlength is None else int(maxlength)}}}"
        self.regex = f"[^/]{size}"


class AnyConverter(BaseConverter):
    """``any(a, b, c)``: exactly one of the listed words."""

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("the 'any' converter needs at least one item")
        self.items = [str(item) for item in items]
        self.regex = "(?:" + "|".join(re.escape(item) for item in self.items) + ")"

    def to_url(self, value: Any) -> str:
        if str(value) not in self.items:
            valid = ", ".join(repr(item) for item in self.items)
            raise ValueError(f"{value!r} is not one of {valid}")
        return super().to_url(value)


class PathConverter(BaseConverter):
    """``path``: like ``string`` but also accepts slashes."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False


class NumberConverter(BaseConverter):
    """Shared range checking for ``int`` and ``float``."""

    weight = 50
    num_convert: Any = int

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed
        if signed:
            self.regex = "-?" + self.regex

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError(value)
        number = self.num_convert(value)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError(value)
        return number

    def to_url(self, value: Any) -> str:
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """``int``: decimal digits (a sign only with ``signed=True``)."""

    regex = r"\d+"


class FloatConverter(NumberConverter):
    """``float``: digits with a decimal point."""

    regex = r"\d+\.\d+"
    num_convert = float

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)


class UUIDConverter(BaseConverter):
    """``uuid``: a hyphenated UUID, converted to ``uuid.UUID``."""

    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return str(value)


DEFAULT_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}

# One argument: an optional ``key=``, then a quoted string (taken as it is, without escape
# processing, so regex arguments keep their backslashes) or a bare word (a number, True,
# False, None, or a name taken as text). Anything else is a parse error.
_ARG = re.compile(
    r"\s*(?:(?P<key>\w+)\s*=\s*)?"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[\w.+-]+)\s*(?P<end>,|$)"
)
_WORDS: dict[str, Any] = {"None": None, "True": True, "False": False}


def _argument(text: str) -> Any:
    """A converter argument's value: a quoted string without its quotes, a Python
    constant, an int, a float, or else the text itself."""
    if text[:1] in "\"'" and text[-1:] == text[:1] and len(text) >= 2:
        return text[1:-1]
    if text in _WORDS:
        return _WORDS[text]
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_converter_args(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse ``"2, maxlength=8, 'x'"`` into positional and keyword arguments; a trailing
    comma is allowed. Raises ``ValueError`` naming the text when it does not parse."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    position = 0
    text = text.strip()
    while position < len(text):
        found = _ARG.match(text, position)
        if found is None or found.end() == position:
            raise ValueError(f"cannot parse converter arguments {text!r}")
        value = _argument(found.group("value"))
        if found.group("key"):
            kwargs[found.group("key")] = value
        else:
            args.append(value)
        position = found.end()
    return tuple(args), kwargs
