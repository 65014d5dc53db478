"""The import hook behind ``kettle.compat.install()``: a ``sys.meta_path`` finder that answers
for ``flask``, ``werkzeug`` and ``jinja2`` (and every dotted name below them) with Kettle's
mirror modules.

Rules: ``flask[.X]`` is the module object ``kettle.compat.flask[.X]`` itself, registered under
both names (no copy, no wrapper), and likewise for ``werkzeug`` and ``jinja2``. A mirror
package may list, in its ``ALIASES`` dict, submodules that are an implementation module
directly (``jinja2.nodes`` is ``kettle.templates.nodes``); every other submodule is found
below the module its parent really is. A name with no Kettle module is a
``ModuleNotFoundError`` that names it; the finder never lets the import fall through to the
real package installed beside Kettle.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType

# The peer packages the hook answers for, and the mirror package each resolves to.
MIRRORS: dict[str, str] = {
    "flask": "kettle.compat.flask",
    "werkzeug": "kettle.compat.werkzeug",
    "jinja2": "kettle.compat.jinja2",
}

# A module file inside an installed copy of a peer package (site-packages or dist-packages).
_REAL_FILE = re.compile(r"[/\\](?:site|dist)-packages[/\\](?:flask|werkzeug|jinja2)[/\\]")


def peer_of(fullname: str) -> str | None:
    """The peer package (``flask``, ``werkzeug``, ``jinja2``) a dotted name belongs to."""
    top = fullname.partition(".")[0]
    return top if top in MIRRORS else None


def is_kettle_module(module: object) -> bool:
    """Whether a ``sys.modules`` value is one of Kettle's modules (not a real peer's)."""
    name = getattr(module, "__name__", "")
    return isinstance(name, str) and (name == "kettle" or name.startswith("kettle."))


def real_peer_modules() -> list[str]:
    """Every module of this process that comes from the real Flask, Werkzeug or Jinja2: a
    peer name bound to a non-Kettle module, or any module loaded from a peer's folder."""
    found = []
    for name, module in list(sys.modules.items()):
        if module is None:
            continue
        if peer_of(name) is not None and not is_kettle_module(module):
            found.append(name)
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and _REAL_FILE.search(path):
            found.append(name)
    return sorted(found)


class NotProvidedError(ModuleNotFoundError):
    """A Flask, Werkzeug or Jinja2 module that Kettle does not provide."""

    def __init__(self, fullname: str) -> None:
        super().__init__(
            f"{fullname} is not provided by Kettle (kettle.compat is active)", name=fullname
        )


class AliasLoader(importlib.abc.Loader):
    """Loads a peer name as the already executed Kettle module ``target``."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.target_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.target_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module ran under its Kettle name; importlib has just set its ``__spec__`` to
        # the peer-named spec, so give the module its own spec back.
        if self.target_spec is not None:
            module.__spec__ = self.target_spec

    def get_code(self, fullname: str) -> CodeType | None:
        """For ``python -m flask``: runpy asks the loader for the code to run."""
        spec = importlib.util.find_spec(self.target)
        loader = getattr(spec, "loader", None)
        get_code = getattr(loader, "get_code", None)
        return None if get_code is None else get_code(self.target)


class MirrorFinder(importlib.abc.MetaPathFinder):
    """The ``sys.meta_path`` entry that install() puts first."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        peer = peer_of(fullname)
        if peer is None:
            return None
        implementation = resolve(fullname, peer)
        if implementation is None:
            raise NotProvidedError(fullname)
        # The origin is the Kettle file (``python -m flask`` puts it in sys.argv[0]).
        return importlib.util.spec_from_loader(
            fullname,
            AliasLoader(implementation.name),
            origin=implementation.origin,
            is_package=implementation.submodule_search_locations is not None,
        )


def resolve(fullname: str, peer: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of the Kettle module that ``fullname`` is, or None when there is none."""
    if fullname == peer:
        candidate = MIRRORS[peer]
    else:
        mirror = importlib.import_module(MIRRORS[peer])
        relative = fullname[len(peer) + 1 :]
        aliases: dict[str, str] = getattr(mirror, "ALIASES", {})
        parent_name, _, last = fullname.rpartition(".")
        # The import system has imported the parent first; below it, look where the parent
        # really lives (its own name), so aliased packages keep their submodules.
        parent = sys.modules.get(parent_name)
        if relative in aliases:
            candidate = aliases[relative]
        elif parent is None or not hasattr(parent, "__path__"):
            return None
        else:
            candidate = f"{parent.__name__}.{last}"
    try:
        return importlib.util.find_spec(candidate)
    except ImportError:
        return None
