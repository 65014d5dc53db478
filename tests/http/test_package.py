"""``kettle.http`` exports its common names lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kettle.http
from kettle.http.headers import Headers
from kettle.http.multidict import MultiDict


def test_names_resolve_to_their_modules() -> None:
    assert kettle.http.Headers is Headers
    assert kettle.http.MultiDict is MultiDict
    for name in kettle.http.__all__:
        assert getattr(kettle.http, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        kettle.http.Nope  # noqa: B018


def test_importing_status_does_not_load_the_parsers() -> None:
    code = (
        "import sys, kettle.http.status; "
        "print(sorted(m for m in sys.modules if m.startswith('kettle.http.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert out.strip() == "['kettle.http.status']"
