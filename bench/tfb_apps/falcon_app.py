"""Falcon 4 as its documentation writes a WSGI app: resource classes, ``resp.media`` for
JSON, Jinja2 for the fortunes page (served by granian WSGI or bjoern)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon
import jinja2

from . import common

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
)
_fortunes_template = _env.get_template("fortunes.html")


class Plaintext:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = common.HELLO


class Json:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = {"message": common.HELLO}


class Db:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = common.fetch_world(common.connection(), common.random_id())


class Queries:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = common.fetch_worlds(common.query_count(req.get_param("queries")))


class Fortunes:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _fortunes_template.render(fortunes=common.fortunes())


class Updates:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = common.update_worlds(common.query_count(req.get_param("queries")))


app = falcon.App()
app.add_route("/plaintext", Plaintext())
app.add_route("/json", Json())
app.add_route("/db", Db())
app.add_route("/queries", Queries())
app.add_route("/fortunes", Fortunes())
app.add_route("/updates", Updates())


def with_server_headers(wsgi_app: Any) -> Any:
    """bjoern sends neither Server nor Date, which the specification requires of every
    response: add both (Date formatted once a second), as a deployment behind bjoern must."""
    import time
    from email.utils import formatdate

    cache = {"second": 0, "date": ""}

    def wrapped(environ: Any, start_response: Any) -> Any:
        now = int(time.time())
        if now != cache["second"]:
            cache["second"], cache["date"] = now, formatdate(now, usegmt=True)
        date = cache["date"]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append(("Server", "bjoern"))
            headers.append(("Date", date))
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return wrapped
