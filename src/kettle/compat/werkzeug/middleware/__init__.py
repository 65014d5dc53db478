"""Mirror of ``werkzeug.middleware`` (the WSGI middleware live in ``kettle.web``)."""
