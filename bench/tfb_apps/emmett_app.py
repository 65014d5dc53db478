"""Emmett as its documentation writes an app: ``@app.route`` with ``service.json``, a
Renoir template for the fortunes page (served by granian's RSGI interface)."""

from __future__ import annotations

from typing import Any

from emmett import App, request, response
from emmett.tools import service

from . import common

app = App(__name__, template_folder="emmett_templates")
app.config.handle_static = False


@app.route("/plaintext", output="bytes")
async def plaintext() -> bytes:
    response.headers["content-type"] = "text/plain"
    return common.HELLO.encode()


@app.route("/json")
@service.json
async def json() -> Any:
    return {"message": common.HELLO}


@app.route("/db")
@service.json
async def db() -> Any:
    return common.fetch_world(common.connection(), common.random_id())


@app.route("/queries")
@service.json
async def queries() -> Any:
    return common.fetch_worlds(common.query_count(request.query_params.queries))


@app.route("/fortunes", template="fortunes.html")
async def fortunes() -> Any:
    return {"fortunes": common.fortunes()}


@app.route("/updates")
@service.json
async def updates() -> Any:
    return common.update_worlds(common.query_count(request.query_params.queries))
