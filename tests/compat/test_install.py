"""kettle.compat: install()/uninstall(), the error cases, the KETTLE_COMPAT variable read by
the shipped .pth file, the exit audit, and the flask mirror's public names.

Each case that activates the hook runs in a fresh interpreter (a subprocess with a timeout):
the test process itself imports the real Flask for other tests, and the hook must not be
installed after that.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KETTLE_COMPAT")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, env=environ, check=False,
    )  # fmt: skip


def output_of(code: str, **env: str) -> str:
    done = run_python(code, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_install_resolves_the_three_peers_to_kettle_modules() -> None:
    out = output_of("""
        import kettle.compat
        kettle.compat.install()
        import flask, flask.json.tag, jinja2, jinja2.nodes, werkzeug
        from flask.views import http_method_funcs
        from jinja2 import ext as from_import  # attribute first, then the import system
        import kettle.compat.flask.json.tag, kettle.templates.nodes, kettle.web.app
        print(flask.__name__, werkzeug.__name__, jinja2.__name__)
        print(flask.json.tag is kettle.compat.flask.json.tag,
              jinja2.nodes is kettle.templates.nodes, from_import is kettle.templates.ext)
        print(flask.Flask is kettle.web.app.Kettle, sorted(http_method_funcs))
        print(kettle.compat.is_installed(), kettle.compat.real_peer_modules())
    """)  # fmt: skip
    assert out.splitlines() == [
        "kettle.compat.flask kettle.compat.werkzeug kettle.compat.jinja2",
        "True True True",
        "True ['delete', 'get', 'head', 'options', 'patch', 'post', 'put', 'trace']",
        "True []",
    ]


def test_an_app_written_for_flask_runs_on_kettle() -> None:
    out = output_of("""
        import kettle.compat
        kettle.compat.install()
        from flask import Flask, jsonify, request
        app = Flask(__name__)
        @app.route("/hello")
        def hello():
            return jsonify(name=request.args["name"])
        response = app.test_client().get("/hello?name=kettle")
        print(response.status_code, response.get_json(), type(app).__module__)
    """)  # fmt: skip
    assert out == "200 {'name': 'kettle'} kettle.web.app\n"


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("import flask.foo", "flask.foo"),
        ("from flask import sansio; import flask.sansio.nothing", "flask.sansio.nothing"),
        ("import jinja2.optimizer", "jinja2.optimizer"),
    ],
    ids=["flask-module", "flask-subpackage", "jinja2-module"],
)
def test_a_name_kettle_lacks_is_a_clear_import_error(statement: str, name: str) -> None:
    out = output_of(f"""
        import kettle.compat
        kettle.compat.install()
        try:
            {statement}
        except ModuleNotFoundError as error:
            print(error.name, "|", error)
        print(kettle.compat.real_peer_modules())
    """)  # fmt: skip
    assert out.splitlines() == [
        f"{name} | {name} is not provided by Kettle (kettle.compat is active)",
        "[]",
    ]


def test_install_after_the_real_flask_was_imported_is_an_error() -> None:
    out = output_of("""
        import flask
        import kettle.compat
        try:
            kettle.compat.install()
        except kettle.compat.CompatError as error:
            print(str(error).split(" (")[0])
        print(kettle.compat.is_installed())
    """)  # fmt: skip
    assert out.splitlines() == [
        "kettle.compat.install() was called after the real flask was imported",
        "False",
    ]


def test_uninstall_gives_the_installed_packages_back() -> None:
    out = output_of("""
        import kettle.compat
        kettle.compat.install()
        kettle.compat.install()  # twice is harmless
        import flask
        print(flask.__name__, kettle.compat.is_installed())
        kettle.compat.uninstall()
        import flask
        print(flask.__name__, kettle.compat.is_installed(), "site-packages" in flask.__file__)
    """)  # fmt: skip
    assert out.splitlines() == ["kettle.compat.flask True", "flask False True"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "kettle.compat.flask"), ("yes", "kettle.compat.flask"), ("0", "flask"), ("", "flask")],
)
def test_kettle_compat_variable_activates_every_process(value: str, expected: str) -> None:
    out = output_of("import flask, jinja2; print(flask.__name__)", KETTLE_COMPAT=value)
    assert out == f"{expected}\n"


def test_python_dash_m_flask_runs_the_kettle_cli_under_compat() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KETTLE_COMPAT")}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--help"], capture_output=True, text=True, timeout=60,
        env={**environ, "KETTLE_COMPAT": "1"}, cwd=ROOT / "docs", check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: python -m flask [OPTIONS] COMMAND [ARGS]...")
    assert "Kettle: app, server, templates and realtime channels" in done.stdout


def test_the_exit_audit_reports_real_modules(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    output_of("import flask", KETTLE_COMPAT_AUDIT=str(audit))
    output_of("import flask, jinja2.nodes", KETTLE_COMPAT="1", KETTLE_COMPAT_AUDIT=str(audit))
    real, kettle = (json.loads(line) for line in audit.read_text().splitlines())
    assert real["compat"] is False
    assert {"flask", "flask.app", "werkzeug", "jinja2"} <= set(real["real_modules"])
    assert kettle["compat"] is True
    assert kettle["real_modules"] == []


def test_the_pth_file_is_installed_beside_the_packages() -> None:
    installed = Path(sysconfig.get_paths()["purelib"]) / "kettle_compat.pth"
    shipped = ROOT / "src" / "kettle_compat.pth"
    assert installed.read_text() == shipped.read_text()
    assert installed.read_text().startswith('import os; (os.environ.get("KETTLE_COMPAT")')


def test_flask_version_is_deprecated_as_in_flask() -> None:
    flask = importlib.import_module("kettle.compat.flask")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert flask.__version__ == "3.1.3"
    assert [w.category for w in caught] == [DeprecationWarning]
    with pytest.raises(AttributeError, match="has no attribute 'Markup'"):
        _ = flask.Markup


# The public names of each Flask 3.1.3 module (collected from the real package: names
# defined or re-exported there, without typing helpers and imported modules).
FLASK_PUBLIC_NAMES: dict[str, str] = {
    "flask": (
        "Blueprint Config Flask Request Response abort after_this_request "
        "appcontext_popped appcontext_pushed appcontext_tearing_down "
        "before_render_template copy_current_request_context current_app flash g "
        "get_flashed_messages get_template_attribute got_request_exception "
        "has_app_context has_request_context jsonify make_response message_flashed "
        "redirect render_template render_template_string request request_finished "
        "request_started request_tearing_down send_file send_from_directory session "
        "stream_template stream_template_string stream_with_context template_rendered "
        "url_for"
    ),
    "flask.app": (
        "App AppContext Environment Flask Request RequestContext Response "
        "SecureCookieSessionInterface SessionInterface appcontext_tearing_down "
        "current_app g get_debug_flag get_flashed_messages get_load_dotenv "
        "got_request_exception request request_ctx request_finished request_started "
        "request_tearing_down send_from_directory session"
    ),
    "flask.blueprints": (
        "AppGroup Blueprint BlueprintSetupState SansioBlueprint current_app send_from_directory"
    ),
    "flask.cli": (
        "AppGroup CertParamType FlaskGroup NoAppException ScriptInfo SeparatedPathType "
        "cli current_app find_app_by_string find_best_app get_debug_flag get_load_dotenv "
        "get_version load_dotenv locate_app main prepare_import routes_command "
        "run_command shell_command show_server_banner version_option with_appcontext"
    ),
    "flask.config": "Config ConfigAttribute",
    "flask.ctx": (
        "AppContext RequestContext after_this_request appcontext_popped appcontext_pushed "
        "copy_current_request_context has_app_context has_request_context"
    ),
    "flask.debughelpers": (
        "App Blueprint DebugFilesKeyError FormDataRoutingRedirect UnexpectedUnicodeError "
        "attach_enctype_error_multidict explain_template_loading_attempts request_ctx"
    ),
    "flask.globals": "app_ctx current_app g request request_ctx session",
    "flask.helpers": (
        "abort current_app flash get_debug_flag get_flashed_messages get_load_dotenv "
        "get_root_path get_template_attribute make_response message_flashed redirect "
        "request request_ctx send_file send_from_directory session stream_with_context "
        "url_for"
    ),
    "flask.json": "current_app dump dumps jsonify load loads",
    "flask.json.provider": "DefaultJSONProvider JSONProvider",
    "flask.json.tag": (
        "JSONTag PassDict PassList TagBytes TagDateTime TagDict TagMarkup TagTuple "
        "TagUUID TaggedJSONSerializer dumps loads"
    ),
    "flask.logging": (
        "create_logger default_handler has_level_handler request wsgi_errors_stream"
    ),
    "flask.sansio.app": (
        "App Config ConfigAttribute DefaultJSONProvider DispatchingJinjaLoader "
        "Environment JSONProvider Scaffold create_logger find_package get_debug_flag "
        "setupmethod"
    ),
    "flask.sansio.blueprints": (
        "Blueprint BlueprintSetupState DeferredSetupFunction Scaffold setupmethod"
    ),
    "flask.sansio.scaffold": (
        "Scaffold default_exceptions find_package get_root_path setupmethod"
    ),
    "flask.sessions": (
        "NullSession SecureCookieSession SecureCookieSessionInterface SessionInterface "
        "SessionMixin TaggedJSONSerializer session_json_serializer"
    ),
    "flask.signals": (
        "appcontext_popped appcontext_pushed appcontext_tearing_down "
        "before_render_template got_request_exception message_flashed request_finished "
        "request_started request_tearing_down template_rendered"
    ),
    "flask.templating": (
        "DispatchingJinjaLoader Environment before_render_template current_app "
        "render_template render_template_string request stream_template "
        "stream_template_string stream_with_context template_rendered"
    ),
    "flask.testing": (
        "EnvironBuilder FlaskCliRunner FlaskClient ScriptInfo SessionMixin urlsplit"
    ),
    "flask.typing": (
        "AfterRequestCallable AppOrBlueprintKey BeforeFirstRequestCallable "
        "BeforeRequestCallable ErrorHandlerCallable HeaderValue HeadersValue "
        "ResponseClass ResponseReturnValue ResponseValue RouteCallable "
        "ShellContextProcessorCallable TeardownCallable TemplateContextProcessorCallable "
        "TemplateFilterCallable TemplateGlobalCallable TemplateTestCallable "
        "URLDefaultCallable URLValuePreprocessorCallable"
    ),
    "flask.views": "MethodView View current_app http_method_funcs request",
    "flask.wrappers": "Request Response current_app",
}


@pytest.mark.parametrize("module", sorted(FLASK_PUBLIC_NAMES))
def test_the_flask_mirror_has_flasks_public_names(module: str) -> None:
    mirror = importlib.import_module("kettle.compat." + module)
    missing = [name for name in FLASK_PUBLIC_NAMES[module].split() if not hasattr(mirror, name)]
    assert missing == []


def test_flask_helpers_werkzeug_is_the_werkzeug_mirror() -> None:
    helpers = importlib.import_module("kettle.compat.flask.helpers")
    assert helpers.werkzeug is importlib.import_module("kettle.compat.werkzeug")
