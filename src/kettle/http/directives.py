"""Directive headers as live objects: ``CacheControl`` (RFC 9111 section 5.2) and
``ContentSecurityPolicy``.

Rules: directives read and write as attributes (``max_age``, ``script_src``); assigning
``None`` (or ``False`` for flags) removes one; every change calls ``on_update``, which a
response uses to write the header back.
"""

from __future__ import annotations

from typing import Any

from .options import dump_header, parse_dict_header


def _deleter(name: str) -> Any:
    """``del cc.max_age`` removes the directive (as assigning ``None`` does)."""

    def delete(self: CacheControl) -> None:
        self._set(name, _REMOVE)

    return delete


def _flag(name: str) -> property:
    def get(self: CacheControl) -> bool:
        return name in self

    def set_(self: CacheControl, value: bool | None) -> None:
        self._set(name, None if value else _REMOVE)

    return property(get, set_, _deleter(name), doc=f"Whether ``{name}`` is present.")


def _optional_value(name: str) -> property:
    def get(self: CacheControl) -> str | bool | None:
        if name not in self:
            return None
        value = self[name]
        return True if value is None else value

    def set_(self: CacheControl, value: str | bool | None) -> None:
        if value is None or value is False:
            self._set(name, _REMOVE)
        else:
            self._set(name, None if value is True else str(value))

    return property(
        get, set_, _deleter(name), doc=f"``{name}``: True, its field list, or None when absent."
    )


def _seconds(name: str) -> property:
    def get(self: CacheControl) -> int | None:
        value = self.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def set_(self: CacheControl, value: int | None) -> None:
        self._set(name, _REMOVE if value is None else str(int(value)))

    return property(get, set_, _deleter(name), doc=f"``{name}`` in seconds, or None.")


_REMOVE: Any = object()


class CacheControl(dict[str, str | None]):
    """A Cache-Control header (RFC 9111 section 5.2) with attribute access, written back.

    ``cc.max_age = 300`` and ``cc.public = True`` update the header through ``on_update``;
    assigning ``None`` or ``False`` removes a directive.
    """

    def __init__(self, value: str | None = None, on_update: Any = None) -> None:
        super().__init__(parse_dict_header(value) if value else {})
        self.on_update = on_update

    def _set(self, name: str, value: Any) -> None:
        if value is _REMOVE:
            self.pop(name, None)
        else:
            self[name] = value
        if self.on_update is not None:
            self.on_update(self)

    def to_header(self) -> str:
        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"

    no_cache = _optional_value("no-cache")
    private = _optional_value("private")
    no_store = _flag("no-store")
    no_transform = _flag("no-transform")
    must_revalidate = _flag("must-revalidate")
    proxy_revalidate = _flag("proxy-revalidate")
    must_understand = _flag("must-understand")
    public = _flag("public")
    immutable = _flag("immutable")
    only_if_cached = _flag("only-if-cached")
    max_age = _seconds("max-age")
    s_maxage = _seconds("s-maxage")
    max_stale = _seconds("max-stale")
    min_fresh = _seconds("min-fresh")
    stale_while_revalidate = _seconds("stale-while-revalidate")
    stale_if_error = _seconds("stale-if-error")


class ContentSecurityPolicy(dict[str, str]):
    """A Content-Security-Policy header: ``directive value; directive value``.

    Directives read and write as attributes with underscores (``csp.script_src``); a
    missing one reads as ``None``; ``on_update`` is called after every change.
    """

    def __init__(self, value: Any = None, on_update: Any = None) -> None:
        super().__init__()
        if value is not None and not isinstance(value, str):
            dict.update(self, dict(value))  # (directive, value) pairs, as Werkzeug takes
            value = None
        for part in (value or "").split(";"):
            name, _, rest = part.strip().partition(" ")
            if name:
                self[name.lower()] = rest.strip()
        self.on_update = on_update

    def __getattr__(self, name: str) -> str | None:
        """A directive's value; ``None`` when missing or given without a value (such a
        directive, like ``upgrade-insecure-requests``, stays in the header)."""
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name.replace("_", "-")) or None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "on_update":
            object.__setattr__(self, name, value)
            return
        key = name.replace("_", "-")
        if value is None:
            self.pop(key, None)
        else:
            self[key] = str(value)
        if self.on_update is not None:
            self.on_update(self)

    def to_header(self) -> str:
        return "; ".join(f"{name} {value}".rstrip() for name, value in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ContentSecurityPolicy {self.to_header()!r}>"
