"""What ``make run`` serves: the Kettle Board demo (examples/board) on kettle.server at
http://HOST:PORT until Ctrl-C, in debug mode: Kettle's live reload makes a template or CSS
edit reload the open tabs, and a Python edit restart the server and then reload them."""

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
        help="no debug mode: no live reload, no restart on Python changes",
    )
    args = parser.parse_args()
    threading.stack_size(STACK_SIZE)
    app = create_app()
    # debug=True turns on the reloader (a Python change restarts the server process) and
    # live reload (LIVE_RELOAD defaults to debug): open tabs reconnect, see a new boot id,
    # and reload themselves.
    app.run(
        args.host,
        args.port,
        debug=not args.no_reload,
        threads=args.threads,
        port_option="--port (make run PORT=8001)",
    )


if __name__ == "__main__":
    main()
