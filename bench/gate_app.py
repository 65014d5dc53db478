"""The WSGI app ``bench/gate.py`` serves: views that wait, compute, or both.

/wait5   every request sleeps 5 ms with the GIL released (a view on a network database)
/mixed   1 request in 20 sleeps 5 ms, the others compute about 0.1 ms
/long    1 request in 50 computes about 25 ms, the others about 0.03 ms
/hello   answers at once
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

_count = itertools.count(1)


def _compute(n: int) -> int:
    return sum(i * i for i in range(n))


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    n = next(_count)  # (itertools.count: one step under the GIL, no lock needed)
    if path == "/wait5":
        time.sleep(0.005)
    elif path == "/mixed":
        if n % 20 == 0:
            time.sleep(0.005)
        else:
            _compute(150)
    elif path == "/long":
        _compute(400_000 if n % 50 == 0 else 300)
    elif path != "/hello":
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    body = json.dumps({"path": path, "n": n}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
