"""Running a page as its reader would: Python blocks in order in one namespace (a module
the page builds, ``hello.py`` when its first block starts with ``# hello.py``), files
written where the page says, shell commands run in the reader's folder.

Rules:
- Everything happens in a fresh folder (pytest's ``tmp_path``): the reader's own folder,
  not the repository. ``cd`` in a shell block moves the reader for the blocks after it.
- A Python block that starts with ``# NAME.py`` is appended to ``NAME.py`` and runs as
  module ``NAME`` (a new module when ``NAME`` changes); other Python blocks join the
  current module. Each block and check runs in a fresh module that first runs every
  earlier block of it, as a reader restarts the app after adding code (an app that served
  a request takes no new routes). Tracebacks point at the page's own lines.
- Shell blocks run with ``bash -e`` and this venv's ``bin`` first on ``PATH`` (``kettle``
  and ``python`` are the installed ones), a private ``TMPDIR``, each within a timeout.
- Modules imported from the reader's folder are forgotten before each block, so a block
  sees the files as they are now.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from .markdown import Block

SHELLS = {"sh", "bash", "shell", "console"}
TEXT = {"", "text", "txt", "plain", "output"}  # layouts and output, never run
MODULE_HEADER = re.compile(r"^# (?P<name>[A-Za-z_]\w*)\.py\s*$")
SHELL_TIMEOUT = 180


def problem(block: Block) -> str | None:
    """Why ``block`` breaks the marker convention (docs/README.md), or None."""
    if block.kind == "skip" and not block.arg:
        return "a skipped block needs a reason: <!-- doc: skip: why -->"
    if block.kind == "file" and not block.arg:
        return "<!-- doc: file PATH --> needs a path"
    if block.lang == "check" or (block.lang in TEXT and block.kind in ("", "file")):
        return None
    if block.lang == "python":
        return "only shell blocks can be run" if block.kind == "run" else None
    if block.lang in SHELLS:
        if block.kind not in ("run", "skip"):
            return "mark a shell block <!-- doc: run --> or <!-- doc: skip: why -->"
        return None
    if block.kind not in ("file", "skip"):
        return f"mark a {block.lang} block <!-- doc: file PATH --> or <!-- doc: skip: why -->"
    return None


class PageRun:
    """The state of one page being followed: the reader's folder and the page's modules."""

    def __init__(self, page: Path, folder: Path) -> None:
        self.page = page
        self.root = folder.resolve()
        self.cwd = self.root
        self.module: types.ModuleType | None = None
        self.module_name = ""
        self.module_file = self.root / "doc_page.py"
        self.codes: list[types.CodeType] = []  # the blocks of the current module so far
        self.modules: list[types.ModuleType] = []
        self.shell_output = ""
        self.files: dict[str, str] = {}  # path relative to the root -> last text written
        self.temp = tempfile.mkdtemp(prefix="kettle-doc-")
        self._saved_path = list(sys.path)
        self._saved_cwd = os.getcwd()

    def run(self, blocks: list[Block]) -> None:
        try:
            for block in blocks:
                self.step(block)
        finally:
            self.close()

    def step(self, block: Block) -> None:
        if block.kind == "skip" or (block.lang in TEXT and block.kind == ""):
            return
        if block.kind == "file":
            self.write(block.arg, block.text)
        elif block.kind == "run":
            self.shell(block)
        elif block.lang in ("python", "check"):
            self.python(block)

    def write(self, relative: str, text: str) -> None:
        target = (self.cwd / relative).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"{self.page}: doc: file {relative} is outside the reader's folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.files[target.relative_to(self.root).as_posix()] = text

    def python(self, block: Block) -> None:
        header = MODULE_HEADER.match(block.text.split("\n", 1)[0])
        if block.lang == "python" and header:
            if self.module is None or self.module.__name__ != header["name"]:
                self.start_module(header["name"])
        elif self.module is None:
            self.start_module("doc_page")
        code = compile("\n" * (block.line - 1) + block.text, str(self.page), "exec")
        if block.lang == "python":
            source = self.module_file
            previous = source.read_text()
            source.write_text(previous + ("\n\n" if previous else "") + block.text)
            self.codes.append(code)
            self.fresh_module()
        else:
            namespace = self.fresh_module().__dict__
            namespace["SHELL_OUTPUT"] = self.shell_output  # what the last shell block printed
            exec(code, namespace)

    def start_module(self, name: str) -> None:
        if name in sys.modules and sys.modules[name] not in self.modules:
            raise ValueError(f"{self.page}: module name {name!r} is already imported")
        self.module_name = name
        self.module_file = self.cwd / f"{name}.py"
        self.codes = []
        self.module_file.write_text("")

    def fresh_module(self) -> types.ModuleType:
        """A new module ``NAME`` that has run every block of ``NAME.py`` so far."""
        module = types.ModuleType(self.module_name)
        module.__file__ = str(self.module_file)
        sys.modules[self.module_name] = module
        self.module = module
        self.modules.append(module)
        self.enter()
        for code in self.codes:
            exec(code, module.__dict__)
        return module

    def enter(self) -> None:
        """Be in the reader's folder, with freshly read modules from it."""
        os.chdir(self.cwd)
        sys.path[:] = [str(self.cwd), *self._saved_path]
        self.forget_imports()
        importlib.invalidate_caches()

    def forget_imports(self) -> None:
        ours = {id(module) for module in self.modules}
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None)
            if where and id(module) not in ours and Path(where).is_relative_to(self.root):
                del sys.modules[name]

    def shell(self, block: Block) -> None:
        where = self.root / ".doc-cwd"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KETTLE_APP")}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # A private temp folder: a pytest the page runs must not share (and clean up)
        # /tmp/pytest-of-USER with the pytest running this test, or with anyone else's.
        env["TMPDIR"] = self.temp
        script = f"set -e -o pipefail\n{block.text}\npwd > '{where}'\n"
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=SHELL_TIMEOUT,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{self.page}:{block.line}: shell block failed ({result.returncode})\n"
                f"{block.text}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        self.shell_output = result.stdout
        self.cwd = Path(where.read_text().strip())
        where.unlink()

    def close(self) -> None:
        for module in self.modules:
            sys.modules.pop(module.__name__, None)
        self.forget_imports()
        sys.path[:] = self._saved_path
        os.chdir(self._saved_cwd)
        shutil.rmtree(self.temp, ignore_errors=True)
