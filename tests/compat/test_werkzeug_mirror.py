"""The Werkzeug mirror (kettle.compat.werkzeug): every module imports, exports what its
``__all__`` lists, re-exports Kettle's objects (not copies), and loads no real Werkzeug."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import kettle.compat.werkzeug as mirror

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    ["kettle.compat.werkzeug"]
    + [info.name for info in pkgutil.walk_packages(mirror.__path__, "kettle.compat.werkzeug.")]
)


def test_the_mirror_covers_werkzeugs_module_paths():
    expected = {
        "_internal", "_reloader", "datastructures", "datastructures.structures", "debug",
        "exceptions", "formparser", "http", "local", "middleware.dispatcher",
        "middleware.proxy_fix", "middleware.shared_data", "routing", "routing.converters",
        "routing.exceptions", "routing.map", "routing.matcher", "routing.rules",
        "sansio.http", "sansio.utils", "security", "serving", "test", "urls", "user_agent",
        "utils", "wrappers", "wrappers.request", "wrappers.response", "wsgi",
    }  # fmt: skip
    present = {name.removeprefix("kettle.compat.werkzeug.") for name in MODULES}
    assert expected <= present


@pytest.mark.parametrize("name", MODULES)
def test_module_exports_what_it_lists(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no docstring"
    for exported in getattr(module, "__all__", []):
        assert hasattr(module, exported), f"{name}.{exported}"


def test_mirror_names_are_kettles_objects():
    from kettle.compat.werkzeug import datastructures, exceptions, local, routing, test, wrappers
    from kettle.http.multidict import MultiDict
    from kettle.web import exceptions as kettle_exceptions
    from kettle.web.local import LocalProxy
    from kettle.web.routing import Map, Rule
    from kettle.web.testing import KettleClient
    from kettle.web.wrappers import Request, Response

    assert datastructures.MultiDict is MultiDict
    assert exceptions.NotFound is kettle_exceptions.NotFound
    assert (routing.Map, routing.Rule) == (Map, Rule)
    assert local.LocalProxy is LocalProxy
    assert wrappers.Request is Request
    assert issubclass(wrappers.Response, Response)
    assert isinstance(Response("x"), wrappers.Response)  # Flask's Response is Werkzeug's
    assert issubclass(Response, wrappers.Response)
    assert wrappers.Response("x").mimetype == "text/plain"
    assert Response("x").mimetype == "text/html"
    assert test.Client is KettleClient
    assert mirror.Response is wrappers.Response


def test_version_is_deprecated():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert mirror.__version__ == "3.1.9"
    assert [w.category for w in caught] == [DeprecationWarning]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mirror.nope  # noqa: B018


def test_rule_trace_and_converters_as_werkzeug():
    from kettle.web.routing import Map, Rule

    rule = Rule("/user/<int:uid>/posts/<slug>", endpoint="posts")
    Map([rule])
    assert rule._trace == [
        (False, "|"),
        (False, "/"),
        (False, "user"),
        (False, "/"),
        (True, "uid"),
        (False, "/"),
        (False, "posts"),
        (False, "/"),
        (True, "slug"),
    ]
    assert sorted(rule._converters) == ["slug", "uid"]
    assert type(rule._converters["uid"]).__name__ == "IntegerConverter"


def test_internal_log_writes_to_the_werkzeug_logger(caplog):
    from kettle.compat.werkzeug._internal import _log

    with caplog.at_level("INFO", logger="werkzeug"):
        _log("info", "hello %s\n", "there")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("werkzeug", "INFO", "hello there")
    ]


def test_importing_the_mirror_loads_no_real_werkzeug():
    code = (
        "import sys, pkgutil, importlib, kettle.compat.werkzeug as m\n"
        "for info in pkgutil.walk_packages(m.__path__, 'kettle.compat.werkzeug.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('werkzeug', 'flask')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_kettle_compat_maps_werkzeug_to_the_mirror():
    code = (
        "import sys\n"
        "import werkzeug.routing, werkzeug.local\n"
        "from werkzeug.datastructures import MultiDict\n"
        "print(sys.modules['werkzeug.routing'] is sys.modules['kettle.compat.werkzeug.routing'])\n"
        "print(werkzeug.local.LocalProxy.__module__, MultiDict.__module__)\n"
    )
    env = {"KETTLE_COMPAT": "1", "PATH": "", "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    assert result.stdout.splitlines() == ["True", "kettle.web.local kettle.http.multidict"]


def test_ordered_multidict_is_deprecated_but_available():
    from kettle.compat.werkzeug import datastructures
    from kettle.http.structures import OrderedMultiDict

    with pytest.warns(DeprecationWarning, match="'OrderedMultiDict' is deprecated"):
        assert datastructures.OrderedMultiDict is OrderedMultiDict
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        datastructures.Nope  # noqa: B018
