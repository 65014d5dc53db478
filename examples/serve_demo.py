"""What ``make run`` serves: the Kettle Board demo (examples/board) on kettle.server at
http://HOST:PORT until Ctrl-C, with live reload: a template or CSS edit reloads the open
tabs, a Python edit restarts the server and then reloads them."""

from __future__ import annotations

import argparse
import threading

from examples.board.app import create_app

# Each open tab holds a connection on a thread of its own: keep thread stacks small.
STACK_SIZE = 256 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=256)
    parser.add_argument(
        "--no-reload",
        action="store_true",
        help="no live reload of templates/CSS, no restart on Python changes",
    )
    args = parser.parse_args()
    threading.stack_size(STACK_SIZE)
    app = create_app(live_reload=not args.no_reload)
    # With the reloader, a Python change restarts the server process; open tabs reconnect,
    # see a new live-reload boot id, and reload themselves.
    app.run(args.host, args.port, use_reloader=not args.no_reload, threads=args.threads)


if __name__ == "__main__":
    main()
