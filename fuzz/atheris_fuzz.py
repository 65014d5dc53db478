"""Coverage-guided fuzzing of the same targets with atheris (libFuzzer for Python).

Usage: ``python fuzz/atheris_fuzz.py TARGET [libFuzzer options]``, e.g.
``python fuzz/atheris_fuzz.py request -runs=200000`` or ``... template -max_total_time=300``.
TARGET is one of: request, template, form, headers, cookie, ws-handshake, ws-frames. atheris is in
the test extra when its wheel installs (it does on CPython 3.11 x86-64 Linux); without it,
this script says so and exits 2. Each input is decoded with a FuzzedDataProvider into the
arguments the target in fuzz/targets.py expects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    import atheris
except ImportError:  # pragma: no cover - depends on the platform's wheel
    atheris = None

from fuzz import targets  # noqa: E402
from fuzz.grammar import REQUEST_PIECES, TEMPLATE_PIECES  # noqa: E402


def _cuts(fdp: object) -> list[int]:
    count = fdp.ConsumeIntInRange(0, 8)  # type: ignore[attr-defined]
    return [fdp.ConsumeIntInRange(0, 4096) for _ in range(count)]  # type: ignore[attr-defined]


def request(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    cuts = _cuts(fdp)
    pieces = []
    while fdp.remaining_bytes():
        if fdp.ConsumeBool():
            pieces.append(REQUEST_PIECES[fdp.ConsumeIntInRange(0, len(REQUEST_PIECES) - 1)])
        else:
            pieces.append(fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 16)))
    targets.check_request_stream(b"".join(pieces), cuts)


def template(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    pieces = []
    while fdp.remaining_bytes():
        if fdp.ConsumeBool():
            pieces.append(TEMPLATE_PIECES[fdp.ConsumeIntInRange(0, len(TEMPLATE_PIECES) - 1)])
        else:
            pieces.append(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(1, 4)))
    targets.check_template("".join(pieces))


def form(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    kinds = [
        "multipart/form-data; boundary=B",
        "application/x-www-form-urlencoded",
        'multipart/form-data; boundary="B"',
    ]
    kind = kinds[fdp.ConsumeIntInRange(0, len(kinds) - 1)]
    targets.check_form(fdp.ConsumeBytes(fdp.remaining_bytes()), kind)


def headers(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    chosen = {}
    for name in targets.HEADER_NAMES:
        if fdp.ConsumeBool():
            text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
            # Header values are latin-1 text without control characters (RFC 9110 5.5).
            chosen[name] = "".join(c for c in text if 32 <= ord(c) < 256 and c != "\x7f")
    targets.check_request_headers(chosen)


def cookie(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    targets.check_cookie_header(fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))


def ws_handshake(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    names = ["Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Origin"]
    headers = {name: fdp.ConsumeUnicodeNoSurrogates(24) for name in names if fdp.ConsumeBool()}
    targets.check_handshake_headers(headers, "GET")


def ws_frames(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    cuts = _cuts(fdp)
    targets.check_frames(fdp.ConsumeBytes(fdp.remaining_bytes()), cuts)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "request": request,
    "template": template,
    "form": form,
    "headers": headers,
    "cookie": cookie,
    "ws-handshake": ws_handshake,
    "ws-frames": ws_frames,
}


def main() -> int:
    if atheris is None:
        print("atheris is not installed (pip install atheris); the hypothesis run is make fuzz")
        return 2
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        print(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
        return 2
    target = TARGETS[sys.argv[1]]
    atheris.instrument_all()  # coverage feedback from every loaded module (kettle included)
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
