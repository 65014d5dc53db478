"""Authentication headers: ``Authorization`` (RFC 9110 section 11.6.2, Basic per RFC 7617,
Bearer per RFC 6750) and ``WWWAuthenticate`` challenges (section 11.6.1).

Rules: a malformed Authorization header parses to ``None``, never an exception; Basic
credentials are UTF-8; parameters are lower-cased names with unquoted values.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .options import dump_header, parse_dict_header, quote_header_value
from .structures import CallbackDict


class Authorization(dict[str, Any]):
    """A parsed Authorization header: ``type`` plus ``parameters`` or a ``token``.

    Basic credentials are available as ``auth.username`` / ``auth.password`` (RFC 7617);
    Bearer and other token schemes as ``auth.token`` (RFC 6750).
    """

    def __init__(
        self, auth_type: str, data: dict[str, str | None] | None = None, token: str | None = None
    ) -> None:
        super().__init__(data or {})
        self.type = auth_type
        self.token = token

    @property
    def parameters(self) -> dict[str, Any]:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse the header; ``None`` when missing or malformed."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            if not sep:
                return None
            return cls(scheme, {"username": username, "password": password})
        if "=" in rest.rstrip("="):
            return cls(scheme, parse_dict_header(rest))
        # A token (trailing "=" is base64 padding); a bare scheme has the empty token, as
        # in Werkzeug, so ``from_header("Bearer").type`` is "bearer" and the token falsy.
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        if self.type == "basic":
            raw = f"{self.get('username', '')}:{self.get('password', '')}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if self.token is not None:
            return f"{self.type.title()} {self.token}".rstrip()
        return f"{self.type.title()} {dump_header(self)}"

    def __repr__(self) -> str:
        return f"<Authorization {self.to_header()!r}>"


_DIGEST_QUOTED = frozenset(("realm", "domain", "nonce", "opaque", "qop"))


class WWWAuthenticate:
    """A WWW-Authenticate challenge (RFC 9110 section 11.6.1): ``type`` plus ``parameters``
    or a ``token``. ``on_update`` is called after every change (a response writes it back).
    """

    def __init__(
        self,
        auth_type: str | None = None,
        values: dict[str, str | None] | None = None,
        token: str | None = None,
        on_update: Any = None,
    ) -> None:
        self._type = auth_type.lower() if auth_type else None
        # Changing the parameters in place (``challenge.parameters["qop"] = ...``) is a
        # change too, as in Werkzeug.
        self._parameters: dict[str, str | None] = CallbackDict(
            values or {}, lambda _parameters: self._changed()
        )
        self._token = token
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @property
    def type(self) -> str | None:
        return self._type

    @type.setter
    def type(self, value: str | None) -> None:
        self._type = value.lower() if value else None
        self._changed()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        self._changed()

    @property
    def parameters(self) -> dict[str, str | None]:
        return self._parameters

    def __getitem__(self, key: str) -> str | None:
        return self._parameters.get(key.lower())

    def __setitem__(self, key: str, value: str | None) -> None:
        # The parameters' CallbackDict reports the change (once).
        if value is None:
            self._parameters.pop(key.lower(), None)
        else:
            self._parameters[key.lower()] = value

    def __delitem__(self, key: str) -> None:
        self._parameters.pop(key.lower(), None)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._parameters.get(key.lower(), default)

    def __getattr__(self, name: str) -> str | None:
        """A parameter as an attribute (``challenge.realm``), ``None`` when absent."""
        if name.startswith("_"):
            raise AttributeError(name)
        return self._parameters.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        """``challenge.realm = "x"`` sets a parameter (``None`` removes it); the
        attributes of the class itself (``type``, ``token``, ``on_update``) set as usual."""
        if name.startswith("_") or name == "on_update" or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (self._type, self._token, self._parameters) == (
            other._type,
            other._token,
            other._parameters,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __bool__(self) -> bool:
        return self._type is not None

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse one challenge; ``None`` for a missing header."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if not rest:
            return cls(scheme)
        if "=" in rest.rstrip("="):
            return cls(scheme, parse_dict_header(rest))
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        if self._type is None:
            return ""
        scheme = self._type.title()
        if self._token is not None:
            return f"{scheme} {self._token}"
        if not self._parameters:
            return scheme
        if self._type == "digest":
            # RFC 7616 section 3.3: these parameters are always quoted strings.
            items = [
                f"{key}={quote_header_value(value, allow_token=key not in _DIGEST_QUOTED)}"
                for key, value in self._parameters.items()
            ]
            return f"Digest {', '.join(items)}"
        # Any other scheme: a token value stays bare (``stale=TRUE``), as Werkzeug writes it.
        return f"{scheme} {dump_header(self._parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<WWWAuthenticate {self.to_header()!r}>"
