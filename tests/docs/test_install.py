"""The README's install story holds for a built package, not only for the editable install
the tests run from: a wheel of a copy of the repository has every file of ``src/kettle``
(templates and scripts too, not only ``.py``), the ``kettle`` command, and the Python it
says it needs. (``pip install path/to/kettle`` builds this same wheel.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNPACKAGED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


@pytest.mark.timeout(300)
def test_wheel_has_every_package_file_and_the_kettle_command(tmp_path: Path) -> None:
    source = tmp_path / "kettle"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=UNPACKAGED)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("kettle-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = archive.read(info).decode()
        scripts = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    package_files = {
        path.relative_to(source / "src").as_posix()
        for path in (source / "src" / "kettle").rglob("*")
        if path.is_file()
    }
    assert package_files - names == set()
    assert "kettle/realtime/static/kettle.js" in names
    assert "\nkettle = " in f"\n{scripts}"
    assert "Requires-Python: >=3.11" in metadata
