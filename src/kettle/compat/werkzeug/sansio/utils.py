"""Mirror of ``werkzeug.sansio.utils``: host, URL and length from request parts."""

from __future__ import annotations

from kettle.web.wsgi import sansio_get_content_length as get_content_length
from kettle.web.wsgi import sansio_get_current_url as get_current_url
from kettle.web.wsgi import sansio_get_host as get_host

__all__ = ["get_content_length", "get_current_url", "get_host"]
