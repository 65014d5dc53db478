"""Mirror of ``werkzeug.urls``: ``iri_to_uri`` and ``uri_to_iri`` (``kettle.http.urls``)."""

from __future__ import annotations

from kettle.http.urls import iri_to_uri, uri_to_iri

__all__ = ["iri_to_uri", "uri_to_iri"]
