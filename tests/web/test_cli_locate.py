"""Finding the app for the CLI: factories called with arguments they cannot take (Flask's
``find_best_app``/``locate_app`` rules), and the message when no app is found."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle import Kettle
from kettle.web import cli as cli_module
from kettle.web.cli import NoAppException, find_best_app, locate_app


def module_with(**attributes: object) -> types.ModuleType:
    module = types.ModuleType("fake_app_module")
    module.__dict__.update(attributes)
    return module


def test_factory_that_needs_arguments_is_reported() -> None:
    def create_app(foo: str, bar: str) -> Kettle:
        return Kettle("made")

    with pytest.raises(NoAppException) as caught:
        find_best_app(module_with(create_app=create_app))
    assert caught.value.format_message() == (
        "Detected factory 'create_app' in module 'fake_app_module', but could not call it"
        " without arguments. Use 'fake_app_module:create_app(args)' to specify arguments."
    )


def test_type_error_inside_a_factory_propagates() -> None:
    def create_app() -> Kettle:
        raise TypeError("bad bad factory!")

    with pytest.raises(TypeError, match="bad bad factory!"):
        find_best_app(module_with(create_app=create_app))


def test_factory_with_keyword_arguments_is_called() -> None:
    def make_app(**kwargs: object) -> Kettle:
        return Kettle("from_kwargs")

    assert find_best_app(module_with(make_app=make_app)).name == "from_kwargs"


@pytest.fixture
def factory_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    (tmp_path / "factory_mod.py").write_text(
        "from kettle import Kettle\n\n"
        "def create_app2(foo, bar):\n"
        "    return Kettle('_'.join(['app2', foo, bar]))\n\n"
        "def broken(foo):\n"
        "    raise TypeError('inside ' + foo)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "factory_mod"
    sys.modules.pop("factory_mod", None)


def test_locate_app_with_wrong_arguments(factory_module: str) -> None:
    assert locate_app(factory_module, 'create_app2("a", "b")').name == "app2_a_b"
    with pytest.raises(NoAppException) as caught:
        locate_app(factory_module, 'create_app2("foo")')
    assert caught.value.format_message() == (
        "The factory 'create_app2(\"foo\")' in module 'factory_mod' could not be called with"
        " the specified arguments."
    )
    with pytest.raises(TypeError, match="inside x"):
        locate_app(factory_module, 'broken("x")')


def test_flask_name_for_the_command_group_and_no_app_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KETTLE_APP", raising=False)
    monkeypatch.delenv("FLASK_APP", raising=False)
    assert cli_module.cli is cli_module.main
    result = CliRunner().invoke(cli_module.cli, ["missing"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: Could not locate a Kettle application. Use the 'kettle --app' option,"
        " 'KETTLE_APP' (or 'FLASK_APP') environment variable, or a 'wsgi.py' or 'app.py'"
        " file in the current directory.\n"
    )
    assert "Error: No such command 'missing'." in result.stderr
