"""Mirror of ``flask.helpers``: url_for, flashing, files, streaming, and the module attribute
``werkzeug`` that some extensions read (``flask.helpers.werkzeug``): here the Werkzeug
mirror, ``kettle.compat.werkzeug``."""

from __future__ import annotations

from kettle.web.files import send_file, send_from_directory
from kettle.web.globals import current_app, request, request_ctx, session
from kettle.web.helpers import (
    abort,
    flash,
    get_debug_flag,
    get_flashed_messages,
    get_load_dotenv,
    get_template_attribute,
    make_response,
    redirect,
    stream_with_context,
    url_for,
)
from kettle.web.scaffold import get_root_path
from kettle.web.signals import message_flashed

from .. import werkzeug
from ..werkzeug.wrappers import Response as BaseResponse

__all__ = [
    "BaseResponse",
    "abort",
    "current_app",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "message_flashed",
    "redirect",
    "request",
    "request_ctx",
    "send_file",
    "send_from_directory",
    "session",
    "stream_with_context",
    "url_for",
    "werkzeug",
]
