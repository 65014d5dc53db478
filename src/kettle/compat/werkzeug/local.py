"""Mirror of ``werkzeug.local`` (``kettle.web.local``, on contextvars)."""

from __future__ import annotations

from kettle.web.local import Local, LocalManager, LocalProxy, LocalStack, release_local

__all__ = ["Local", "LocalManager", "LocalProxy", "LocalStack", "release_local"]
