"""The drop-in layer: ``flask``, ``werkzeug`` and ``jinja2`` import paths resolved to Kettle.

Rules: this package is a thin mirror. ``kettle.compat.flask``, ``kettle.compat.werkzeug``
and ``kettle.compat.jinja2`` repeat the public module paths of Flask 3.1, Werkzeug 3.1 and
Jinja2 3.1; each mirror module is imports plus the few adapters a signature difference
needs. Behaviour lives in the layer that owns it (``http``, ``templates``, ``web``,
``realtime``, ``server``) and is tested there. Nothing else in Kettle imports this package.
"""

from __future__ import annotations
