"""Realtime channels for the page's JavaScript: Server-Sent Events, WebSockets, broadcast,
server-pushed HTML fragments and live reload.

Rules: works at the WSGI level (any WSGI framework can use it); imports ``kettle.http`` and
``kettle.templates`` only, never ``kettle.web`` or ``kettle.server``. WebSockets use the
server's documented connection takeover from the WSGI environ.
"""
