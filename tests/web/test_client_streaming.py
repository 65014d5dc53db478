"""The test client's ``buffered=False``: a streamed response is handed back unread, so an
endless stream (SSE) can be tested in-process; the default reads the body whole."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from kettle import Kettle, stream_with_context
from kettle.realtime.sse import EventStream
from kettle.web.testing import KettleClient


def endless_app() -> tuple[Kettle, list[str]]:
    app = Kettle(__name__)
    log: list[str] = []

    @app.route("/numbers")
    def numbers() -> Any:
        def generate() -> Iterator[str]:
            try:
                for n in itertools.count():
                    log.append(f"made {n}")
                    yield f"{n};"
            finally:
                log.append("closed")

        return app.response_class(stream_with_context(generate()), mimetype="text/plain")

    return app, log


def test_unbuffered_response_is_read_piece_by_piece_and_closed() -> None:
    app, log = endless_app()
    response = app.test_client().get("/numbers", buffered=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    chunks = iter(response.response)
    assert [next(chunks) for _ in range(3)] == [b"0;", b"1;", b"2;"]
    assert log == ["made 0", "made 1", "made 2"]
    response.close()
    assert log[-1] == "closed"


def test_buffered_by_default_reads_the_whole_body() -> None:
    app = Kettle(__name__)
    log: list[str] = []

    @app.route("/few")
    def few() -> Any:
        def generate() -> Iterator[str]:
            log.append("ran")
            yield "a"
            yield "b"

        return app.response_class(generate())

    response = app.test_client().get("/few")
    assert log == ["ran"]
    assert response.data == b"ab"


def test_event_stream_through_the_test_client() -> None:
    app = Kettle(__name__)

    @app.route("/events")
    def events() -> Any:
        return EventStream(iter(["hello", {"n": 1}]), heartbeat=30)

    response = app.test_client().get("/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert next(chunks) == b": stream open\n\n"
    assert b"".join(chunks) == b'data: hello\n\ndata: {"n":1}\n\n'
    response.close()


def test_raw_wsgi_generator_starting_late_with_write() -> None:
    # start_response called on the first read, and the write() callable used before the
    # first chunk: the written bytes come first, in order, as a WSGI server sends them.
    closed: list[bool] = []

    class Body:
        def __init__(self, start_response: Any) -> None:
            self.start_response = start_response
            self.step = 0

        def __iter__(self) -> Body:
            return self

        def __next__(self) -> bytes:
            self.step += 1
            if self.step == 1:
                write = self.start_response("201 CREATED", [("X-Test", "1")])
                write(b"w1;")
                return b"c1;"
            if self.step == 2:
                return b"c2;"
            raise StopIteration

        def close(self) -> None:
            closed.append(True)

    def raw(environ: dict[str, Any], start_response: Any) -> Body:
        return Body(start_response)

    app = Kettle(__name__)
    app.wsgi_app = raw  # type: ignore[method-assign]  # a plain WSGI app behind the Kettle app
    client = KettleClient(app)
    response = client.get("/", buffered=False)
    assert response.status == "201 CREATED"
    assert response.headers["X-Test"] == "1"
    assert b"".join(response.response) == b"w1;c1;c2;"
    assert closed == [True]
    buffered = client.get("/")
    assert buffered.get_data() == b"w1;c1;c2;"
    assert closed == [True, True]
