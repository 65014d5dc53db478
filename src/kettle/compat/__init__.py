"""The drop-in layer: ``flask``, ``werkzeug`` and ``jinja2`` import paths resolved to Kettle.

Rules: this package is a thin mirror. ``kettle.compat.flask``, ``kettle.compat.werkzeug``
and ``kettle.compat.jinja2`` repeat the public module paths of Flask 3.1, Werkzeug 3.1 and
Jinja2 3.1; each mirror module is imports plus the few adapters a signature difference
needs. Behaviour lives in the layer that owns it (``http``, ``templates``, ``web``,
``realtime``, ``server``) and is tested there. Nothing else in Kettle imports this package.

The opt-in is explicit: ``install()`` (or ``KETTLE_COMPAT=1`` in the environment, read by
the ``kettle_compat.pth`` file shipped with the package, or ``kettle --compat``) puts the
finder of ``_finder`` first on ``sys.meta_path``. From then on ``import flask`` gives
``kettle.compat.flask`` even when the real Flask is installed, and a name Kettle does not
provide fails loudly. Importing this package is cheap: the mirrors load on first use.
"""

from __future__ import annotations

import sys

from ._finder import MirrorFinder, NotProvidedError, peer_of, real_peer_modules

__all__ = [
    "CompatError",
    "NotProvidedError",
    "install",
    "is_installed",
    "real_peer_modules",
    "uninstall",
]


class CompatError(RuntimeError):
    """kettle.compat cannot be activated in this process (a real peer is already loaded)."""


def is_installed() -> bool:
    """Whether the hook is on ``sys.meta_path`` in this process."""
    return any(isinstance(finder, MirrorFinder) for finder in sys.meta_path)


def install() -> None:
    """Resolve ``flask``, ``werkzeug`` and ``jinja2`` (and their submodules) to Kettle from
    now on. Call it before anything imports them; a second call does nothing. Raises
    CompatError when the real Flask, Werkzeug or Jinja2 was imported already: two
    frameworks in one process would see two request contexts."""
    if is_installed():
        return
    loaded = [name for name in real_peer_modules() if peer_of(name) is not None]
    if loaded:
        shown = ", ".join(loaded[:5]) + (", ..." if len(loaded) > 5 else "")
        raise CompatError(
            f"kettle.compat.install() was called after the real {peer_of(loaded[0])} was"
            f" imported ({shown}). Call it before anything imports Flask, Werkzeug or"
            " Jinja2 (first thing in the entry script), or set KETTLE_COMPAT=1 in the"
            " environment."
        )
    sys.meta_path.insert(0, MirrorFinder())


def uninstall() -> None:
    """Remove the hook and forget the peer names it bound, so a later ``import flask`` finds
    whatever is installed. The Kettle modules themselves stay loaded."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, MirrorFinder)]
    for name, module in list(sys.modules.items()):
        if peer_of(name) is not None and getattr(module, "__name__", "").startswith("kettle."):
            del sys.modules[name]
