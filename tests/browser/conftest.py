"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser), and
apps served by kettle.server on an ephemeral port."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kettle.server import Server

# The examples package lives at the repository root, outside src/.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Package scope: Playwright's sync API keeps an event loop running in the main thread
# while it is open, which would break asyncio.run() in tests collected after these.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian's chromium is not installed (make test installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def serve_app() -> Iterator[Callable[[Any], str]]:
    """Serve a WSGI app on kettle.server; returns its base URL."""
    servers: list[Server] = []
    threading.stack_size(512 * 1024)

    def start(app: Any) -> str:
        server = Server(app, "127.0.0.1", 0, threads=32).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        server.stop(grace=1)
    threading.stack_size(0)
