"""The rule set (``Map``) and its per-request view (``MapAdapter``): matching and building.

Rules: the map owns the rules and the converter registry; adding a rule drops the compiled
matcher, which is rebuilt on the next match (rules are normally all added at import time).
An adapter carries what a request knows (server name, script name, scheme, method, query
string) so URLs can be built relative or absolute. Building picks, among the endpoint's
rules, the first that suits the values (most arguments first); values the rule does not use
become the query string, ``None`` values are dropped.
"""

from __future__ import annotations

import difflib
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urljoin

from kettle.http.multidict import MultiDict
from kettle.http.structures import ImmutableDict

from ..exceptions import HTTPException, MethodNotAllowed, NotFound
from ..globals import flask_is_kettle
from .converters import DEFAULT_CONVERTERS, BaseConverter
from .exceptions import RequestRedirect, WebsocketMismatch
from .matcher import FULL, NONE, PARTIAL, REDIRECT, Matcher, MatchResult
from .rules import _VARIABLE_NAME, Rule, RuleFactory

__all__ = [
    "FULL",
    "NONE",
    "PARTIAL",
    "REDIRECT",
    "BuildError",
    "Map",
    "MapAdapter",
    "MatchResult",
]


class BuildError(LookupError):
    """No rule of ``endpoint`` can be built from the given values and method.

    With the ``adapter`` that failed (as ``MapAdapter.build`` passes it), ``suggested``
    is the closest rule (endpoint name first, then values, then method) and the message
    says what to change, as Werkzeug's does.
    """

    def __init__(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None,
        method: str | None,
        adapter: MapAdapter | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = dict(values or {})
        self.method = method
        self.adapter = adapter

    @property
    def suggested(self) -> Rule | None:
        """The rule most like the one asked for, or ``None`` without adapter or rules."""
        rules = list(self.adapter.map.iter_rules()) if self.adapter is not None else []
        if not rules:
            return None
        wanted = set(self.values)

        def score(rule: Rule) -> float:
            name = difflib.SequenceMatcher(None, str(rule.endpoint), str(self.endpoint))
            return (
                0.98 * name.ratio()
                + 0.01 * wanted.issubset(rule.arguments)
                + 0.01 * bool(rule.methods and self.method in rule.methods)
            )

        return max(rules, key=score)

    def __str__(self) -> str:
        text = f"Could not build url for endpoint {self.endpoint!r}"
        if self.method:
            text += f" ({self.method!r})"
        if self.values:
            text += f" with values {sorted(self.values)!r}"
        text += "."
        suggested = self.suggested
        if suggested is None:
            return text + " Did you forget to specify values or give a wrong endpoint?"
        if suggested.endpoint != self.endpoint:
            return text + f" Did you mean {suggested.endpoint!r} instead?"
        if self.method and suggested.methods and self.method not in suggested.methods:
            text += f" Did you mean to use methods {sorted(suggested.methods)!r}?"
        missing = (set(suggested.arguments) | set(suggested.defaults or ())) - set(self.values)
        if missing:
            text += f" Did you forget to specify values {sorted(missing)!r}?"
        return text


class Map:
    """All URL rules of an application."""

    default_converters: dict[str, type[BaseConverter]] = ImmutableDict(DEFAULT_CONVERTERS)

    def __init__(
        self,
        rules: Iterable[RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: Callable[[tuple[str, Any]], Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        # Parameters in Werkzeug's order, so positional calls written for it work.
        self.strict_slashes = strict_slashes
        # Built URLs list their query arguments sorted (by ``sort_key`` over the
        # ``(name, value)`` pairs when given), as Werkzeug's ``Map`` offers.
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        self._merge_slashes = merge_slashes
        self._redirect_defaults = redirect_defaults
        self.default_subdomain = default_subdomain
        self.host_matching = host_matching
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._by_endpoint: dict[Any, list[Rule]] = {}
        self._matcher: Matcher | None = None
        self._lock = threading.Lock()
        for rule in rules or ():
            self.add(rule)

    def add(self, rule_factory: RuleFactory) -> None:
        for rule in rule_factory.get_rules(self):
            rule.bind(self)
            with self._lock:
                self._rules.append(rule)
                endpoint_rules = self._by_endpoint.setdefault(rule.endpoint, [])
                endpoint_rules.append(rule)
                endpoint_rules.sort(key=Rule.build_compare_key)
                self._matcher = None

    def iter_rules(self, endpoint: Any = None) -> Iterator[Rule]:
        if endpoint is not None:
            return iter(self._by_endpoint.get(endpoint, ()))
        return iter(self._rules)

    def __iter__(self) -> Iterator[Rule]:
        return self.iter_rules()

    def __repr__(self) -> str:
        return f"Map({self._rules!r})"

    @property
    def merge_slashes(self) -> bool:
        """Whether a path with repeated slashes redirects to the merged path when only that
        matches (Werkzeug's default); rules added later take it as their default."""
        return self._merge_slashes

    @merge_slashes.setter
    def merge_slashes(self, value: bool) -> None:
        self._merge_slashes = value
        self._matcher = None

    @property
    def redirect_defaults(self) -> bool:
        """Whether a URL whose values are another rule's defaults, or that matches an
        ``alias`` rule, redirects to the endpoint's canonical rule (Werkzeug's default)."""
        return self._redirect_defaults

    @redirect_defaults.setter
    def redirect_defaults(self, value: bool) -> None:
        self._redirect_defaults = value
        self._matcher = None

    @property
    def matcher(self) -> Matcher:
        matcher = self._matcher
        if matcher is None:
            with self._lock:
                matcher = self._matcher = Matcher(self._rules, self.merge_slashes)
        return matcher

    def is_endpoint_expecting(self, endpoint: str, *arguments: str) -> bool:
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self._by_endpoint.get(endpoint, ()))

    def bind(
        self,
        server_name: str,
        script_name: str = "/",
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: str = "",
    ) -> MapAdapter:
        """An adapter for ``server_name`` (the whole host when the map matches hosts); a
        non-ASCII name is IDNA-encoded, so built URLs and redirects carry ASCII hosts."""
        server_name = _ascii_host(server_name.lower())
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("host matching enabled and a subdomain was provided")
        elif subdomain is None:
            subdomain = self.default_subdomain
        return MapAdapter(
            self, server_name, script_name, url_scheme, path_info or "/", default_method,
            query_args, subdomain,
        )  # fmt: skip

    def bind_to_environ(
        self,
        environ: Mapping[str, Any],
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """An adapter for a WSGI request. With ``server_name`` and no ``subdomain``, the
        subdomain is the part of the Host before the server name; when the Host is not below
        it, Werkzeug's rule applies: a warning, and the subdomain reads ``"<invalid>"``.
        A map that matches hosts matches the request's whole Host."""
        host = _normal_host(environ.get("HTTP_HOST") or _server_name(environ), environ)
        if server_name is None:
            server_name = host
        else:
            server_name = _normal_host(server_name.lower(), environ)
        if subdomain is None and not self.host_matching:
            subdomain = _subdomain_of(host, server_name)
        scheme = environ.get("wsgi.url_scheme", "http")
        if _is_websocket_upgrade(environ):
            scheme = "wss" if scheme == "https" else "ws"
        return MapAdapter(
            self,
            server_name,
            environ.get("SCRIPT_NAME", "") or "/",
            scheme,
            environ.get("PATH_INFO", "") or "/",
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("QUERY_STRING", ""),
            subdomain,
        )


def _ascii_host(host: str) -> str:
    """``host`` (with an optional ``:port``) with its name IDNA-encoded (RFC 5891), as a
    URL needs it; a name the codec refuses is kept as it is."""
    if host.isascii():
        return host
    name, colon, port = host.rpartition(":")
    if not colon or not port.isdigit():
        name, colon, port = host, "", ""
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return host
    return f"{name}{colon}{port}"


def _is_websocket_upgrade(environ: Mapping[str, Any]) -> bool:
    """Whether the request asks to upgrade to a WebSocket (RFC 6455 section 4.1)."""
    if str(environ.get("HTTP_UPGRADE", "")).strip().lower() != "websocket":
        return False
    tokens = str(environ.get("HTTP_CONNECTION", "")).lower().split(",")
    return "upgrade" in (token.strip() for token in tokens)


def _subdomain_of(host: str, server_name: str) -> str:
    host_parts = host.split(".")
    name_parts = server_name.split(".")
    if host_parts[-len(name_parts) :] != name_parts:
        # A misconfigured SERVER_NAME or a request for another host: no rule whose
        # subdomain is static can match; say so, as Werkzeug does.
        _warn_as_bind_caller(
            f"Current server name {host!r} doesn't match configured server name {server_name!r}"
        )
        return "<invalid>"
    return ".".join(filter(None, host_parts[: -len(name_parts)]))


def _warn_as_bind_caller(message: str) -> None:
    """A UserWarning attributed to the code that called ``bind_to_environ``, as Werkzeug's.
    When that is Kettle's own app (``create_url_adapter``) and ``flask`` is Kettle here, the
    module is ``flask.app``, where Flask's users (and its tests) filter this warning."""
    caller = sys._getframe(3)  # this function, _subdomain_of, bind_to_environ, the caller
    module = str(caller.f_globals.get("__name__", "<unknown>"))
    if module.startswith("kettle.web.") and flask_is_kettle():
        module = "flask.app"
    warnings.warn_explicit(
        message,
        UserWarning,
        caller.f_code.co_filename,
        caller.f_lineno,
        module=module,
        registry=caller.f_globals.setdefault("__warningregistry__", {}),
        module_globals=caller.f_globals,
    )


def _server_name(environ: Mapping[str, Any]) -> str:
    name = str(environ.get("SERVER_NAME", "localhost"))
    port = str(environ.get("SERVER_PORT", ""))
    scheme = environ.get("wsgi.url_scheme", "http")
    if port and not ((scheme == "http" and port == "80") or (scheme == "https" and port == "443")):
        name = f"{name}:{port}"
    return name


def _normal_host(host: str, environ: Mapping[str, Any]) -> str:
    """``host`` lower-cased, without the scheme's default port."""
    host = host.lower()
    if ":" not in host:
        return host
    scheme = environ.get("wsgi.url_scheme", "http")
    if scheme == "http" and host.endswith(":80"):
        return host[:-3]
    if scheme == "https" and host.endswith(":443"):
        return host[:-4]
    return host


def encode_query(
    values: Mapping[str, Any],
    sort: bool = False,
    key: Callable[[tuple[str, Any]], Any] | None = None,
) -> str:
    """``a=1&b=2&b=3`` from a mapping whose values may be lists; ``None`` values dropped.
    With ``sort``, the ``(name, value)`` pairs are sorted first (by ``key`` if given)."""
    pairs: list[tuple[str, Any]] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((name, item) for item in value if item is not None)
        else:
            pairs.append((name, value))
    if sort:
        pairs.sort(key=key)
    return urlencode([(name, str(value)) for name, value in pairs], safe="!$'()*,/:;?@")


class MapAdapter:
    """A map bound to one request's host, script name, scheme and method."""

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: str = "",
        subdomain: str | None = None,
    ) -> None:
        self.map = map
        self.subdomain = subdomain
        self.server_name = server_name
        self.script_name = script_name if script_name.endswith("/") else script_name + "/"
        self.url_scheme = url_scheme
        # A ws/wss adapter matches WebSocket rules (Werkzeug's ``websocket=True`` rules).
        self.websocket = url_scheme in ("ws", "wss")
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        # What each rule's domain pattern is matched against.
        self.domain = server_name if map.host_matching else subdomain

    def match_result(self, path_info: str | None = None, method: str | None = None) -> MatchResult:
        path = path_info if path_info is not None else self.path_info
        method = (method or self.default_method).upper()
        return self.map.matcher.match(path, method, self.domain)

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: str | Mapping[str, Any] | None = None,
        websocket: bool | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Werkzeug's API: ``(endpoint, values)``, or ``(rule, values)`` with
        ``return_rule``; raises ``NotFound``, ``MethodNotAllowed`` (with the valid methods)
        or ``RequestRedirect`` (a missing trailing slash), or ``WebsocketMismatch`` when
        only rules of the other kind (WebSocket or not, ``websocket``, by default the
        adapter's scheme) have this path. An empty path redirects to the script root."""
        path = path_info if path_info is not None else self.path_info
        method = (method or self.default_method).upper()
        if websocket is None:
            websocket = self.websocket
        path = "/" + path.lstrip("/") if path else ""
        result = self.map.matcher.match(path, method, self.domain, websocket)
        if result.kind == FULL:
            rule = result.rule
            return (rule if return_rule else rule.endpoint), dict(result.values)  # type: ignore[union-attr]
        if result.kind == REDIRECT:
            if query_args is not None and not isinstance(query_args, str):
                query_args = encode_query(query_args)
            raise RequestRedirect(self.redirect_location(result, method, query_args))
        if result.kind == PARTIAL:
            raise MethodNotAllowed(valid_methods=sorted(result.allowed))
        if result.websocket_mismatch:
            raise WebsocketMismatch()
        raise NotFound()

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether ``path_info`` matches a rule (a redirect counts as a match)."""
        return self.match_result(path_info, method).kind in (FULL, REDIRECT)

    def allowed_methods(self, path_info: str | None = None) -> set[str]:
        return self.map.matcher.allowed_methods(
            path_info if path_info is not None else self.path_info, self.domain
        )

    def dispatch(
        self,
        view_func: Callable[[Any, dict[str, Any]], Any],
        path_info: str | None = None,
        method: str | None = None,
        catch_http_exceptions: bool = False,
    ) -> Any:
        """Werkzeug's helper: match, then return ``view_func(endpoint, values)``. A routing
        redirect is returned (not raised), as is any HTTP error when
        ``catch_http_exceptions`` is true; the exceptions are WSGI apps themselves."""
        try:
            try:
                endpoint, values = self.match(path_info, method)
            except RequestRedirect as redirect:
                return redirect
            return view_func(endpoint, values)
        except HTTPException as error:
            if catch_http_exceptions:
                return error
            raise

    def redirect_url(self, path: str) -> str:
        """The absolute URL of ``path`` below the script name, keeping the query string."""
        return self._url_below_script(path, self.query_args, self._host_for(None))

    def _url_below_script(self, path: str, query: str | None, host: str) -> str:
        url = f"{self.url_scheme}://{host}{self.script_name[:-1]}{path}"
        return url + "?" + query if query else url

    def redirect_location(
        self, result: MatchResult, method: str, query_args: str | None = None
    ) -> str:
        """The URL a REDIRECT result sends the client to; ``query_args`` (when not
        ``None``) replaces the request's query string, as in Werkzeug's ``match``."""
        query = self.query_args if query_args is None else query_args
        rule = result.rule
        if result.location is not None:
            path = quote(result.location, safe="!$&'()*+,/:;=@")
            return self._url_below_script(path, query, self._host_for(None))
        if rule is None:
            raise ValueError("not a REDIRECT match result")
        if result.target is not None:
            values = {**result.values, **(result.target.defaults or {})}
            domain = result.target.build_domain(values)
            return self._url_below_script(
                result.target.build_path(values), query, self._host_for(domain)
            )
        if rule.alias and self.map.redirect_defaults:
            canonical = self._pick_rule(rule.endpoint, result.values, method)
            if canonical is None or canonical[0] is rule:
                raise LookupError(
                    f"alias rule {rule!r} has no canonical rule of endpoint {rule.endpoint!r}"
                    " to redirect to"
                )
            url = self.build(
                rule.endpoint, result.values, method, force_external=True, append_unknown=False
            )
            return url + "?" + query if query else url
        return self._redirect_to_url(rule, result.values)

    def _redirect_to_url(self, rule: Rule, values: dict[str, Any]) -> str:
        """Werkzeug's ``redirect_to``: a text whose ``<name>`` parts are the matched values
        (through the rule's converters), or a callable ``(adapter, **values)``; either is
        joined to the script root's URL. The query string is not kept."""
        target = rule.redirect_to
        if callable(target):
            location = target(self, **values)
        else:
            converters = rule.converters

            def fill(found: Any) -> str:
                name = found.group(1)
                return converters[name].to_url(values[name])

            location = _VARIABLE_NAME.sub(fill, str(target))
        host = self.server_name if self.map.host_matching else self._host_for(None)
        return urljoin(f"{self.url_scheme}://{host}{self.script_name}", location)

    def _host_for(self, domain: str | None) -> str:
        """The host of a rule's domain part (a subdomain, or the host when matching hosts);
        ``None`` means the adapter's own."""
        if self.map.host_matching:
            return domain or self.server_name
        if domain is None:
            domain = self.subdomain
        return f"{domain}.{self.server_name}" if domain else self.server_name

    def build(
        self,
        endpoint: Any,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL for ``endpoint``: a path below the script name, or absolute if asked (or
        when the rule lives on another subdomain or host)."""
        if isinstance(values, MultiDict):  # one value stays a value, several a list
            clean = {k: v[0] if len(v) == 1 else v for k, v in values.lists() if v}
        else:
            clean = {key: value for key, value in (values or {}).items() if value is not None}
        found = self._pick_rule(endpoint, clean, method)
        if found is None:
            raise BuildError(endpoint, clean, method, self)
        rule, host, elsewhere = found
        url = quote(self.script_name[:-1], safe="/") + rule.build_path(clean)
        extra = {key: value for key, value in clean.items() if key not in rule.arguments}
        if rule.defaults:
            extra = {k: v for k, v in extra.items() if k not in rule.defaults}
        if append_unknown and extra:
            query = encode_query(extra, self.map.sort_parameters, self.map.sort_key)
            if query:
                url += "?" + query
        if elsewhere:
            force_external = True  # another subdomain or host: only an absolute URL reaches it
        scheme = self.url_scheme if url_scheme is None else url_scheme
        if rule.websocket:
            # A WebSocket rule's URL is always absolute, with a ws scheme (as Werkzeug's).
            force_external = True
            scheme = "wss" if scheme in ("https", "wss") else "ws"
        elif scheme in ("ws", "wss"):
            scheme = "https" if scheme == "wss" else "http"
        if force_external or url_scheme is not None:
            url = f"{scheme}://{host}{url}" if scheme else f"//{host}{url}"
        return url

    def _pick_rule(
        self, endpoint: Any, values: Mapping[str, Any], method: str | None
    ) -> tuple[Rule, str, bool] | None:
        """The first of the endpoint's rules that suits ``values``, the host its URL is on,
        and whether that is another host than the current one. When the map matches hosts,
        a rule on the current host is preferred."""
        first: tuple[Rule, str, bool] | None = None
        for rule in self.map._by_endpoint.get(endpoint, ()):
            if not rule.suitable_for(values, method):
                continue
            domain = rule.build_domain(values)
            if self.map.host_matching:
                host = domain or self.server_name
                if host == self.server_name:
                    return rule, host, False
                if first is None:
                    first = rule, host, True
                continue
            host = f"{domain}.{self.server_name}" if domain else self.server_name
            return rule, host, not (self.subdomain is None or domain == self.subdomain)
        return first
