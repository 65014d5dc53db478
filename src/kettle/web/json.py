"""JSON for the app: ``jsonify``, ``dumps``/``loads`` and the provider interface (``app.json``).

Rules: everything goes through the current app's provider when an app context is active
and through a default provider otherwise. The default provider writes dates as HTTP dates,
UUIDs and decimals as strings, dataclasses as dicts and ``__html__`` objects as their HTML;
it sorts keys and writes compact JSON unless the app is in debug mode (then indented), and
``jsonify`` ends the body with a newline, all as Flask does.
"""

from __future__ import annotations

import dataclasses
import decimal
import json as _json
import uuid
import weakref
from datetime import UTC, date, datetime
from sys import getrecursionlimit as _getrecursionlimit
from typing import IO, TYPE_CHECKING, Any

from kettle.http.dates import format_http_date

from .globals import _cv_app

# Python's default recursion limit, up to which a cycle may recurse unchecked.
_DEFAULT_RECURSION_LIMIT = 1000
# The standard library's C encoder (None on an interpreter without ``_json``).
_c_make_encoder: Any = getattr(_json.encoder, "c_make_encoder", None)

if TYPE_CHECKING:
    from .appbase import App
    from .wrappers import Response


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_http_date(value)
    if isinstance(value, date):  # a plain date is midnight UTC, as in Flask
        return format_http_date(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class JSONProvider:
    """The interface: subclass and set ``app.json = MyProvider(app)`` to change JSON."""

    def __init__(self, app: App) -> None:
        # A proxy, not the app: the app owns its provider, and a strong reference back
        # would keep a dropped app alive until the cycle collector runs.
        self._app: App = weakref.proxy(app)  # type: ignore[assignment]  # a proxy acts as the app

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        raise NotImplementedError("a JSONProvider subclass must implement dumps")

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        raise NotImplementedError("a JSONProvider subclass must implement loads")

    def load(self, fp: IO[Any], **kwargs: Any) -> Any:
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


_PREPARE = JSONProvider._prepare_response_obj


class DefaultJSONProvider(JSONProvider):
    """Flask's default behaviour, on the standard library's ``json``."""

    default = staticmethod(_default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return _json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return _json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if type(self)._prepare_response_obj is not _PREPARE:
            obj = self._prepare_response_obj(args, kwargs)  # a subclass's own
        elif not kwargs and len(args) == 1:
            obj = args[0]  # the common jsonify(value), without the call
        elif not args and kwargs:
            obj = kwargs  # jsonify(key=value), as _prepare_response_obj gives it
        else:
            obj = self._prepare_response_obj(args, kwargs)
        # Flask's response sends f"{self.dumps(obj, **args)}\n" (``indent=2`` in debug,
        # compact separators otherwise): a subclass's own ``dumps`` is called so; ours
        # gives the same text from a cached encoder.
        app = self._app
        compact = self.compact
        pretty = app.debug if compact is None else compact is False
        if type(self).dumps is not _DEFAULT_DUMPS:
            if pretty:
                text = self.dumps(obj, indent=2)
            else:
                text = self.dumps(obj, separators=(",", ":"))
        elif pretty or _c_make_encoder is None:
            text = self._encoder(pretty).encode(obj)
        else:
            text = self._encode_compact(obj)
        return app.response_class(text + "\n", mimetype=self.mimetype)

    def _encode_compact(self, obj: Any) -> str:
        """Compact JSON from the C encoder for the current settings: what
        ``JSONEncoder.encode`` produces, without building an encoder per call.

        The shared encoder keeps no circular-reference markers (they cost a dict insert
        and delete per container), so it has no state and serves every thread. A cycle
        then ends in ``RecursionError``; the value is encoded again by an encoder with
        markers, which raises the ``ValueError("Circular reference detected")`` that
        ``json.dumps`` raises (or the same ``RecursionError`` for a value merely too deep).
        Above Python's default recursion limit every value takes the checked encoder.
        """
        global _compact_encoder
        ensure_ascii, sort_keys, default = self.ensure_ascii, self.sort_keys, self.default
        cached = _compact_encoder
        # The settings it was made for, compared by identity first (the same objects are
        # read each time; a bound-method ``default`` is a new one, equal to the last).
        if (
            cached is None
            or cached[0] is not ensure_ascii
            or cached[1] is not sort_keys
            or (cached[2] is not default and cached[2] != default)
        ):
            encode = _make_compact_encoder(None, ensure_ascii, sort_keys, default)
            cached = _compact_encoder = (ensure_ascii, sort_keys, default, encode)
        chunks = None
        # Unchecked, a cycle recurses until the recursion limit: only while that limit is
        # Python's default, which the C stack of any thread holds (a raised limit could
        # overflow it where the check would have stopped at the first repeated container).
        if _getrecursionlimit() <= _DEFAULT_RECURSION_LIMIT:
            try:
                chunks = cached[3](obj, 0)
            except RecursionError:
                pass
        if chunks is None:  # outside the handler: the error raised has no context
            checked = _make_compact_encoder({}, ensure_ascii, sort_keys, default)
            chunks = checked(obj, 0)
        return "".join(chunks)

    def _encoder(self, pretty: bool) -> _json.JSONEncoder:
        """An encoder for the current settings, built once per settings (the hot path of
        ``jsonify``: ``json.dumps`` with options builds a new encoder on every call)."""
        key = (pretty, self.ensure_ascii, self.sort_keys, self.default)
        cache: dict[Any, _json.JSONEncoder] = self.__dict__.setdefault("_encoders", {})
        encoder = cache.get(key)
        if encoder is None:
            encoder = _json.JSONEncoder(
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                default=self.default,
                indent=2 if pretty else None,
                separators=None if pretty else (",", ":"),
            )
            cache[key] = encoder
        return encoder


_DEFAULT_DUMPS = DefaultJSONProvider.dumps

# The compact encoder last made: (ensure_ascii, sort_keys, default, encoder). Shared by
# every provider and thread (it keeps no state); replaced when the settings differ.
_compact_encoder: tuple[Any, Any, Any, Any] | None = None


def _make_compact_encoder(
    markers: dict[int, Any] | None, ensure_ascii: Any, sort_keys: Any, default: Any
) -> Any:
    """The C encoder ``JSONEncoder(separators=(",", ":"))`` would use for these settings;
    ``markers`` None leaves out the check for circular references."""
    strings = (
        _json.encoder.encode_basestring_ascii if ensure_ascii else _json.encoder.encode_basestring
    )
    return _c_make_encoder(markers, default, strings, None, ":", ",", sort_keys, False, True)


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` with the current app's provider (or the defaults)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    fp.write(dumps(obj, **kwargs))


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Parse JSON with the current app's provider (or the standard library)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[Any], **kwargs: Any) -> Any:
    return loads(fp.read(), **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response from one value, several values (a list) or keyword arguments."""
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError("jsonify needs an application context (current_app.json)")
    return ctx.app.json.response(*args, **kwargs)
