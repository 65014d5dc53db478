"""What ``make run`` serves: the demo app on http://HOST:PORT until Ctrl-C."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any
from wsgiref.simple_server import make_server


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = b"<!doctype html><title>Kettle</title><h1>Kettle is running</h1>\n"
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    with make_server(args.host, args.port, app) as httpd:
        print(f"Serving on http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
