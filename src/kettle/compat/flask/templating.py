"""Mirror of ``flask.templating``: rendering functions and the app's template environment."""

from __future__ import annotations

from kettle.templates import BaseLoader, Template, TemplateNotFound
from kettle.templates import Environment as BaseEnvironment
from kettle.web.globals import current_app, request
from kettle.web.helpers import stream_with_context
from kettle.web.signals import before_render_template, template_rendered
from kettle.web.templating import (
    DispatchingJinjaLoader,
    Environment,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

__all__ = [
    "BaseEnvironment",
    "BaseLoader",
    "DispatchingJinjaLoader",
    "Environment",
    "Template",
    "TemplateNotFound",
    "before_render_template",
    "current_app",
    "render_template",
    "render_template_string",
    "request",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
]
