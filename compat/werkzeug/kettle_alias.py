"""pytest plugin: make ``werkzeug`` and every ``werkzeug.X`` import resolve to the mirror
``kettle.compat.werkzeug[.X]`` (the same module object under both names), never the real
Werkzeug. A name with no mirror raises ModuleNotFoundError naming it.

Used by compat/werkzeug/run until ``kettle.compat.install()`` covers the same ground.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any

PREFIX = "werkzeug"
MIRROR = "kettle.compat.werkzeug"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: Any) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The mirror module is already executed."""


class WerkzeugAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != PREFIX and not fullname.startswith(PREFIX + "."):
            return None
        mirror = MIRROR + fullname[len(PREFIX) :]
        try:
            found = importlib.util.find_spec(mirror)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"{fullname} is not provided by Kettle (kettle.compat mirror)", name=fullname
            )
        is_package = found.submodule_search_locations is not None
        return importlib.util.spec_from_loader(
            fullname, _AliasLoader(mirror), is_package=is_package
        )


for _name in [n for n in sys.modules if n == PREFIX or n.startswith(PREFIX + ".")]:
    raise RuntimeError(f"the real {_name} was imported before the alias plugin")
sys.meta_path.insert(0, WerkzeugAliasFinder())
