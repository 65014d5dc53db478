"""kettle.web.testapp (``werkzeug.testapp``): the page ``test_app`` serves, through the test
client and the real server, and ``iter_sys_path``."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kettle.web.app import Kettle
from kettle.web.testapp import iter_sys_path, test_app
from kettle.web.testing import KettleClient


def test_app_app() -> Kettle:
    app = Kettle(__name__)
    app.wsgi_app = test_app  # type: ignore[method-assign]
    return app


test_app_app.__test__ = False  # type: ignore[attr-defined]


def test_page_shows_the_environ_escaped(make_client: Callable[[Kettle], KettleClient]) -> None:
    client = make_client(test_app_app())
    response = client.post("/any/where?q=<1>", headers={"X-Probe": '<b>&"x"'}, data=b"left unread")
    assert response.status == "200 OK"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[:4] == [
        "<!doctype html>",
        "<html lang=en>",
        "<meta charset=utf-8>",
        "<title>Kettle test application</title>",
    ]
    assert "<tr><th>HTTP_X_PROBE<td>&lt;b&gt;&amp;&#34;x&#34;" in lines
    assert "<tr><th>PATH_INFO<td>/any/where" in lines
    assert "<tr><th>QUERY_STRING<td>q=&lt;1&gt;" in lines
    assert "<tr><th>REQUEST_METHOD<td>POST" in lines
    assert "<tr><th>CONTENT_LENGTH<td>11" in lines
    assert f"<tr><th>Executable<td>{sys.executable}" in lines
    assert f"<tr><th>Process<td>{os.getpid()}" in lines
    # The environ is listed sorted by key.
    keys = [line[8:].partition("<td>")[0] for line in lines if line.startswith("<tr><th>")]
    environ_keys = keys[4:]
    assert environ_keys == sorted(environ_keys)
    kettle_version = importlib.metadata.version("kettle")
    assert f"<li>kettle {kettle_version}" in lines


def test_sys_path_entries_are_marked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "lib").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "work")
    entries = [str(home / "lib"), "", "rel", str(tmp_path / "gone.zip"), str(home)]
    monkeypatch.setattr(sys, "path", entries)
    assert list(iter_sys_path()) == [
        ("~/lib", False, False),
        (str(tmp_path / "work"), False, True),
        (str(tmp_path / "work" / "rel"), True, True),
        (str(tmp_path / "gone.zip"), True, False),
        ("~", False, False),
    ]
    page = test_app_app().test_client().get("/").get_data(as_text=True)
    assert "<li>~/lib\n" in page
    assert (
        f"<li>{tmp_path / 'work' / 'rel'} <span class=note>(not a folder, relative)</span>" in page
    )
