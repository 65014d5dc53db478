"""Kettle Board: a shared live board of notes, the demo that ``make run`` serves.

Every page is rendered by templates; the note form is posted with ``fetch`` (kettle.js);
each new, liked or deleted note is rendered once on the server (a macro) and pushed as an
HTML fragment to every open tab, over Server-Sent Events (``/events``) or a WebSocket
(``/ws``, which also accepts new notes as JSON). Notes live in SQLite.

Run it: ``make run`` (or ``python -m examples.serve_demo``), then open two tabs: it runs in
debug mode, so editing a template or the CSS reloads the tabs (Kettle's built-in live
reload) and a Python edit restarts the server. Under gunicorn with several workers, set
``KETTLE_BROADCAST_URL=redis://...``.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from kettle import Kettle, enable_live_reload, render_template
from kettle.realtime.broadcast import Broadcast, get_broadcast
from kettle.web.exceptions import HTTPException

from . import notes

HERE = Path(__file__).resolve().parent


def create_app(
    database: str | os.PathLike[str] | None = None,
    *,
    broadcast: Broadcast | None = None,
    live_reload: bool = False,
    template_folder: str | os.PathLike[str] = HERE / "templates",
) -> Kettle:
    app = Kettle(
        __name__, template_folder=str(template_folder), static_folder=str(HERE / "static")
    )
    app.config["DATABASE"] = str(database or os.environ.get("BOARD_DATABASE", HERE / "board.db"))
    app.extensions["board.broadcast"] = broadcast if broadcast is not None else get_broadcast()
    # closing(): a connection's own ``with`` commits but does not close it.
    with closing(sqlite3.connect(app.config["DATABASE"])) as db, db:
        db.execute(notes.SCHEMA)
    app.teardown_appcontext(notes.close_db)
    app.register_error_handler(404, error_page)
    app.register_error_handler(500, error_page)
    for rule, view, methods in notes.ROUTES:
        app.add_url_rule(rule, view_func=view, methods=methods)
    app.websocket("/ws")(notes.socket)
    if live_reload:
        # What app.run(debug=True) does on its own; here for servers started otherwise.
        enable_live_reload(app)
    return app


def error_page(error: HTTPException) -> Any:
    """404 and 500 as board pages (the debug page still shows errors in debug mode)."""
    code = error.code or 500
    return render_template("error.html", code=code, name=error.name), code
