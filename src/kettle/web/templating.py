"""Templates in the app: the app's template environment, the loader that looks in the app's
and the blueprints' template folders, and ``render_template`` and friends.

Rules: the environment is ``kettle.templates.Environment`` created once per app (lazily, on
first use), with autoescaping for HTML/XML file names and for strings, auto-reload in debug
mode, and ``url_for``, ``get_flashed_messages``, ``config``, ``request``, ``session`` and
``g`` as globals. The loader tries the app's folder first, then each blueprint's in
registration order, so an app can override a blueprint's template. With
``EXPLAIN_TEMPLATE_LOADING`` set, the loader asks every folder and logs what each found.
Rendering sends ``before_render_template`` and ``template_rendered`` only when something
listens. Every app and blueprint starts with Flask's default context processor
(``_default_template_ctx_processor``: the current ``g`` and ``request`` objects); while it
is the only processor, ``App.update_template_context`` does its work inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from kettle.templates import BaseLoader, Template, TemplateNotFound
from kettle.templates import Environment as BaseEnvironment

from . import signals
from .debughelpers import explain_template_loading_attempts
from .globals import _cv_app, _cv_request, get_current_app
from .helpers import stream_with_context

if TYPE_CHECKING:
    from .appbase import App


def _default_template_ctx_processor() -> dict[str, Any]:
    """Flask's default context processor: the current ``g`` and ``request`` objects (not
    their proxies). The session stays the proxy: reading it marks it accessed."""
    context: dict[str, Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        context["g"] = app_ctx.g
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        context["request"] = req_ctx.request
    return context


def only_default_processors(processors: dict[str | None, list[Callable[[], Any]]]) -> bool:
    """Whether ``processors`` (an app's table) holds nothing but the default processor."""
    for functions in processors.values():
        for function in functions:
            if function is not _default_template_ctx_processor:
                return False
    return True


class Environment(BaseEnvironment):
    """The app's template environment; its loader is the app's ``DispatchingJinjaLoader``."""

    def __init__(self, app: App, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Finds a template in the app's folder, then in each blueprint's folder."""

    def __init__(self, app: App) -> None:
        self.app = app

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if self.app.config.get("EXPLAIN_TEMPLATE_LOADING"):
            return self._get_source_explained(environment, template)
        for _source, loader in self._loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """Ask every loader (not only up to the first hit) and log what each found."""
        attempts = []
        for source, loader in self._loaders():
            try:
                result = loader.get_source(environment, template)
            except TemplateNotFound:
                result = None
            attempts.append((loader, source, result))
        explain_template_loading_attempts(self.app, template, attempts)
        for _loader, _source, result in attempts:
            if result is not None:
                return result
        raise TemplateNotFound(template)

    def _loaders(self) -> Iterator[tuple[object, BaseLoader]]:
        """``(app or blueprint, its loader)`` in lookup order."""
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for _source, loader in self._loaders():
            found.update(loader.list_templates())
        return sorted(found)


def _render(app: App, template: Template, context: dict[str, Any]) -> str:
    app.update_template_context(context)
    if signals.before_render_template.receivers:
        signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    text: str = template.render(context)
    if signals.template_rendered.receivers:
        signals.template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return text


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> str:
    """Render a template file (or the first that exists of a list) with ``context``."""
    app_ctx = _cv_app.get(None)
    # The context variable read directly; get_current_app raises its error when unset.
    app = get_current_app() if app_ctx is None else app_ctx.app
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: Any) -> str:
    """Render template source text with ``context``."""
    app = get_current_app()
    return _render(app, app.jinja_env.from_string(source), context)


def _stream(app: App, template: Template, context: dict[str, Any]) -> Iterator[str]:
    app.update_template_context(context)
    if signals.before_render_template.receivers:
        signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        if signals.template_rendered.receivers:
            signals.template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    chunks = generate()
    if _cv_request.get(None) is not None:
        return stream_with_context(chunks)  # type: ignore[no-any-return]
    return chunks


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> Iterator[str]:
    """Render a template file piece by piece, for a streamed response."""
    app = get_current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """Render template source text piece by piece, for a streamed response."""
    app = get_current_app()
    return _stream(app, app.jinja_env.from_string(source), context)
