"""The Flask-API app, written once: ``build("kettle")`` and ``build("flask")`` are the same
code with ``Flask`` spelled ``Kettle``, as a Flask user would port it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import common

TEMPLATES = str(Path(__file__).resolve().parent / "templates")


def build(kind: str) -> Any:
    if kind == "kettle":
        from kettle import Kettle as App
        from kettle import Response, jsonify, render_template, request
    else:
        from flask import Flask as App
        from flask import Response, jsonify, render_template, request

    app = App(__name__, template_folder=TEMPLATES)

    @app.route("/plaintext")
    def plaintext() -> Any:
        return Response(common.HELLO, mimetype="text/plain")

    @app.route("/json")
    def json() -> Any:
        return jsonify(message=common.HELLO)

    @app.route("/db")
    def db() -> Any:
        return jsonify(common.fetch_world(common.connection(), common.random_id()))

    @app.route("/queries")
    def queries() -> Any:
        return jsonify(common.fetch_worlds(common.query_count(request.args.get("queries"))))

    @app.route("/fortunes")
    def fortunes() -> Any:
        return render_template("fortunes.html", fortunes=common.fortunes())

    @app.route("/updates")
    def updates() -> Any:
        return jsonify(common.update_worlds(common.query_count(request.args.get("queries"))))

    return app
