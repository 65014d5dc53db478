"""The application layer with Flask's public API: app, routing, request/response, contexts,
sessions, testing and the CLI.

Rules: may import ``kettle.http``, ``kettle.templates`` and ``kettle.realtime``. Only the CLI
(``kettle.web.cli``) and ``app.run`` (``kettle.web.app``, ``kettle.web.devserver``) import
``kettle.server``.
"""
