"""The ground every layer shares: the package, its console script and the demo page."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import kettle

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("layer", ["http", "templates", "server", "web", "realtime"])
def test_each_layer_states_its_rules(layer: str) -> None:
    module = importlib.import_module(f"kettle.{layer}")
    assert module.__doc__ is not None
    assert "Rules:" in module.__doc__


def test_public_api_is_listed() -> None:
    assert kettle.__version__ == "0.1.0"
    for name in kettle.__all__:
        assert hasattr(kettle, name), name


def test_console_script_reports_version() -> None:
    script = Path(sys.executable).parent / "kettle"
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    # As ``flask --version``: one line per version, Python first.
    python = ".".join(str(part) for part in sys.version_info[:3])
    assert result.stdout == (
        f"Python {python}\nKettle {kettle.__version__}\nClick {version('click')}\n"
    )


def test_package_is_typed() -> None:
    assert (ROOT / "src" / "kettle" / "py.typed").is_file()
