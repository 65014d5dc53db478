"""Starlette as its documentation writes an app: async endpoints, ``Route`` list,
``Jinja2Templates`` for the fortunes page (served by uvicorn with httptools and uvloop).
SQLite calls are made directly in the endpoints: on a local file each is a few
microseconds, less than a hop to a thread pool would cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from . import common

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


async def plaintext(request: Any) -> Any:
    return PlainTextResponse(common.HELLO)


async def json(request: Any) -> Any:
    return JSONResponse({"message": common.HELLO})


async def db(request: Any) -> Any:
    return JSONResponse(common.fetch_world(common.connection(), common.random_id()))


async def queries(request: Any) -> Any:
    count = common.query_count(request.query_params.get("queries"))
    return JSONResponse(common.fetch_worlds(count))


async def fortunes(request: Any) -> Any:
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": common.fortunes()})


async def updates(request: Any) -> Any:
    count = common.query_count(request.query_params.get("queries"))
    return JSONResponse(common.update_worlds(count))


app = Starlette(
    routes=[
        Route("/plaintext", plaintext),
        Route("/json", json),
        Route("/db", db),
        Route("/queries", queries),
        Route("/fortunes", fortunes),
        Route("/updates", updates),
    ]
)
