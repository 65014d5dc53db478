"""Mirror of ``werkzeug.datastructures.accept`` (``kettle.http.accept``)."""

from __future__ import annotations

from kettle.http.accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept

__all__ = ["Accept", "CharsetAccept", "LanguageAccept", "MIMEAccept"]
