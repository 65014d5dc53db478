"""The board's notes: SQLite storage, the views, and the fragments they push.

Every change is rendered once on the server (macros of ``_note.html``, through
``kettle.render_macro``) and published on the ``board`` channel as one message of HTML
fragments (``kettle.push_fragment``); kettle.js in each open tab applies them.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kettle import (
    ChannelStream,
    abort,
    current_app,
    g,
    jsonify,
    push_fragment,
    render_macro,
    render_template,
    request,
)
from kettle.realtime.broadcast import Broadcast
from kettle.realtime.fragments import prepend, remove, replace

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


# -- storage and fragments ---------------------------------------------------------------
def hub() -> Broadcast:
    backend: Broadcast = current_app.extensions["board.broadcast"]
    return backend


def db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], timeout=10)
        g.db.row_factory = sqlite3.Row
    connection: sqlite3.Connection = g.db
    return connection


def close_db(exc: BaseException | None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def macro(name: str, *args: Any) -> str:
    return render_macro("_note.html", name, *args)


def count() -> int:
    (total,) = db().execute("SELECT COUNT(*) FROM notes").fetchone()
    return int(total)


def load(note_id: int) -> sqlite3.Row:
    note: sqlite3.Row | None = (
        db().execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    )
    if note is None:
        abort(404)
    return note


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
    push_fragment(
        CHANNEL,
        prepend("notes", macro("note", note)),
        replace("count", macro("count", count())),
        broadcast=hub(),
    )
    return note


# -- views -----------------------------------------------------------------------------
def board() -> str:
    notes = db().execute("SELECT * FROM notes ORDER BY id DESC LIMIT 200").fetchall()
    via = "ws" if request.args.get("via") == "ws" else "sse"
    return render_template("board.html", notes=notes, via=via, colors=COLORS, total=count())


def post_note() -> Any:
    form = request.form
    try:
        note = add_note(form.get("author", ""), form.get("text", ""), form.get("color", ""))
    except NoteError as error:
        return jsonify(error=str(error)), 400
    return jsonify(id=note["id"]), 201


def like(note_id: int) -> Any:
    with db() as connection:
        connection.execute("UPDATE notes SET likes = likes + 1 WHERE id = ?", (note_id,))
    push_fragment(
        CHANNEL, replace(f"note-{note_id}", macro("note", load(note_id))), broadcast=hub()
    )
    return jsonify(ok=True)


def delete(note_id: int) -> Any:
    load(note_id)
    with db() as connection:
        connection.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    push_fragment(
        CHANNEL,
        remove(f"note-{note_id}"),
        replace("count", macro("count", count())),
        broadcast=hub(),
    )
    return jsonify(ok=True)


def events() -> Any:
    """Every board change, as ``fragment`` events, to this tab."""
    return ChannelStream(CHANNEL, broadcast=hub(), event="fragment", retry=1000)


def socket(ws: Any) -> None:
    """Board changes to this tab over a WebSocket; notes sent as JSON are posted."""
    ws.attach(CHANNEL, broadcast=hub())
    for message in ws:
        try:
            data = json.loads(message)
            add_note(str(data["author"]), str(data["text"]), str(data.get("color", "")))
        except (ValueError, KeyError, TypeError) as error:
            ws.send(json.dumps({"error": f"not a note: {error}"}))


ROUTES = [
    ("/", board, ["GET"]),
    ("/notes", post_note, ["POST"]),
    ("/notes/<int:note_id>/like", like, ["POST"]),
    ("/notes/<int:note_id>/delete", delete, ["POST"]),
    ("/events", events, ["GET"]),
]
