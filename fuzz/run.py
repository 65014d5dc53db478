"""``make fuzz``: the fuzz targets under hypothesis for much longer than ``make test``.

Usage: ``python -m fuzz.run [--examples N] [--only NAME ...]``. Each target runs N
examples (default 20000) with a fresh random seed, prints how many inputs it ran and how
long it took, and the run exits non-zero on the first target that finds a failure (the
minimal failing input is printed by hypothesis). Atheris targets: see fuzz/atheris_fuzz.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz import targets  # noqa: E402
from fuzz.grammar import content_type, form_body, request_stream, template_source  # noqa: E402
from fuzz.strategies import (  # noqa: E402
    cut_points,
    handshake_headers,
    mutated,
    request_headers,
    websocket_stream,
)

TOKEN = r"[A-Za-z0-9_!#$%&'*+.^`|~-]{1,12}"


def _frames(stream: tuple[bytes, list[Any]], cuts: list[int]) -> None:
    targets.check_frames(stream[0], cuts, expected=stream[1])


# name -> (strategies, check); each check takes the drawn values positionally.
TARGETS: dict[str, tuple[tuple[st.SearchStrategy[Any], ...], Callable[..., None]]] = {
    "request-grammar": ((request_stream, cut_points), targets.check_request_stream),
    "request-mutated": ((mutated(request_stream), cut_points), targets.check_request_stream),
    "request-bytes": ((st.binary(max_size=400), cut_points), targets.check_request_stream),
    "template-grammar": ((template_source,), targets.check_template),
    "template-text": ((st.text(max_size=80),), targets.check_template),
    "form": ((mutated(form_body), content_type), targets.check_form),
    "request-headers": ((request_headers,), targets.check_request_headers),
    "cookie-header": ((st.text(max_size=120),), targets.check_cookie_header),
    "cookie-round-trip": (
        (st.from_regex(TOKEN, fullmatch=True), st.text(max_size=40)),
        targets.check_cookie_round_trip,
    ),
    "ws-handshake": (
        (handshake_headers, st.sampled_from(["GET", "POST"])),
        targets.check_handshake_headers,
    ),
    "ws-frames": ((websocket_stream(), cut_points), _frames),
    "ws-mutated": (
        (mutated(websocket_stream().map(lambda s: s[0])), cut_points),
        targets.check_frames,
    ),
}


def run_target(name: str, examples: int) -> int:
    strategies, check = TARGETS[name]
    count = 0

    def counted(args: tuple[Any, ...]) -> None:
        nonlocal count
        count += 1
        check(*args)

    test = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(given(st.tuples(*strategies))(counted))
    test()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000)
    parser.add_argument("--only", nargs="*", choices=sorted(TARGETS), default=None)
    args = parser.parse_args(argv)
    total = 0
    for name in args.only or list(TARGETS):
        started = time.perf_counter()
        try:
            count = run_target(name, args.examples)
        except Exception as exc:
            print(f"{name}: FAILED: {type(exc).__name__}: {exc}", flush=True)
            return 1
        total += count
        print(f"{name}: {count} inputs, no failure ({time.perf_counter() - started:.1f} s)")
    print(f"total: {total} inputs, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
