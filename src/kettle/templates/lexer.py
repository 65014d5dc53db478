"""Turns template source into tokens: the lexer and the parser's token stream.

Rules: the vocabulary is jinja2.lexer's (``data``, ``name``, ``string``, ``integer``,
``float``, operator names such as ``add``/``lparen``, ``block_begin``/``block_end``,
``variable_begin``/``variable_end``, ``eof``) so extensions written for Jinja can filter
the stream. Whitespace control is applied here: ``-`` on a tag strips the neighbouring
data, ``trim_blocks`` drops the first newline after a block or comment tag,
``lstrip_blocks`` strips blanks before a block or comment tag that starts a line, and
``+`` turns either off for one tag. End delimiters count only when every bracket opened
inside the tag is closed. Newlines in data and strings become ``newline_sequence``.
"""

from __future__ import annotations

import re
from ast import literal_eval
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from sys import intern
from typing import Any, NamedTuple

from .exceptions import TemplateSyntaxError
from .utils import LRUCache, register_cache_clearer

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
_CLOSERS = {"(": ")", "[": "]", "{": "}"}

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
_BLANKS_RE = re.compile(r"[ \t\v\f]*")

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


_lexer_cache: LRUCache = LRUCache(50)
register_cache_clearer(_lexer_cache.clear)


def get_lexer(environment: Any) -> Lexer:
    """Return a lexer for the environment's syntax settings (shared between equals)."""
    key = (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
    )
    lexer = _lexer_cache.get(key)
    if lexer is None:
        lexer = Lexer(environment)
        _lexer_cache[key] = lexer
    return lexer  # type: ignore[no-any-return]


class OptionalLStrip(tuple):  # type: ignore[type-arg]
    """Kept for API parity with jinja2.lexer: a rule that supports lstrip."""


class Failure:
    """Raises a syntax error when called (kept for API parity with jinja2.lexer)."""

    def __init__(self, message: str, cls: type[TemplateSyntaxError] = TemplateSyntaxError):
        self.message = message
        self.error_class = cls

    def __call__(self, lineno: int, filename: str | None) -> None:
        raise self.error_class(self.message, lineno, filename)


class Lexer:
    """Scans source into ``(lineno, type, value)`` triples; ``tokenize`` wraps them."""

    def __init__(self, environment: Any) -> None:
        e = re.escape
        self.lstrip_blocks: bool = environment.lstrip_blocks
        self.newline_sequence: str = environment.newline_sequence
        self.keep_trailing_newline: bool = environment.keep_trailing_newline
        be = e(environment.block_end_string)
        bs = e(environment.block_start_string)
        ce = e(environment.comment_end_string)
        suffix = "\\n?" if environment.trim_blocks else ""
        # Longer delimiters win when two start at the same place (``##`` over ``#``).
        starts = [
            (environment.block_start_string, f"(?P<block>{e(environment.block_start_string)})"),
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
        self.root_re = re.compile("|".join(alternatives), re.M)
        self.block_end_re = re.compile(rf"\+{be}|\-{be}\s*|{be}{suffix}")
        ve = e(environment.variable_end_string)
        self.variable_end_re = re.compile(rf"\-{ve}\s*|{ve}")
        self.comment_end_re = re.compile(rf"(.*?)(\+{ce}|\-{ce}\s*|{ce}{suffix})", re.S)
        self.raw_begin_re = re.compile(rf"\s*raw\s*(?:\-{be}\s*|{be})")
        self.raw_end_re = re.compile(
            rf"(.*?)({bs}([\-+]?)\s*endraw\s*(?:\+{be}|\-{be}\s*|{be}{suffix}))", re.S
        )
        self.linestatement_end_re = re.compile(r"\s*(\n|$)")

    def _normalize_newlines(self, value: str) -> str:
        return _NEWLINE_RE.sub(self.newline_sequence, value)

    def tokenize(
        self,
        source: str,
        name: str | None = None,
        filename: str | None = None,
        state: str | None = None,
    ) -> TokenStream:
        stream = self.tokeniter(source, name, filename, state)
        return TokenStream(self.wrap(stream, name, filename), name, filename)

    def wrap(
        self,
        stream: Iterable[tuple[int, str, str]],
        name: str | None = None,
        filename: str | None = None,
    ) -> Iterator[Token]:
        """Turn raw triples into parser tokens: drop comments, convert literals."""
        for lineno, token, value_str in stream:
            if token in _IGNORED:
                continue
            value: Any = value_str
            if token == TOKEN_LINESTATEMENT_BEGIN:
                token = TOKEN_BLOCK_BEGIN
            elif token == TOKEN_LINESTATEMENT_END:
                token = TOKEN_BLOCK_END
            elif token == TOKEN_DATA:
                value = self._normalize_newlines(value_str)
            elif token == TOKEN_NAME:
                if not value_str.isidentifier():
                    raise TemplateSyntaxError(
                        "Invalid character in identifier", lineno, name, filename
                    )
            elif token == TOKEN_STRING:
                value = _unescape_string(
                    self._normalize_newlines(value_str[1:-1]), lineno, name, filename
                )
            elif token == TOKEN_INTEGER:
                value = int(value_str.replace("_", ""), 0)
            elif token == TOKEN_FLOAT:
                value = literal_eval(value_str.replace("_", ""))
            elif token == TOKEN_OPERATOR:
                token = OPERATORS[value_str]
            yield Token(lineno, token, value)

    def tokeniter(
        self,
        source: str,
        name: str | None,
        filename: str | None = None,
        state: str | None = None,
    ) -> Iterator[tuple[int, str, str]]:
        """Yield ``(lineno, type, value)`` for ``source``, whitespace control applied."""
        lines = _NEWLINE_RE.split(source)[::2]
        if not self.keep_trailing_newline and lines[-1] == "":
            del lines[-1]
        source = "\n".join(lines)
        pos, lineno = 0, 1
        if state == "variable":
            end = self.variable_end_re
            pos, lineno = yield from self._expression(
                source, pos, lineno, end, TOKEN_VARIABLE_END, name, filename
            )
        elif state == "block":
            end = self.block_end_re
            pos, lineno = yield from self._expression(
                source, pos, lineno, end, TOKEN_BLOCK_END, name, filename
            )
        yield from self._root(source, pos, lineno, name, filename)

    def _root(
        self, source: str, pos: int, lineno: int, name: str | None, filename: str | None
    ) -> Iterator[tuple[int, str, str]]:
        size = len(source)
        line_starting = True
        while pos < size:
            m = self.root_re.search(source, pos)
            if m is None:
                yield lineno, TOKEN_DATA, source[pos:]
                return
            kind = m.lastgroup
            tag_end = m.end()
            ctl = ""
            if kind in _CONTROLLABLE and tag_end < size and source[tag_end] in "-+":
                ctl = source[tag_end]
            raw = source[pos : m.start()]
            text = raw
            if ctl == "-":
                text = raw.rstrip()
            elif ctl != "+" and self.lstrip_blocks and kind in _LSTRIPPED:
                text = _lstrip_tail(text, line_starting)
            if text:
                yield lineno, TOKEN_DATA, text
            lineno += raw.count("\n")
            begin = source[m.start() : tag_end + len(ctl)]
            pos, lineno = yield from self._tag(
                kind or "", begin, source, tag_end + len(ctl), lineno, name, filename
            )
            line_starting = pos > 0 and source[pos - 1] == "\n"

    def _tag(
        self,
        kind: str,
        begin: str,
        source: str,
        pos: int,
        lineno: int,
        name: str | None,
        filename: str | None,
    ) -> Generator[tuple[int, str, str], None, tuple[int, int]]:
        """Yield the tokens of one tag whose opening delimiter ``begin`` ends at ``pos``."""
        if kind == "variable":
            yield lineno, TOKEN_VARIABLE_BEGIN, begin
            end = self.variable_end_re
            return (
                yield from self._expression(
                    source, pos, lineno, end, TOKEN_VARIABLE_END, name, filename
                )
            )
        if kind == "block":
            raw_match = self.raw_begin_re.match(source, pos)
            if raw_match is not None:
                return (yield from self._raw(source, begin, raw_match, lineno, name, filename))
            yield lineno, TOKEN_BLOCK_BEGIN, begin
            end = self.block_end_re
            return (
                yield from self._expression(
                    source, pos, lineno, end, TOKEN_BLOCK_END, name, filename
                )
            )
        if kind == "comment":
            if pos >= len(source):
                # Jinja quirk kept for compatibility: a comment opener that ends the
                # template is dropped silently.
                yield lineno, TOKEN_COMMENT_BEGIN, begin
                return pos, lineno
            cm = self.comment_end_re.match(source, pos)
            if cm is None:
                raise TemplateSyntaxError("Missing end of comment tag", lineno, name, filename)
            yield lineno, TOKEN_COMMENT_BEGIN, begin
            yield lineno, TOKEN_COMMENT, cm.group(1)
            lineno += cm.group(1).count("\n")
            yield lineno, TOKEN_COMMENT_END, cm.group(2)
            return cm.end(), lineno + cm.group(2).count("\n")
        if kind == "linestatement":
            yield lineno, TOKEN_LINESTATEMENT_BEGIN, begin
            end = self.linestatement_end_re
            return (
                yield from self._expression(
                    source, pos, lineno, end, TOKEN_LINESTATEMENT_END, name, filename
                )
            )
        stop = source.find("\n", pos)
        if stop < 0:
            stop = len(source)
        yield lineno, TOKEN_LINECOMMENT_BEGIN, begin
        yield lineno, TOKEN_LINECOMMENT, source[pos:stop]
        yield lineno, TOKEN_LINECOMMENT_END, ""
        return stop, lineno

    def _raw(
        self,
        source: str,
        begin: str,
        raw_match: re.Match[str],
        lineno: int,
        name: str | None,
        filename: str | None,
    ) -> Generator[tuple[int, str, str], None, tuple[int, int]]:
        start_line = lineno
        yield lineno, TOKEN_RAW_BEGIN, begin + raw_match.group()
        lineno += raw_match.group().count("\n")
        end = self.raw_end_re.match(source, raw_match.end())
        if end is None:
            raise TemplateSyntaxError("Missing end of raw directive", start_line, name, filename)
        content = end.group(1)
        text = content
        if end.group(3) == "-":
            text = content.rstrip()
        elif end.group(3) != "+" and self.lstrip_blocks:
            text = _lstrip_tail(content, False)
        if text:
            yield lineno, TOKEN_DATA, text
        lineno += content.count("\n")
        yield lineno, TOKEN_RAW_END, end.group(2)
        lineno += end.group(2).count("\n")
        return end.end(), lineno

    def _expression(
        self,
        source: str,
        pos: int,
        lineno: int,
        end_re: re.Pattern[str],
        end_type: str,
        name: str | None,
        filename: str | None,
    ) -> Generator[tuple[int, str, str], None, tuple[int, int]]:
        """Yield the tokens of one tag's inside up to and including its end token."""
        stack: list[str] = []
        size = len(source)
        match_expr = _EXPR_RE.match
        while True:
            if not stack:
                em = end_re.match(source, pos)
                if (
                    em is not None
                    and (em.end() > pos or pos >= size)
                    and (pos < size or end_type is TOKEN_LINESTATEMENT_END)
                ):
                    yield lineno, end_type, em.group()
                    lineno += em.group().count("\n")
                    return em.end(), lineno
            if pos >= size:
                return pos, lineno
            m = match_expr(source, pos)
            if m is None:
                raise TemplateSyntaxError(
                    f"unexpected char {source[pos]!r} at {pos}", lineno, name, filename
                )
            kind = m.lastgroup
            value = m.group()
            pos = m.end()
            if kind == "ws":
                lineno += value.count("\n")
                continue
            if kind == "operator":
                if value in _CLOSERS:
                    stack.append(_CLOSERS[value])
                elif value in ")]}":
                    if not stack:
                        raise TemplateSyntaxError(f"unexpected '{value}'", lineno, name, filename)
                    expected = stack.pop()
                    if value != expected:
                        raise TemplateSyntaxError(
                            f"unexpected '{value}', expected '{expected}'", lineno, name, filename
                        )
            yield lineno, kind or "", value
            lineno += value.count("\n")


_IGNORED = frozenset(
    [
        TOKEN_COMMENT_BEGIN,
        TOKEN_COMMENT,
        TOKEN_COMMENT_END,
        TOKEN_WHITESPACE,
        TOKEN_LINECOMMENT_BEGIN,
        TOKEN_LINECOMMENT_END,
        TOKEN_LINECOMMENT,
        TOKEN_RAW_BEGIN,
        TOKEN_RAW_END,
    ]
)
_CONTROLLABLE = frozenset(["block", "variable", "comment"])
_LSTRIPPED = frozenset(["block", "comment"])


def _by_len(item: tuple[str, str]) -> int:
    return -len(item[0])


def _lstrip_tail(text: str, line_starting: bool) -> str:
    """Drop blanks between the last newline and a tag (lstrip_blocks)."""
    l_pos = text.rfind("\n") + 1
    if (l_pos > 0 or line_starting) and l_pos < len(text) and _BLANKS_RE.fullmatch(text, l_pos):
        return text[:l_pos]
    return text


def _unescape_string(value: str, lineno: int, name: str | None, filename: str | None) -> str:
    if "\\" not in value:
        return value
    try:
        return value.encode("ascii", "backslashreplace").decode("unicode-escape")
    except Exception as e:
        msg = str(e).split(":")[-1].strip()
        raise TemplateSyntaxError(msg, lineno, name, filename) from e
