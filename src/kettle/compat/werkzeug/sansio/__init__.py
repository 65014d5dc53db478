"""Mirror of ``werkzeug.sansio`` (the sans-IO helpers live in ``kettle.http`` and
``kettle.web.wsgi``)."""
