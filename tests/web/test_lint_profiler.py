"""LintMiddleware warnings and ProfilerMiddleware output (kettle.web.lint, .profiler)."""

from __future__ import annotations

import io
import warnings

import pytest

from kettle.web.environ_builder import EnvironBuilder
from kettle.web.lint import HTTPWarning, LintMiddleware, WSGIWarning
from kettle.web.profiler import ProfilerMiddleware
from kettle.web.wsgi import run_wsgi_app


def make_app(status="200 OK", headers=None, body=(b"Foo",)):
    def app(environ, start_response):
        start_response(status, [("Content-Type", "text/plain")] if headers is None else headers)
        return list(body)

    return app


def environ():
    return EnvironBuilder(None, "/test").get_environ()


def test_clean_app_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body, status, _ = run_wsgi_app(LintMiddleware(make_app()), environ(), buffered=True)
    assert (status, body) == ("200 OK", [b"Foo"])


@pytest.mark.parametrize(
    ("app", "category", "messages"),
    [
        (
            make_app(status="20 OK"),
            WSGIWarning,
            [
                "Status code must be three digits.",
                "Invalid value for status '20 OK'. Valid status strings are three digits,"
                " a space and a status explanation.",
                "Status code < 100 detected.",
            ],
        ),
        (make_app(headers=(("A", "b"),)), WSGIWarning, ["Header list is not a list."]),
        (
            make_app(headers=[("Status", "1")]),
            WSGIWarning,
            ["The status header is not supported due to conflicts with the CGI spec."],
        ),
        (
            make_app(headers=[("Location", "/x")]),
            HTTPWarning,
            ["Absolute URLs required for location header."],
        ),
        (make_app(headers=[("ETag", "abc")]), HTTPWarning, ["Unquoted etag emitted."]),
        (
            make_app(body=["text"]),
            WSGIWarning,
            ["The application returned a str chunk, not bytes."],
        ),
    ],
    ids=["status", "header-tuple", "status-header", "location", "etag", "str-body"],
)
def test_lint_warnings(app, category, messages):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_wsgi_app(LintMiddleware(app), environ(), buffered=True)
    assert [(w.category, str(w.message)) for w in caught] == [(category, m) for m in messages]


def test_lint_checks_the_environ():
    env = environ()
    env["PATH_INFO"] = "test"
    env["wsgi.version"] = (0, 9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_wsgi_app(LintMiddleware(make_app()), env, buffered=True)
    assert [str(w.message) for w in caught] == [
        "Environ is not a WSGI 1.0 environ.",
        "'PATH_INFO' does not start with a slash: 'test'",
    ]


def test_profiler_prints_and_writes_stats(tmp_path):
    stream = io.StringIO()
    app = ProfilerMiddleware(
        make_app(),
        stream=stream,
        profile_dir=str(tmp_path),
        filename_format="{method}.{path}.prof",
    )
    body, status, _ = run_wsgi_app(app, environ(), buffered=True)
    assert (status, body) == ("200 OK", [b"Foo"])
    assert "PATH: '/test'" in stream.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["GET.test.prof"]
