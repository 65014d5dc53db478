"""Blueprints: groups of routes, hooks, error handlers, templates and static files that are
registered on an app (possibly several times, possibly nested) with a URL prefix.

Rules: a blueprint records what it is asked to do as deferred functions and replays them on
each registration with a ``BlueprintSetupState`` that knows the prefix, the dotted name
(``parent.child``) and default URL values. Endpoints become ``<dotted name>.<endpoint>``;
hooks and error handlers are merged into the app's tables under the dotted name, so the app
finds them by the request's blueprint names. Names must be unique on an app (use ``name=``
to register one blueprint twice) and may not contain dots.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .cli import AppGroup
from .scaffold import Scaffold, _endpoint_from_view_func, registering_decorator

if TYPE_CHECKING:
    from .appbase import App

F = TypeVar("F", bound=Callable[..., Any])
DeferredSetupFunction = Callable[["BlueprintSetupState"], None]
_DEFAULT_GROUP: Any = object()


class BlueprintSetupState:
    """What one registration of a blueprint on an app knows."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: App,
        options: dict[str, Any],
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else (self.url_prefix)
            )
        if self.subdomain is not None:
            options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,  # {} when there are none, as in Flask
            **options,
        )


class Blueprint(Scaffold):
    """A reusable part of an application; see the module docstring."""

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _DEFAULT_GROUP,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults = url_defaults or {}
        self.cli_group = name if cli_group is _DEFAULT_GROUP else cli_group
        self.cli = AppGroup(name)
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, any changes"
                " will not be applied consistently."
            )

    def record(self, func: DeferredSetupFunction) -> None:
        self._check_setup_finished("record")
        self.deferred_functions.append(func)

    def record_once(self, func: DeferredSetupFunction) -> None:
        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: App, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        return BlueprintSetupState(self, app, options, first_registration)

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, Any]) -> None:
        """Called by ``app.register_blueprint``: replay everything recorded onto ``app``."""
        self_name = options.get("name", self.name)
        name = f"{options.get('name_prefix', '')}.{self_name}".lstrip(".")
        if name in app.blueprints:
            described = "this" if app.blueprints[name] is self else "a different"
            existing_at = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {described}"
                f" blueprint{existing_at}. Use 'name=' to provide a unique name."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, options)
        for blueprint, child_options in self._blueprints:
            blueprint.register(app, self._child_options(state, blueprint, child_options, name))

    @staticmethod
    def _child_options(
        state: BlueprintSetupState, child: Blueprint, options: dict[str, Any], name: str
    ) -> dict[str, Any]:
        options = options.copy()
        child_subdomain = options.get("subdomain")
        if child_subdomain is None:
            child_subdomain = child.subdomain
        if state.subdomain is not None and child_subdomain is not None:
            options["subdomain"] = f"{child_subdomain}.{state.subdomain}"
        elif child_subdomain is not None:
            options["subdomain"] = child_subdomain
        elif state.subdomain is not None:
            options["subdomain"] = state.subdomain
        prefix = options.get("url_prefix")
        if prefix is None:
            prefix = child.url_prefix
        if state.url_prefix is not None and prefix is not None:
            options["url_prefix"] = state.url_prefix.rstrip("/") + "/" + prefix.lstrip("/")
        elif prefix is not None:
            options["url_prefix"] = prefix
        elif state.url_prefix is not None:
            options["url_prefix"] = state.url_prefix
        options["name_prefix"] = name
        return options

    def _register_cli(self, app: App, options: dict[str, Any]) -> None:
        """``bp.cli`` commands go under a group named ``cli_group`` (the blueprint's name by
        default), or straight onto ``app.cli`` when ``cli_group`` is ``None``."""
        if not self.cli.commands:
            return
        group_name = options.get("cli_group", self.cli_group)
        if group_name is None:
            for command in self.cli.commands.values():
                app.cli.add_command(command)
            return
        self.cli.name = group_name
        app.cli.add_command(self.cli)

    def _merge_blueprint_funcs(self, app: App, name: str) -> None:
        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for key, spec in self.error_handler_spec.items():
            merged = app.error_handler_spec[scoped(key)]
            for code, handlers in spec.items():
                merged[code].update(handlers)
        # ``@bp.endpoint(name)`` binds a view to an endpoint of the app itself (Flask's rule).
        app.view_functions.update(self.view_functions)
        tables: list[tuple[dict[Any, list[Any]], dict[Any, list[Any]]]] = [
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
        ]
        for own, target in tables:
            for key, values in own.items():
                target[scoped(key)].extend(values)

    # -- routes and app-wide hooks --------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_app_template_filter, name)

    def add_app_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        self.record_once(lambda s: s.app.add_template_filter(f, name))

    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_app_template_test, name)

    def add_app_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        self.record_once(lambda s: s.app.add_template_test(f, name))

    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        return registering_decorator(self.add_app_template_global, name)

    def add_app_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        self.record_once(lambda s: s.app.add_template_global(f, name))

    def _app_hook(self, table: str, f: F) -> F:
        """Record ``f`` in the app's (not the blueprint's) hook table ``table``."""
        self.record_once(lambda s: getattr(s.app, table)[None].append(f))
        return f

    def before_app_request(self, f: F) -> F:
        return self._app_hook("before_request_funcs", f)

    def after_app_request(self, f: F) -> F:
        return self._app_hook("after_request_funcs", f)

    def teardown_app_request(self, f: F) -> F:
        return self._app_hook("teardown_request_funcs", f)

    def app_context_processor(self, f: F) -> F:
        return self._app_hook("template_context_processors", f)

    def app_url_value_preprocessor(self, f: F) -> F:
        return self._app_hook("url_value_preprocessors", f)

    def app_url_defaults(self, f: F) -> F:
        return self._app_hook("url_default_functions", f)

    def app_errorhandler(self, code: type[BaseException] | int) -> Callable[[F], F]:
        def decorator(f: F) -> F:
            self.record_once(lambda s: s.app.register_error_handler(code, f))
            return f

        return decorator


__all__ = ["Blueprint", "BlueprintSetupState"]
