"""The layer map of STYLE.md, enforced: each layer imports only the layers allowed to it.

Every import statement counts, including ones inside functions (no dodging a cycle by
hiding an import), and ``if TYPE_CHECKING`` blocks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

# Which kettle layers each layer may import. Top-level modules (kettle/__init__.py,
# kettle/flask.py, ...) are the public face and may import any layer but the server.
ALLOWED: dict[str, set[str]] = {
    "http": {"http"},
    "templates": {"templates"},
    "server": {"server", "http"},
    "realtime": {"realtime", "http", "templates"},
    "web": {"web", "http", "templates", "realtime"},
    # The drop-in mirror (kettle.compat) may reach every layer; no layer imports it.
    "compat": {"compat", "http", "templates", "realtime", "web", "server", ""},
    "": {"", "http", "templates", "realtime", "web"},
}
# The only modules of the web layer that may start the server: the CLI and app.run.
SERVER_GATEWAYS = {"kettle.web.cli", "kettle.web.app", "kettle.web.devserver"}
# Peers we measure against; src/kettle must never import them.
FORBIDDEN_THIRD_PARTY = {"jinja2", "flask", "werkzeug", "waitress", "mako", "gunicorn"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ALLOWED and parts[1] != "":
        return parts[1]
    return ""


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from kettle import server` names a layer too.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def check_tree(root: Path) -> list[str]:
    """Return one message per forbidden import below ``root`` (a folder holding ``kettle``)."""
    problems: list[str] = []
    for path in sorted((root / "kettle").rglob("*.py")):
        module = module_name(path, root)
        layer = layer_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for lineno, target in imported_modules(tree, module, path.name == "__init__.py"):
            top = target.split(".")[0]
            where = f"{path.relative_to(root)}:{lineno}"
            if top in FORBIDDEN_THIRD_PARTY:
                problems.append(f"{where}: {module} imports peer {target}")
                continue
            if top != "kettle":
                continue
            target_parts = target.split(".")
            target_layer = target_parts[1] if len(target_parts) > 1 else ""
            if target_layer not in ALLOWED:
                target_layer = ""  # kettle.<top-level module>, e.g. kettle.__version__
            if target_layer == "server" and module in SERVER_GATEWAYS:
                continue
            if target_layer not in ALLOWED[layer]:
                problems.append(f"{where}: layer {layer or 'kettle'} may not import {target}")
    return problems


def test_src_keeps_the_layer_map() -> None:
    assert check_tree(SRC) == []


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "source", "message"),
    [
        (
            "kettle/templates/x.py",
            "from kettle.http import headers\n",
            "kettle/templates/x.py:1: layer templates may not import kettle.http",
        ),
        (
            "kettle/http/x.py",
            "def f():\n    import kettle.web.app\n",
            "kettle/http/x.py:2: layer http may not import kettle.web.app",
        ),
        (
            "kettle/server/x.py",
            "from ..web import app\n",
            "kettle/server/x.py:1: layer server may not import kettle.web",
        ),
        (
            "kettle/web/routing.py",
            "from kettle import server\n",
            "kettle/web/routing.py:1: layer web may not import kettle.server",
        ),
        (
            "kettle/realtime/sse.py",
            "import jinja2\n",
            "kettle/realtime/sse.py:1: kettle.realtime.sse imports peer jinja2",
        ),
        (
            "kettle/web/app.py",
            "from kettle.compat import flask\n",
            "kettle/web/app.py:1: layer web may not import kettle.compat",
        ),
    ],
    ids=[
        "templates-to-http",
        "hidden-in-function",
        "relative-upward",
        "web-to-server",
        "peer",
        "web-to-compat",
    ],
)
def test_forbidden_import_is_reported(
    tmp_path: Path, relative: str, source: str, message: str
) -> None:
    write(tmp_path, "kettle/__init__.py", "")
    write(tmp_path, relative, source)
    assert message in check_tree(tmp_path)


def test_allowed_imports_pass(tmp_path: Path) -> None:
    write(tmp_path, "kettle/__init__.py", "from kettle.web import app\n")
    write(tmp_path, "kettle/web/app.py", "from kettle.server import serve\nfrom ..http import x\n")
    write(tmp_path, "kettle/realtime/sse.py", "from kettle.templates import Environment\n")
    assert check_tree(tmp_path) == []
