"""What ``make run`` serves: the Kettle Board demo (examples/board) on kettle.server at
http://HOST:PORT until Ctrl-C, with live reload of its templates and CSS."""

from __future__ import annotations

import argparse
import threading

from examples.board.app import create_app
from kettle.server import Server, serve

# Each open tab holds a connection on a thread of its own: keep thread stacks small.
STACK_SIZE = 256 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=256)
    parser.add_argument("--no-live-reload", action="store_true", help="do not watch templates")
    args = parser.parse_args()
    threading.stack_size(STACK_SIZE)
    app = create_app(live_reload=not args.no_live_reload)

    def started(server: Server) -> None:
        print(f"Kettle Board on http://{args.host}:{server.port}/ (Ctrl-C to stop)", flush=True)

    serve(app, args.host, args.port, threads=args.threads, on_start=started)


if __name__ == "__main__":
    main()
