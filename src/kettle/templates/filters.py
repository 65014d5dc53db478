"""The builtin filters of the template language (``{{ x|upper }}``), as jinja2.filters has them.

Owns the text and number filters and the ``FILTERS`` table (name -> callable) that
``defaults.DEFAULT_FILTERS`` exposes; the sequence filters live in ``seqfilters`` and are
re-exported here under their jinja2 names, as are ``map``/``select``/``reject`` and their
``attr`` forms from ``mapfilters``.

Rules:
- Names, signatures and ``pass_*`` markings match jinja2 3.1, so templates and code that call
  ``environment.call_filter`` see the same arguments.
- Filters that consume an iterable (join, list, sum, map, select...) have an async variant:
  one public callable built by ``async_utils.async_variant`` that dispatches on
  ``environment.is_async`` and, when async, accepts async iterables and awaitable results.
- Filters that build markup honour the eval context's autoescape: text is escaped, Markup is
  kept; without autoescape they return plain ``str``.
- Bad arguments raise ``FilterArgumentError`` with a message, never a bare crash.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from markupsafe import Markup, escape, soft_str

from .exceptions import FilterArgumentError
from .mapfilters import (
    async_select_or_reject,
    do_map,
    do_reject,
    do_rejectattr,
    do_select,
    do_selectattr,
    prepare_map,
    prepare_select_or_reject,
    select_or_reject,
    sync_do_map,
    sync_do_reject,
    sync_do_rejectattr,
    sync_do_select,
    sync_do_selectattr,
)
from .seqfilters import (
    _GroupTuple,
    do_attr,
    do_batch,
    do_dictsort,
    do_first,
    do_groupby,
    do_join,
    do_last,
    do_list,
    do_max,
    do_min,
    do_random,
    do_reverse,
    do_slice,
    do_sort,
    do_sum,
    do_unique,
    ignore_case,
    make_attrgetter,
    make_multi_attrgetter,
    sync_do_first,
    sync_do_groupby,
    sync_do_join,
    sync_do_list,
    sync_do_slice,
    sync_do_sum,
    sync_do_unique,
)
from .undefined import Undefined
from .utils import (
    escape_markup,
    htmlsafe_json_dumps,
    pass_environment,
    pass_eval_context,
    pformat,
    url_quote,
    urlize,
)

# Filters sit below the environment in the import graph; they only use its public
# attributes (getitem, getattr, undefined, policies, call_filter, call_test, is_async).
Environment = Any

# FILTERS is the public table; the rest re-exports seqfilters and mapfilters under
# jinja2.filters' names.
__all__ = [
    "FILTERS",
    "_GroupTuple",
    "async_select_or_reject",
    "ignore_case",
    "make_attrgetter",
    "make_multi_attrgetter",
    "prepare_map",
    "prepare_select_or_reject",
    "select_or_reject",
    "sync_do_first",
    "sync_do_groupby",
    "sync_do_join",
    "sync_do_list",
    "sync_do_map",
    "sync_do_reject",
    "sync_do_rejectattr",
    "sync_do_select",
    "sync_do_selectattr",
    "sync_do_slice",
    "sync_do_sum",
    "sync_do_unique",
]

V = TypeVar("V")
Getter = Callable[[Any], Any]


# -- strings ---------------------------------------------------------------------------------


def do_forceescape(value: Any) -> Markup:
    """Escape ``value`` even if it is already Markup."""
    if hasattr(value, "__html__"):
        value = value.__html__()
    return escape(str(value))


def do_urlencode(value: Any) -> str:
    """Quote a string for a URL path, or a dict / pair list as a query string."""
    if isinstance(value, str) or not isinstance(value, abc.Iterable):
        return url_quote(value)
    pairs = value.items() if isinstance(value, dict) else value
    return "&".join(f"{url_quote(k, for_qs=True)}={url_quote(v, for_qs=True)}" for k, v in pairs)


@pass_eval_context
def do_replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    """Replace ``old`` by ``new`` (the first ``count`` times), escaping under autoescape."""
    limit = -1 if count is None else count
    if not eval_ctx.autoescape:
        return str(s).replace(str(old), str(new), limit)
    if hasattr(old, "__html__") or (hasattr(new, "__html__") and not hasattr(s, "__html__")):
        s = escape(s)
    else:
        s = soft_str(s)
    return s.replace(soft_str(old), soft_str(new), limit)


def do_upper(s: str) -> str:
    """Upper-case the value."""
    return soft_str(s).upper()


def do_lower(s: str) -> str:
    """Lower-case the value."""
    return soft_str(s).lower()


def do_items(value: Any) -> Iterator[tuple[Any, Any]]:
    """Iterate a mapping's ``(key, value)`` pairs; undefined gives nothing."""
    if isinstance(value, Undefined):
        return
    if not isinstance(value, abc.Mapping):
        raise TypeError("Can only get item pairs from a mapping.")
    yield from value.items()


# Characters that end an attribute name in HTML's tokenizer (attribute name state).
_ATTR_NAME_STOP = re.compile(r"[\s/>=]", flags=re.ASCII)


@pass_eval_context
def do_xmlattr(eval_ctx: Any, d: abc.Mapping[str, Any], autospace: bool = True) -> str:
    """Render a dict as escaped ``key="value"`` attributes, skipping None and undefined."""
    parts = []
    for key, value in d.items():
        if value is None or isinstance(value, Undefined):
            continue
        if _ATTR_NAME_STOP.search(key) is not None:
            raise ValueError(f"Invalid character in attribute name: {key!r}")
        parts.append(f'{escape(key)}="{escape(value)}"')
    text = " ".join(parts)
    if autospace and text:
        text = " " + text
    return Markup(text) if eval_ctx.autoescape else text


def do_capitalize(s: str) -> str:
    """First character upper case, the rest lower case."""
    return soft_str(s).capitalize()


_WORD_START_SPLIT = re.compile(r"([-\s({\[<]+)")


def do_title(s: str) -> str:
    """Capitalise each word (words start after whitespace, dashes and open brackets)."""
    return "".join(
        piece[0].upper() + piece[1:].lower()
        for piece in _WORD_START_SPLIT.split(soft_str(s))
        if piece
    )


def do_center(value: str, width: int = 80) -> str:
    """Center the value in a field of ``width`` characters."""
    return soft_str(value).center(width)


def do_pprint(value: Any) -> str:
    """Pretty-print ``value``."""
    return pformat(value)


def do_filesizeformat(value: str | float | int, binary: bool = False) -> str:
    """Human readable size: ``13 Bytes``, ``1.0 kB`` (or ``KiB`` with ``binary``)."""
    size = float(value)
    base = 1024 if binary else 1000
    units = (
        ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
        if binary
        else ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    )
    if size == 1:
        return "1 Byte"
    if size < base:
        return f"{int(size)} Bytes"
    for power, unit in enumerate(units, start=2):
        limit = base**power
        if size < limit or power == len(units) + 1:
            return f"{base * size / limit:.1f} {unit}"
    raise AssertionError("unreachable: the last unit always returns")


_URI_SCHEME = re.compile(r"^([\w.+-]{2,}:(/){0,2})$")


@pass_eval_context
def do_urlize(
    eval_ctx: Any,
    value: str,
    trim_url_limit: int | None = None,
    nofollow: bool = False,
    target: str | None = None,
    rel: str | None = None,
    extra_schemes: Iterable[str] | None = None,
) -> str:
    """Turn URLs in text into links; ``rel``/``target`` defaults come from the policies."""
    policies = eval_ctx.environment.policies
    rel_words = set((rel or "").split())
    if nofollow:
        rel_words.add("nofollow")
    rel_words.update((policies["urlize.rel"] or "").split())
    rel_text = " ".join(sorted(rel_words)) or None
    if target is None:
        target = policies["urlize.target"]
    if extra_schemes is None:
        extra_schemes = policies["urlize.extra_schemes"] or ()
    for scheme in extra_schemes:
        if _URI_SCHEME.fullmatch(scheme) is None:
            raise FilterArgumentError(f"{scheme!r} is not a valid URI scheme prefix.")
    text = urlize(value, trim_url_limit, rel=rel_text, target=target, extra_schemes=extra_schemes)
    return Markup(text) if eval_ctx.autoescape else text


def do_indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Indent every line but the first (and blank lines unless ``blank``) by ``width``."""
    pad = width if isinstance(width, str) else " " * width
    newline = "\n"
    if isinstance(s, Markup):
        pad = Markup(pad)
        newline = Markup(newline)
    # The extra newline makes splitlines keep a trailing empty line. ``+=`` as in Jinja2,
    # so a list fails the same way (AttributeError on splitlines), on a copy of it.
    text = list(s) if isinstance(s, list) else s
    text += newline
    lines = text.splitlines()
    if blank:
        text = (newline + pad).join(lines)
    else:
        text = lines[0]
        if len(lines) > 1:
            text += newline + newline.join(pad + line if line else line for line in lines[1:])
    return pad + text if first else text


@pass_environment
def do_truncate(
    env: Environment,
    s: str,
    length: int = 255,
    killwords: bool = False,
    end: str = "...",
    leeway: int | None = None,
) -> str:
    """Shorten ``s`` to ``length`` characters including ``end``, at a word boundary unless
    ``killwords``; strings at most ``leeway`` longer than ``length`` are left alone."""
    if leeway is None:
        leeway = env.policies["truncate.leeway"]
    if length < len(end):
        raise FilterArgumentError(f"expected length >= {len(end)}, got {length}")
    if leeway < 0:
        raise FilterArgumentError(f"expected leeway >= 0, got {leeway}")
    if len(s) <= length + leeway:
        return s
    if killwords:
        return s[: length - len(end)] + end
    return s[: length - len(end)].rsplit(" ", 1)[0] + end


@pass_environment
def do_wordwrap(
    environment: Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Wrap each paragraph of ``s`` at ``width``, joining lines with ``wrapstring``."""
    joiner = environment.newline_sequence if wrapstring is None else wrapstring
    # textwrap ignores existing newlines, so wrap each original line on its own.
    return joiner.join(
        joiner.join(
            textwrap.wrap(
                line,
                width=width,
                expand_tabs=False,
                replace_whitespace=False,
                break_long_words=break_long_words,
                break_on_hyphens=break_on_hyphens,
            )
        )
        for line in s.splitlines()
    )


_WORD = re.compile(r"\w+")


def do_wordcount(s: str) -> int:
    """Count the words in ``s``."""
    return len(_WORD.findall(soft_str(s)))


def do_format(value: str, *args: Any, **kwargs: Any) -> str:
    """Apply printf-style formatting: ``"%s-%s"|format(a, b)``."""
    if args and kwargs:
        raise FilterArgumentError("can't handle positional and keyword arguments at the same time")
    return soft_str(value) % (kwargs or args)


def do_trim(value: str, chars: str | None = None) -> str:
    """Strip ``chars`` (default whitespace) from both ends."""
    return soft_str(value).strip(chars)


def do_striptags(value: Any) -> str:
    """Remove SGML/XML tags and collapse whitespace."""
    if hasattr(value, "__html__"):
        value = value.__html__()
    return Markup(str(value)).striptags()


def do_mark_safe(value: str) -> Markup:
    """Mark ``value`` as safe HTML."""
    return Markup(value)


def do_mark_unsafe(value: str) -> str:
    """Turn Markup back into plain text (it will be escaped again)."""
    return str(value)


@pass_eval_context
def do_tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Markup:
    """Serialise to HTML-safe JSON using the ``json.*`` policies."""
    policies = eval_ctx.environment.policies
    kwargs = policies["json.dumps_kwargs"]
    if indent is not None:
        kwargs = {**kwargs, "indent": indent}
    return htmlsafe_json_dumps(value, dumps=policies["json.dumps_function"], **kwargs)


# -- numbers ---------------------------------------------------------------------------------


def do_int(value: Any, default: int = 0, base: int = 10) -> int:
    """Convert to int (strings in ``base``; ``"42.23"`` gives 42), else ``default``."""
    try:
        if isinstance(value, str):
            return int(value, base)
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return default


def do_float(value: Any, default: float = 0.0) -> float:
    """Convert to float, else ``default``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def do_round(value: float, precision: int = 0, method: str = "common") -> float:
    """Round ``common`` (like round()), ``ceil`` or ``floor`` to ``precision`` digits."""
    if method == "common":
        return round(value, precision)
    if method not in ("ceil", "floor"):
        raise FilterArgumentError("method must be common, ceil or floor")
    scale = 10**precision
    rounded: float = (math.ceil if method == "ceil" else math.floor)(value * scale) / scale
    return rounded


def do_default(value: V, default_value: Any = "", boolean: bool = False) -> V:
    """``default_value`` if ``value`` is undefined (or falsy with ``boolean``)."""
    if isinstance(value, Undefined) or (boolean and not value):
        return default_value  # type: ignore[no-any-return]
    return value


FILTERS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "attr": do_attr,
    "batch": do_batch,
    "capitalize": do_capitalize,
    "center": do_center,
    "count": len,
    "d": do_default,
    "default": do_default,
    "dictsort": do_dictsort,
    "e": escape_markup,
    "escape": escape_markup,
    "filesizeformat": do_filesizeformat,
    "first": do_first,
    "float": do_float,
    "forceescape": do_forceescape,
    "format": do_format,
    "groupby": do_groupby,
    "indent": do_indent,
    "int": do_int,
    "join": do_join,
    "last": do_last,
    "length": len,
    "list": do_list,
    "lower": do_lower,
    "items": do_items,
    "map": do_map,
    "min": do_min,
    "max": do_max,
    "pprint": do_pprint,
    "random": do_random,
    "reject": do_reject,
    "rejectattr": do_rejectattr,
    "replace": do_replace,
    "reverse": do_reverse,
    "round": do_round,
    "safe": do_mark_safe,
    "select": do_select,
    "selectattr": do_selectattr,
    "slice": do_slice,
    "sort": do_sort,
    "string": soft_str,
    "striptags": do_striptags,
    "sum": do_sum,
    "title": do_title,
    "trim": do_trim,
    "truncate": do_truncate,
    "unique": do_unique,
    "upper": do_upper,
    "urlencode": do_urlencode,
    "urlize": do_urlize,
    "wordcount": do_wordcount,
    "wordwrap": do_wordwrap,
    "xmlattr": do_xmlattr,
    "tojson": do_tojson,
}
