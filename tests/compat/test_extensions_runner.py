"""compat/extensions/run's own logic, without running any suite: which tests count as
regressions, how the audit of real modules is read, the known-failures file, and which
projects run with an empty pytest configuration."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "compat" / "extensions" / "run"


@pytest.fixture(scope="module")
def runner() -> Iterator[ModuleType]:
    loader = importlib.machinery.SourceFileLoader("kettle_extensions_run", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up
    try:
        loader.exec_module(module)
        yield module
    finally:
        del sys.modules[loader.name]


def run_data(
    results: dict[str, str], audits: list[list[str]], **messages: str
) -> dict[str, object]:
    return {
        "results": results,
        "messages": messages,
        "audits": [{"pid": 1, "real_modules": real} for real in audits],
        "seconds": 1.0,
    }


def test_a_test_passing_on_flask_and_not_on_kettle_is_a_regression(
    runner: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = {
        "Flask-X": {
            "baseline": run_data(
                {"t::a": "passed", "t::b": "passed", "t::c": "failed", "t::d": "passed"},
                [["flask", "flask.app"]],
            ),
            "kettle": run_data(
                {"t::a": "passed", "t::b": "failed", "t::c": "failed"}, [[]],
                **{"t::b": "call: AssertionError: 1 == 2"},
            ),
            "direct": run_data(
                {"t::a": "failed", "t::b": "failed", "t::c": "failed", "t::d": "passed"}, [[]],
                **{"t::a": "call: KeyError: 'x'", "t::b": "call: other"},
            ),
        }
    }  # fmt: skip
    summary = runner.report(outcomes, {"Flask-X::t::a": "listed"})
    assert summary["regressions"] == {
        "Flask-X::t::a": "direct entry: call: KeyError: 'x'",
        "Flask-X::t::b": "call: AssertionError: 1 == 2",
        "Flask-X::t::d": "kettle: not run",
    }
    assert summary["totals"] == [3, 1, 0, 1, 2, 0, 1, 3, 0]
    assert summary["real"] == []
    assert (summary["processes"], summary["baseline_real"]) == (2, 1)
    row = capsys.readouterr().out.splitlines()[-1]
    assert row.split() == [
        "Flask-X", "3/", "1/", "0", "1/", "2/", "0", "1/", "3/", "0", "3", "1", "1.0+1.0+1.0"
    ]  # fmt: skip


def test_a_real_module_in_a_kettle_process_is_reported(runner: ModuleType) -> None:
    outcomes = {
        "Flask-X": {
            "baseline": run_data({"t::a": "passed"}, [["flask"]]),
            "kettle": run_data({"t::a": "passed"}, [[], ["werkzeug.routing"]]),
            "direct": run_data({"t::a": "passed"}, [["jinja2"]]),
        }
    }
    summary = runner.report(outcomes, {})
    assert summary["real"] == ["Flask-X: pid 1 werkzeug.routing", "Flask-X: pid 1 jinja2"]


def test_known_failures_round_trip(
    runner: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "KNOWN", tmp_path / "known.txt")
    runner.write_known({"Flask-X::t::b": "call: boom", "Flask-A::t::z": "setup: no"})
    assert runner.read_known() == {"Flask-A::t::z": "setup: no", "Flask-X::t::b": "call: boom"}
    lines = (tmp_path / "known.txt").read_text().splitlines()
    assert lines[-2:] == ["Flask-A::t::z  setup: no", "Flask-X::t::b  call: boom"]


@pytest.mark.parametrize(
    ("name", "text", "configured"),
    [
        ("pyproject.toml", "[tool.pytest.ini_options]\ntestpaths = ['tests']\n", True),
        ("pyproject.toml", "[project]\nname = 'x'\n", False),
        ("setup.cfg", "[tool:pytest]\ntestpaths = tests\n", True),
        ("setup.cfg", "[metadata]\nname = x\n", False),
        ("tox.ini", "[pytest]\n", True),
        ("pytest.ini", "", True),
    ],
)
def test_projects_without_a_pytest_configuration_are_found(
    runner: ModuleType, tmp_path: Path, name: str, text: str, configured: bool
) -> None:
    (tmp_path / name).write_text(text)
    assert runner.has_pytest_config(tmp_path) is configured
