"""Kettle Board: a shared live board of notes, the demo that ``make run`` serves.

Every page is rendered by templates; the note form is posted with ``fetch`` (kettle.js);
each new, liked or deleted note is rendered once on the server (a macro) and pushed as an
HTML fragment to every open tab, over Server-Sent Events (``/events``) or a WebSocket
(``/ws``, which also accepts new notes as JSON). Notes live in SQLite.

Run it: ``make run`` (or ``python -m examples.serve_demo``), then open two tabs.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from kettle import Kettle, abort, g, jsonify, render_template, request, send_from_directory
from kettle.realtime.broadcast import Broadcast, get_broadcast
from kettle.realtime.fragments import prepend, remove, render_macro, replace
from kettle.realtime.livereload import LiveReload
from kettle.realtime.sse import ChannelStream
from kettle.realtime.static import STATIC_DIR

HERE = Path(__file__).resolve().parent
CHANNEL = "board"
COLORS = ("sun", "mint", "sky", "rose", "lilac")
MAX_AUTHOR = 40
MAX_TEXT = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    color TEXT NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M', 'now'))
)
"""


class NoteError(ValueError):
    """A note that cannot be posted; the message is shown to the user."""


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
    hub = broadcast if broadcast is not None else get_broadcast()
    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.execute(SCHEMA)

    def db() -> sqlite3.Connection:
        if "db" not in g:
            g.db = sqlite3.connect(app.config["DATABASE"], timeout=10)
            g.db.row_factory = sqlite3.Row
        connection: sqlite3.Connection = g.db
        return connection

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        connection = g.pop("db", None)
        if connection is not None:
            connection.close()

    def note_html(note: sqlite3.Row) -> str:
        template = app.jinja_env.get_template("_note.html")
        return render_macro(template, "note", note)

    def load(note_id: int) -> sqlite3.Row:
        note = db().execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
        if note is None:
            abort(404)
        return note  # type: ignore[no-any-return]

    def add_note(author: str, text: str, color: str) -> sqlite3.Row:
        author, text = author.strip()[:MAX_AUTHOR] or "Anonymous", text.strip()
        if not text:
            raise NoteError("Write something first.")
        if len(text) > MAX_TEXT:
            raise NoteError(f"Keep it under {MAX_TEXT} characters.")
        if color not in COLORS:
            color = COLORS[0]
        with db() as connection:
            cursor = connection.execute(
                "INSERT INTO notes (author, text, color) VALUES (?, ?, ?)", (author, text, color)
            )
        note = load(int(cursor.lastrowid or 0))
        hub.publish(CHANNEL, prepend("notes", note_html(note)).to_json())
        hub.publish(CHANNEL, replace("count", count_html()).to_json())
        return note

    def count_html() -> str:
        (total,) = db().execute("SELECT COUNT(*) FROM notes").fetchone()
        template = app.jinja_env.get_template("_note.html")
        return render_macro(template, "count", total)

    @app.get("/")
    def board() -> str:
        notes = db().execute("SELECT * FROM notes ORDER BY id DESC LIMIT 200").fetchall()
        via = "ws" if request.args.get("via") == "ws" else "sse"
        (total,) = db().execute("SELECT COUNT(*) FROM notes").fetchone()
        return render_template("board.html", notes=notes, via=via, colors=COLORS, total=total)

    @app.post("/notes")
    def post_note() -> Any:
        form = request.form
        try:
            note = add_note(form.get("author", ""), form.get("text", ""), form.get("color", ""))
        except NoteError as error:
            return jsonify(error=str(error)), 400
        return jsonify(id=note["id"]), 201

    @app.post("/notes/<int:note_id>/like")
    def like(note_id: int) -> Any:
        with db() as connection:
            connection.execute("UPDATE notes SET likes = likes + 1 WHERE id = ?", (note_id,))
        hub.publish(CHANNEL, replace(f"note-{note_id}", note_html(load(note_id))).to_json())
        return jsonify(ok=True)

    @app.post("/notes/<int:note_id>/delete")
    def delete(note_id: int) -> Any:
        load(note_id)
        with db() as connection:
            connection.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        hub.publish(CHANNEL, remove(f"note-{note_id}").to_json())
        hub.publish(CHANNEL, replace("count", count_html()).to_json())
        return jsonify(ok=True)

    @app.get("/events")
    def events() -> Any:
        return ChannelStream(CHANNEL, broadcast=hub, event="fragment", retry=1000)

    @app.websocket("/ws")
    def socket(ws: Any) -> None:
        ws.attach(CHANNEL, broadcast=hub)
        for message in ws:
            try:
                data = json.loads(message)
                add_note(
                    str(data.get("author", "")),
                    str(data.get("text", "")),
                    str(data.get("color", "")),
                )
            except (ValueError, AttributeError) as error:
                ws.send(json.dumps({"error": str(error)}))

    @app.get("/kettle.js")
    def kettle_js() -> Any:
        return send_from_directory(STATIC_DIR, "kettle.js")

    if live_reload:
        watcher = LiveReload([template_folder, HERE / "static"]).start()
        app.extensions["livereload"] = watcher
        app.wsgi_app = watcher.wrap(app.wsgi_app)  # type: ignore[method-assign]
    return app
