"""Protocol-data benchmark: kettle.http / kettle.web.wrappers against Werkzeug 3.1.

Scenarios (operations per second, in process, one thread):

  request      Request(environ): method, path, args, cookies, a header, accept best_match
  response     Response(text) + set_cookie + the WSGI call, body joined
  urlencoded   POST form of 20 fields parsed into request.form
  multipart    POST multipart with 5 fields and a 256 KiB file into form/files
  cookies      dump_cookie of 3 cookies + parse_cookie of the joined header
  ranges       parse_range_header + range_for_length + parse_options_header

Every scenario first checks that both implementations give the same answer. Rounds
interleave kettle and Werkzeug (the order alternates), each timing run is preceded by a
warm-up, and the table shows the median of the rounds and the ratio kettle / Werkzeug.

Run: .venv/bin/python bench/protocol.py [--rounds N] [--seconds S]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import werkzeug.http as wz_http
import werkzeug.wrappers as wz

import kettle.http.conditional as k_cond
import kettle.http.cookies as k_cookies
import kettle.http.options as k_options
import kettle.web.wrappers as kt


def environ(
    method: str = "GET", body: bytes = b"", ctype: str = "", query: str = "a=1&b=two&c=%C3%A9"
) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items/42",
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": "session=abc.def.ghi; theme=dark; lang=en",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "HTTP_USER_AGENT": "bench/1.0",
        "REMOTE_ADDR": "127.0.0.1",
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
        env["CONTENT_TYPE"] = ctype
    return env


def request_case(mod: Any) -> Callable[[], Any]:
    base = environ()

    def run() -> Any:
        r = mod.Request(dict(base))
        return (
            r.method,
            r.path,
            r.args.get("b"),
            r.cookies.get("session"),
            r.headers.get("User-Agent"),
            r.accept_mimetypes.best_match(["application/json", "text/html"]),
        )

    return run


def response_case(mod: Any) -> Callable[[], Any]:
    base = environ()
    text = "<p>Hello, World!</p>" * 20

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        return None

    def run() -> Any:
        response = mod.Response(text, mimetype="text/html")
        response.set_cookie("session", "abc", httponly=True)
        body = response(base, start_response)
        data = b"".join(body)
        close = getattr(body, "close", None)
        if close is not None:
            close()
        return len(data)

    return run


def urlencoded_case(mod: Any) -> Callable[[], Any]:
    body = "&".join(f"field{i}=value+{i}%21" for i in range(20)).encode()

    def run() -> Any:
        r = mod.Request(environ("POST", body, "application/x-www-form-urlencoded"))
        return r.form.to_dict()

    return run


def multipart_body() -> bytes:
    parts = []
    for i in range(5):
        parts.append(
            f'--BoUnD\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nvalue {i}\r\n'.encode()
        )
    parts.append(
        b'--BoUnD\r\nContent-Disposition: form-data; name="up"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + b"\x01" * 262144 + b"\r\n"
    )
    return b"".join(parts) + b"--BoUnD--\r\n"


def multipart_case(mod: Any) -> Callable[[], Any]:
    body = multipart_body()

    def run() -> Any:
        r = mod.Request(environ("POST", body, "multipart/form-data; boundary=BoUnD"))
        result = (r.form.to_dict(), len(r.files["up"].read()))
        r.close()
        return result

    return run


def cookies_case(cookies: Any) -> Callable[[], Any]:
    def run() -> Any:
        parts = [
            cookies.dump_cookie("session", "abc def", max_age=3600, httponly=True),
            cookies.dump_cookie("theme", "dark", path="/"),
            cookies.dump_cookie("q", 'a"b;c', samesite="Lax"),
        ]
        header = "; ".join(part.split(";")[0] for part in parts)
        return cookies.parse_cookie(header).to_dict()

    return run


def ranges_case(http: Any) -> Callable[[], Any]:
    def run() -> Any:
        parsed = http.parse_range_header("bytes=100-199")
        options = http.parse_options_header("text/html; charset=utf-8; q=0.5")
        return parsed.range_for_length(1000), options

    return run


class _KettleHttp:
    parse_range_header = staticmethod(k_cond.parse_range_header)
    parse_options_header = staticmethod(k_options.parse_options_header)


SCENARIOS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "request": (request_case(kt), request_case(wz)),
    "response": (response_case(kt), response_case(wz)),
    "urlencoded": (urlencoded_case(kt), urlencoded_case(wz)),
    "multipart": (multipart_case(kt), multipart_case(wz)),
    "cookies": (cookies_case(k_cookies), cookies_case(wz_http)),
    "ranges": (ranges_case(_KettleHttp), ranges_case(wz_http)),
}


def ops_per_second(func: Callable[[], Any], seconds: float) -> float:
    for _ in range(20):  # warm-up
        func()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(10):
            func()
        count += 10
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def normalize(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
        return value[0], dict(value[1])
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.4)
    args = parser.parse_args()
    print(f"{'scenario':<12}{'kettle ops/s':>14}{'werkzeug ops/s':>16}{'ratio':>8}")
    for name, (ours, theirs) in SCENARIOS.items():
        if normalize(ours()) != normalize(theirs()):
            raise SystemExit(f"{name}: answers differ: {ours()!r} != {theirs()!r}")
        samples: dict[str, list[float]] = {"kettle": [], "werkzeug": []}
        for index in range(args.rounds):
            order = [("kettle", ours), ("werkzeug", theirs)]
            if index % 2:
                order.reverse()
            for label, func in order:
                samples[label].append(ops_per_second(func, args.seconds))
        k = statistics.median(samples["kettle"])
        w = statistics.median(samples["werkzeug"])
        print(f"{name:<12}{k:>14,.0f}{w:>16,.0f}{k / w:>7.2f}x")


if __name__ == "__main__":
    main()
