"""The token vocabulary and the regular expressions the lexer scans with, plus the parser's
token stream.

Rules: the vocabulary is jinja2.lexer's (``data``, ``name``, ``string``, ``integer``,
``float``, operator names such as ``add``/``lparen``, ``block_begin``/``block_end``,
``variable_begin``/``variable_end``, ``eof``) so extensions written for Jinja can filter
the stream; token type strings are interned so the lexer and parser compare them with
``is``. Tag patterns are built from an environment's delimiters: when two start
delimiters begin at the same place the longer wins (``##`` over ``#``), and the end
patterns carry the ``-``/``+`` whitespace-control forms and ``trim_blocks``' newline.
``kettle.templates.lexer`` re-exports every public name here under jinja2.lexer's names.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from sys import intern
from typing import Any, NamedTuple

from .exceptions import TemplateSyntaxError

OPERATORS = {
    "+": "add",
    "-": "sub",
    "/": "div",
    "//": "floordiv",
    "*": "mul",
    "%": "mod",
    "**": "pow",
    "~": "tilde",
    "[": "lbracket",
    "]": "rbracket",
    "(": "lparen",
    ")": "rparen",
    "{": "lbrace",
    "}": "rbrace",
    "==": "eq",
    "!=": "ne",
    ">": "gt",
    ">=": "gteq",
    "<": "lt",
    "<=": "lteq",
    "=": "assign",
    ".": "dot",
    ":": "colon",
    "|": "pipe",
    ",": "comma",
    ";": "semicolon",
}
REVERSE_OPERATORS = {v: k for k, v in OPERATORS.items()}
operators = OPERATORS
reverse_operators = REVERSE_OPERATORS

TOKEN_DATA = intern("data")
TOKEN_NAME = intern("name")
TOKEN_STRING = intern("string")
TOKEN_INTEGER = intern("integer")
TOKEN_FLOAT = intern("float")
TOKEN_BLOCK_BEGIN = intern("block_begin")
TOKEN_BLOCK_END = intern("block_end")
TOKEN_VARIABLE_BEGIN = intern("variable_begin")
TOKEN_VARIABLE_END = intern("variable_end")
TOKEN_RAW_BEGIN = intern("raw_begin")
TOKEN_RAW_END = intern("raw_end")
TOKEN_COMMENT_BEGIN = intern("comment_begin")
TOKEN_COMMENT_END = intern("comment_end")
TOKEN_COMMENT = intern("comment")
TOKEN_LINESTATEMENT_BEGIN = intern("linestatement_begin")
TOKEN_LINESTATEMENT_END = intern("linestatement_end")
TOKEN_LINECOMMENT_BEGIN = intern("linecomment_begin")
TOKEN_LINECOMMENT_END = intern("linecomment_end")
TOKEN_LINECOMMENT = intern("linecomment")
TOKEN_WHITESPACE = intern("whitespace")
TOKEN_OPERATOR = intern("operator")
TOKEN_INITIAL = intern("initial")
TOKEN_EOF = intern("eof")

_FLOAT = r"(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+\-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)"
_INTEGER = (
    r"(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*)"
)
_STRING = r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\""
_OPERATOR = "|".join(re.escape(op) for op in sorted(OPERATORS, key=lambda x: -len(x)))
# Identifiers as Python defines them: \w plus the Other_ID_Start/Other_ID_Continue
# characters (U+1885, U+2118, U+00B7, ...) that \w does not match.
_ID_START = "[^\\W\\d]|[\u1885\u1886\u2118\u212e\u309b\u309c]"
_ID_CONTINUE = "\\w|[\u00b7\u0387\u1369-\u1371\u19da\u1885\u1886\u2118\u212e\u309b\u309c]"
_NAME = f"(?:{_ID_START})(?:{_ID_CONTINUE})*"
_EXPR_RE = re.compile(
    rf"(?P<ws>\s+)|(?P<float>{_FLOAT})|(?P<integer>{_INTEGER})|(?P<name>{_NAME})"
    rf"|(?P<string>{_STRING})|(?P<operator>{_OPERATOR})",
    re.S,
)
_NEWLINE_RE = re.compile(r"(\r\n|\r|\n)")

_TYPE_DESCRIPTIONS = {
    TOKEN_COMMENT_BEGIN: "begin of comment",
    TOKEN_COMMENT_END: "end of comment",
    TOKEN_COMMENT: "comment",
    TOKEN_LINECOMMENT: "comment",
    TOKEN_BLOCK_BEGIN: "begin of statement block",
    TOKEN_BLOCK_END: "end of statement block",
    TOKEN_VARIABLE_BEGIN: "begin of print statement",
    TOKEN_VARIABLE_END: "end of print statement",
    TOKEN_LINESTATEMENT_BEGIN: "begin of line statement",
    TOKEN_LINESTATEMENT_END: "end of line statement",
    TOKEN_DATA: "template data / text",
    TOKEN_EOF: "end of template",
}


def _describe_token_type(token_type: str) -> str:
    if token_type in REVERSE_OPERATORS:
        return REVERSE_OPERATORS[token_type]
    return _TYPE_DESCRIPTIONS.get(token_type, token_type)


def describe_token(token: Token) -> str:
    """Describe a token for error messages (a name token is its value)."""
    if token.type == TOKEN_NAME:
        return str(token.value)
    return _describe_token_type(token.type)


def describe_token_expr(expr: str) -> str:
    """Like ``describe_token`` for a token expression such as ``name:endfor``."""
    if ":" in expr:
        type_, value = expr.split(":", 1)
        if type_ == TOKEN_NAME:
            return value
    else:
        type_ = expr
    return _describe_token_type(type_)


def count_newlines(value: str) -> int:
    return len(_NEWLINE_RE.findall(value))


class Token(NamedTuple):
    lineno: int
    type: str
    value: Any

    def __str__(self) -> str:
        return describe_token(self)

    def test(self, expr: str) -> bool:
        """Match ``type`` or ``type:value`` against this token."""
        if self.type == expr:
            return True
        if ":" in expr:
            return expr.split(":", 1) == [self.type, self.value]
        return False

    def test_any(self, *iterable: str) -> bool:
        return any(self.test(expr) for expr in iterable)


class TokenStreamIterator:
    """Iterates a stream until ``eof`` and closes it then."""

    def __init__(self, stream: TokenStream) -> None:
        self.stream = stream

    def __iter__(self) -> TokenStreamIterator:
        return self

    def __next__(self) -> Token:
        token = self.stream.current
        if token.type is TOKEN_EOF:
            self.stream.close()
            raise StopIteration
        next(self.stream)
        return token


class TokenStream:
    """The parser's view of the tokens: ``current``, ``look``, ``next_if``, ``expect``."""

    def __init__(self, generator: Iterable[Token], name: str | None, filename: str | None):
        self._iter = iter(generator)
        self._pushed: deque[Token] = deque()
        self.name = name
        self.filename = filename
        self.closed = False
        self.current = Token(1, TOKEN_INITIAL, "")
        next(self)

    def __iter__(self) -> TokenStreamIterator:
        return TokenStreamIterator(self)

    def __bool__(self) -> bool:
        return bool(self._pushed) or self.current.type is not TOKEN_EOF

    @property
    def eos(self) -> bool:
        return not self

    def push(self, token: Token) -> None:
        self._pushed.append(token)

    def look(self) -> Token:
        old_token = next(self)
        result = self.current
        self.push(result)
        self.current = old_token
        return result

    def skip(self, n: int = 1) -> None:
        for _ in range(n):
            next(self)

    def next_if(self, expr: str) -> Token | None:
        if self.current.test(expr):
            return next(self)
        return None

    def skip_if(self, expr: str) -> bool:
        return self.next_if(expr) is not None

    def __next__(self) -> Token:
        result = self.current
        if self._pushed:
            self.current = self._pushed.popleft()
        elif self.current.type is not TOKEN_EOF:
            try:
                self.current = next(self._iter)
            except StopIteration:
                self.close()
        return result

    def close(self) -> None:
        self.current = Token(self.current.lineno, TOKEN_EOF, "")
        self._iter = iter(())
        self.closed = True

    def expect(self, expr: str) -> Token:
        if not self.current.test(expr):
            expected = describe_token_expr(expr)
            if self.current.type is TOKEN_EOF:
                raise TemplateSyntaxError(
                    f"unexpected end of template, expected {expected!r}.",
                    self.current.lineno,
                    self.name,
                    self.filename,
                )
            raise TemplateSyntaxError(
                f"expected token {expected!r}, got {describe_token(self.current)!r}",
                self.current.lineno,
                self.name,
                self.filename,
            )
        return next(self)


class TagPatterns(NamedTuple):
    """The delimiter regexes of one syntax configuration (see ``compile_tag_patterns``)."""

    root: re.Pattern[str]
    block_end: re.Pattern[str]
    variable_end: re.Pattern[str]
    comment_end: re.Pattern[str]
    raw_begin: re.Pattern[str]
    raw_end: re.Pattern[str]
    linestatement_end: re.Pattern[str]


def compile_tag_patterns(environment: Any) -> TagPatterns:
    """Build the regexes that find tags and their ends for ``environment``'s delimiters,
    line statement/comment prefixes and ``trim_blocks``."""
    e = re.escape
    be = e(environment.block_end_string)
    bs = e(environment.block_start_string)
    ce = e(environment.comment_end_string)
    ve = e(environment.variable_end_string)
    suffix = "\\n?" if environment.trim_blocks else ""
    starts = [
        (environment.block_start_string, f"(?P<block>{bs})"),
        (
            environment.variable_start_string,
            f"(?P<variable>{e(environment.variable_start_string)})",
        ),
        (
            environment.comment_start_string,
            f"(?P<comment>{e(environment.comment_start_string)})",
        ),
    ]
    if environment.line_statement_prefix is not None:
        prefix = environment.line_statement_prefix
        starts.append((prefix, f"(?P<linestatement>^[ \\t\\v]*{e(prefix)})"))
    if environment.line_comment_prefix is not None:
        prefix = environment.line_comment_prefix
        pattern = f"(?P<linecomment>(?:^|(?<=\\S))[^\\S\\r\\n]*{e(prefix)})"
        starts.append((prefix, pattern))
    alternatives = [pattern for _, pattern in sorted(starts, key=_by_len)]
    return TagPatterns(
        root=re.compile("|".join(alternatives), re.M),
        block_end=re.compile(rf"\+{be}|\-{be}\s*|{be}{suffix}"),
        variable_end=re.compile(rf"\-{ve}\s*|{ve}"),
        comment_end=re.compile(rf"(.*?)(\+{ce}|\-{ce}\s*|{ce}{suffix})", re.S),
        raw_begin=re.compile(rf"\s*raw\s*(?:\-{be}\s*|{be})"),
        raw_end=re.compile(
            rf"(.*?)({bs}([\-+]?)\s*endraw\s*(?:\+{be}|\-{be}\s*|{be}{suffix}))", re.S
        ),
        linestatement_end=re.compile(r"\s*(\n|$)"),
    )


def _by_len(item: tuple[str, str]) -> int:
    return -len(item[0])
