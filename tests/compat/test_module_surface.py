"""Issue 11's module surface: every public module of Flask 3.1, Werkzeug 3.1 and Jinja2 3.1
imports under its own dotted path with kettle.compat active, as a Kettle module, and the few
modules out of scope raise NotProvidedError naming themselves.

The lists are written out (from the real 3.1.3 / 3.1.9 / 3.1.6 packages), so a module that
stops resolving, or a new mirror hiding a NotProvidedError, fails here. The imports run in
a fresh interpreter (the test process imports the real packages for other tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

# ``flask.__main__`` is left out: importing it runs the command line (``python -m flask``
# is tested in test_cli_compat.py).
FLASK = [
    "flask", "flask.app", "flask.blueprints", "flask.cli", "flask.config", "flask.ctx",
    "flask.debughelpers", "flask.globals", "flask.helpers", "flask.json",
    "flask.json.provider", "flask.json.tag", "flask.logging", "flask.sansio.app",
    "flask.sansio.blueprints", "flask.sansio.scaffold", "flask.sessions", "flask.signals",
    "flask.templating", "flask.testing", "flask.typing", "flask.views", "flask.wrappers",
]  # fmt: skip
WERKZEUG = [
    "werkzeug", "werkzeug._internal", "werkzeug._reloader", "werkzeug.datastructures",
    "werkzeug.datastructures.accept", "werkzeug.datastructures.auth",
    "werkzeug.datastructures.cache_control", "werkzeug.datastructures.csp",
    "werkzeug.datastructures.etag", "werkzeug.datastructures.file_storage",
    "werkzeug.datastructures.headers", "werkzeug.datastructures.mixins",
    "werkzeug.datastructures.range", "werkzeug.datastructures.structures",
    "werkzeug.debug", "werkzeug.exceptions", "werkzeug.formparser", "werkzeug.http",
    "werkzeug.local", "werkzeug.middleware", "werkzeug.middleware.dispatcher",
    "werkzeug.middleware.http_proxy", "werkzeug.middleware.lint",
    "werkzeug.middleware.profiler", "werkzeug.middleware.proxy_fix",
    "werkzeug.middleware.shared_data", "werkzeug.routing", "werkzeug.routing.converters",
    "werkzeug.routing.exceptions", "werkzeug.routing.map", "werkzeug.routing.matcher",
    "werkzeug.routing.rules", "werkzeug.sansio", "werkzeug.sansio.http",
    "werkzeug.sansio.multipart", "werkzeug.sansio.request", "werkzeug.sansio.response",
    "werkzeug.sansio.utils", "werkzeug.security", "werkzeug.serving", "werkzeug.test",
    "werkzeug.testapp", "werkzeug.urls", "werkzeug.user_agent", "werkzeug.utils",
    "werkzeug.wrappers", "werkzeug.wrappers.request", "werkzeug.wrappers.response",
    "werkzeug.wsgi",
]  # fmt: skip
JINJA2 = [
    "jinja2", "jinja2.async_utils", "jinja2.bccache", "jinja2.compiler", "jinja2.constants",
    "jinja2.debug", "jinja2.defaults", "jinja2.environment", "jinja2.exceptions",
    "jinja2.ext", "jinja2.filters", "jinja2.lexer", "jinja2.loaders", "jinja2.meta",
    "jinja2.nativetypes", "jinja2.nodes", "jinja2.parser", "jinja2.runtime",
    "jinja2.sandbox", "jinja2.tests", "jinja2.utils", "jinja2.visitor",
]  # fmt: skip
# Out of scope (issue 11): Werkzeug's interactive debugger and Jinja2's compiler internals
# that Kettle's compiler has no counterpart for.
NOT_PROVIDED = [
    "werkzeug.debug.console", "werkzeug.debug.repr", "werkzeug.debug.tbtools",
    "jinja2.idtracking", "jinja2.optimizer",
]  # fmt: skip

PROBE = """
import importlib, json, sys
import kettle.compat
kettle.compat.install()
names, missing = json.loads(sys.argv[1]), json.loads(sys.argv[2])
report = {"provided": {}, "not_provided": {}}
for name in names:
    try:
        report["provided"][name] = importlib.import_module(name).__name__
    except Exception as error:
        report["provided"][name] = f"{type(error).__name__}: {error}"
for name in missing:
    try:
        importlib.import_module(name)
        report["not_provided"][name] = "imported"
    except kettle.compat.NotProvidedError as error:
        report["not_provided"][name] = [str(error), error.name]
report["real"] = kettle.compat.real_peer_modules()
print(json.dumps(report))
"""


def probe() -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KETTLE_COMPAT")}
    names = FLASK + WERKZEUG + JINJA2
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE), json.dumps(names),
         json.dumps(NOT_PROVIDED)],
        capture_output=True, text=True, timeout=120, env=environ, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_every_public_module_resolves_to_kettle_and_the_rest_names_itself() -> None:
    report = probe()
    provided = report["provided"]
    assert isinstance(provided, dict)
    wrong = {
        name: module for name, module in provided.items() if not str(module).startswith("kettle.")
    }
    assert wrong == {}
    assert report["not_provided"] == {
        name: [f"{name} is not provided by Kettle (kettle.compat is active)", name]
        for name in NOT_PROVIDED
    }
    assert report["real"] == []


def test_the_modules_added_for_the_surface_have_their_names() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KETTLE_COMPAT")}
    code = """
        import kettle.compat
        kettle.compat.install()
        from jinja2.constants import LOREM_IPSUM_WORDS
        from jinja2.utils import generate_lorem_ipsum
        from werkzeug.middleware.http_proxy import ProxyMiddleware
        from werkzeug.sansio.response import Response as SansIOResponse
        from werkzeug.testapp import iter_sys_path, test_app
        from werkzeug.wrappers import Response
        import flask, kettle.web.http_proxy, kettle.web.testapp
        words = set(LOREM_IPSUM_WORDS.split())
        print(len(words), set(generate_lorem_ipsum(1, html=False, min=20).lower()
              .replace(",", "").replace(".", "").split()) <= words)
        print(ProxyMiddleware is kettle.web.http_proxy.ProxyMiddleware,
              test_app is kettle.web.testapp.test_app, callable(iter_sys_path))
        print(isinstance(Response("x"), SansIOResponse),
              isinstance(flask.Response("x"), SansIOResponse), repr(SansIOResponse(204)))
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, env=environ, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "186 True",  # the 186 words of Jinja2 3.1.6 as well
        "True True True",
        "True True <Response [204 NO CONTENT]>",
    ]
