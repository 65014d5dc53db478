"""Turns template source into tokens: the tokenizing loop, whitespace control and literal
conversion, under jinja2.lexer's names.

Rules: whitespace control is applied here: ``-`` on a tag strips the neighbouring data,
``trim_blocks`` drops the first newline after a block or comment tag, ``lstrip_blocks``
strips blanks before a block or comment tag that starts a line, and ``+`` turns either off
for one tag. End delimiters count only when every bracket opened inside the tag is closed.
Newlines in data and strings become ``newline_sequence``. The token vocabulary, the
token stream and the tag regexes live in ``tokens`` and are re-exported from here, so
``kettle.templates.lexer.X`` is what ``jinja2.lexer.X`` is. Lexers are shared between
environments with equal syntax settings (``get_lexer``).
"""

from __future__ import annotations

import re
from ast import literal_eval
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from .exceptions import TemplateSyntaxError
from .tokens import (
    _EXPR_RE,
    _NEWLINE_RE,
    OPERATORS,
    REVERSE_OPERATORS,
    TOKEN_BLOCK_BEGIN,
    TOKEN_BLOCK_END,
    TOKEN_COMMENT,
    TOKEN_COMMENT_BEGIN,
    TOKEN_COMMENT_END,
    TOKEN_DATA,
    TOKEN_EOF,
    TOKEN_FLOAT,
    TOKEN_INITIAL,
    TOKEN_INTEGER,
    TOKEN_LINECOMMENT,
    TOKEN_LINECOMMENT_BEGIN,
    TOKEN_LINECOMMENT_END,
    TOKEN_LINESTATEMENT_BEGIN,
    TOKEN_LINESTATEMENT_END,
    TOKEN_NAME,
    TOKEN_OPERATOR,
    TOKEN_RAW_BEGIN,
    TOKEN_RAW_END,
    TOKEN_STRING,
    TOKEN_VARIABLE_BEGIN,
    TOKEN_VARIABLE_END,
    TOKEN_WHITESPACE,
    TagPatterns,
    Token,
    TokenStream,
    TokenStreamIterator,
    compile_tag_patterns,
    count_newlines,
    describe_token,
    describe_token_expr,
    operators,
    reverse_operators,
)
from .utils import LRUCache, register_cache_clearer

__all__ = [
    "OPERATORS",
    "REVERSE_OPERATORS",
    "TOKEN_BLOCK_BEGIN",
    "TOKEN_BLOCK_END",
    "TOKEN_COMMENT",
    "TOKEN_COMMENT_BEGIN",
    "TOKEN_COMMENT_END",
    "TOKEN_DATA",
    "TOKEN_EOF",
    "TOKEN_FLOAT",
    "TOKEN_INITIAL",
    "TOKEN_INTEGER",
    "TOKEN_LINECOMMENT",
    "TOKEN_LINECOMMENT_BEGIN",
    "TOKEN_LINECOMMENT_END",
    "TOKEN_LINESTATEMENT_BEGIN",
    "TOKEN_LINESTATEMENT_END",
    "TOKEN_NAME",
    "TOKEN_OPERATOR",
    "TOKEN_RAW_BEGIN",
    "TOKEN_RAW_END",
    "TOKEN_STRING",
    "TOKEN_VARIABLE_BEGIN",
    "TOKEN_VARIABLE_END",
    "TOKEN_WHITESPACE",
    "Failure",
    "Lexer",
    "OptionalLStrip",
    "TagPatterns",
    "Token",
    "TokenStream",
    "TokenStreamIterator",
    "count_newlines",
    "describe_token",
    "describe_token_expr",
    "get_lexer",
    "operators",
    "reverse_operators",
]

_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_BLANKS_RE = re.compile(r"[ \t\v\f]*")

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
        self.lstrip_blocks: bool = environment.lstrip_blocks
        self.newline_sequence: str = environment.newline_sequence
        self.keep_trailing_newline: bool = environment.keep_trailing_newline
        patterns = compile_tag_patterns(environment)
        self.root_re = patterns.root
        self.block_end_re = patterns.block_end
        self.variable_end_re = patterns.variable_end
        self.comment_end_re = patterns.comment_end
        self.raw_begin_re = patterns.raw_begin
        self.raw_end_re = patterns.raw_end
        self.linestatement_end_re = patterns.linestatement_end

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
