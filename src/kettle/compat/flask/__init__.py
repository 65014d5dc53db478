"""Mirror of the ``flask`` package (Flask 3.1): its top-level names over Kettle.

Rules: only re-exports (see kettle.compat). ``Flask`` is ``kettle.web.app.Kettle`` itself,
every other name is the Kettle object that does the job under Flask's name, and the
submodules (``flask.json``, ``flask.views``, ...) are the mirror modules beside this one.
``flask.__version__`` is deprecated as in Flask 3.1: reading it warns and gives the Flask
version whose API this package mirrors.
"""

from __future__ import annotations

import warnings
from typing import Any

from kettle.web.app import Kettle as Flask
from kettle.web.blueprints import Blueprint
from kettle.web.config import Config
from kettle.web.ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from kettle.web.files import send_file, send_from_directory
from kettle.web.globals import current_app, g, request, session
from kettle.web.helpers import (
    abort,
    flash,
    get_flashed_messages,
    get_template_attribute,
    make_response,
    redirect,
    stream_with_context,
    url_for,
)
from kettle.web.json import jsonify
from kettle.web.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from kettle.web.templating import (
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from kettle.web.wrappers import Request, Response

# Flask loads all its submodules on import; so does the mirror, for attribute access.
from . import (  # noqa: F401
    app,
    blueprints,
    cli,
    config,
    ctx,
    debughelpers,
    globals,
    helpers,
    json,
    logging,
    sansio,
    sessions,
    signals,
    templating,
    testing,
    typing,
    views,
    wrappers,
)

# The Flask release whose public API this mirror follows.
FLASK_VERSION = "3.1.3"

__all__ = [
    "Blueprint",
    "Config",
    "Flask",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        warnings.warn(
            "flask.__version__ is deprecated (as in Flask 3.1, which removes it in 3.2);"
            ' use feature detection or importlib.metadata.version("flask").',
            DeprecationWarning,
            stacklevel=2,
        )
        return FLASK_VERSION
    raise AttributeError(f"module 'flask' has no attribute {name!r}")
