"""A stand-in ``jinja2`` package that is really ``kettle.templates``.

Used only by compat/jinja/run to run Jinja2's own test suite against Kettle's engine.
Importing ``jinja2`` returns the ``kettle.templates`` package itself, and a meta-path finder
maps every ``jinja2.X`` submodule to ``kettle.templates.X`` (the very same module object),
so ``jinja2.nodes is kettle.templates.nodes``. Nothing of the real Jinja2 is ever loaded:
a name kettle lacks fails with ImportError instead of falling through to site-packages.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

TARGET = "kettle.templates"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self.original_spec = None

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        module = importlib.import_module(self.target)
        self.original_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Already executed under its kettle name; only undo importlib's __spec__ overwrite.
        module.__spec__ = self.original_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname != "jinja2" and not fullname.startswith("jinja2."):
            return None
        real = TARGET + fullname[len("jinja2") :]
        if importlib.util.find_spec(real) is None:
            raise ModuleNotFoundError(f"kettle has no module {real} (asked for {fullname})")
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(real))
        return spec


def _install() -> None:
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
    package = importlib.import_module(TARGET)
    # Replace this shim module by the kettle package for everyone importing jinja2.
    sys.modules["jinja2"] = package


_install()
