"""``python -m flask``: the Kettle command line, as Flask's ``__main__`` runs its own."""

from __future__ import annotations

from .cli import main

main()
