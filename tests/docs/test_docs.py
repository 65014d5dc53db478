"""Every page a reader follows runs as written: each README.md and docs/*.md, block by block,
in a fresh folder (tests/docs/runner.py), with the marker convention of docs/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from kettle import Kettle

from .markdown import Block, MarkdownError, read_blocks
from .runner import PageRun, problem

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_FOLDERS = {"node_modules", "work"}  # compat/jinja/work: a checkout of Jinja2


def readmes() -> list[Path]:
    """Every README.md of the repository, outside hidden and generated folders."""
    return sorted(
        path
        for path in ROOT.rglob("README.md")
        if not any(
            part.startswith(".") or part in SKIPPED_FOLDERS
            for part in path.relative_to(ROOT).parts
        )
    )


PAGES = [*readmes(), *sorted(set((ROOT / "docs").glob("*.md")) - set(readmes()))]


def page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_block_is_classified(page: Path) -> None:
    """A shell, HTML or other block must say whether it runs, is a file, or why not."""
    wrong = [
        f"{page_id(page)}:{block.line}: {reason}"
        for block in read_blocks(page)
        if (reason := problem(block)) is not None
    ]
    assert wrong == []


@pytest.mark.timeout(300)
@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_runs_as_written(page: Path, tmp_path: Path) -> None:
    run = PageRun(page, tmp_path)
    run.run(read_blocks(page))
    for module in run.modules:
        for value in list(vars(module).values()):
            if isinstance(value, Kettle):
                assert duplicate_rules(value) == [], f"{page_id(page)}: a view is shadowed"


def duplicate_rules(app: Kettle) -> list[str]:
    """Rules that another rule for the same URL and method hides (the second never runs).
    A rule without a view (``add_url_rule("/", endpoint="index")``) only builds URLs."""
    seen: set[tuple[str, str]] = set()
    hidden = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in app.view_functions:
            continue
        for method in sorted(rule.methods or ()):
            key = (rule.rule, method)
            if key in seen and method not in ("HEAD", "OPTIONS"):
                hidden.append(f"{method} {rule.rule} -> {rule.endpoint}")
            seen.add(key)
    return hidden


def test_markers_and_checks_are_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n<!-- doc: skip: a fragment -->\n```python\nreturn x\n```\n"
        "<!-- doc: file templates/a.html -->\n\n```html\n<p>{{ x }}</p>\n```\n"
        "<!-- doc-check\nassert 1\n-->\n  ```sh\n  ls\n  ```\n```\nplain\n```\n"
    )
    assert read_blocks(page) == [
        Block("python", "return x\n", 5, "skip", "a fragment"),
        Block("html", "<p>{{ x }}</p>\n", 10, "file", "templates/a.html"),
        Block("check", "assert 1\n", 13),
        Block("sh", "ls\n", 16),
        Block("", "plain\n", 19),
    ]
    assert [problem(block) for block in read_blocks(page)] == [
        None,
        None,
        None,
        "mark a shell block <!-- doc: run --> or <!-- doc: skip: why -->",
        None,
    ]


def test_marker_away_from_a_fence_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- doc: run -->\nsome text\n```sh\nls\n```\n")
    with pytest.raises(MarkdownError, match=r"page\.md:1: a doc: marker must come right before"):
        read_blocks(page)


def test_failing_block_names_the_page_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```python\nx = 1\nassert x == 2, 'wrong'\n```\n")
    (tmp_path / "reader").mkdir()
    with pytest.raises(AssertionError, match="wrong") as caught:
        PageRun(page, tmp_path / "reader").run(read_blocks(page))
    last = caught.traceback[-1]
    assert (str(last.path), last.lineno + 1) == (str(page), 5)


def test_blocks_build_the_module_and_shell_sees_it(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\n# shop.py\nfrom kettle import Kettle\n\napp = Kettle(__name__)\n```\n\n"
        '```python\n@app.route("/")\ndef index():\n    return "open"\n```\n\n'
        "<!-- doc: run -->\n```sh\nmkdir sub && cd sub\n```\n"
        "<!-- doc: file out.txt -->\n```\nhi\n```\n"
        "<!-- doc-check\nassert app.test_client().get('/').text == 'open'\n-->\n"
    )
    reader = tmp_path / "reader"
    reader.mkdir()
    run = PageRun(page, reader)
    run.run(read_blocks(page))
    assert (reader / "shop.py").read_text() == (
        'from kettle import Kettle\n\napp = Kettle(__name__)\n\n\n@app.route("/")\n'
        'def index():\n    return "open"\n'
    ).replace("from kettle", "# shop.py\nfrom kettle")
    assert (reader / "sub" / "out.txt").read_text() == "hi\n"
    assert run.files == {"sub/out.txt": "hi\n"}


def test_failing_shell_block_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- doc: run -->\n```sh\ntrue\nfalse\necho never\n```\n")
    with pytest.raises(AssertionError, match=r"page.md:3: shell block failed \(1\)"):
        PageRun(page, tmp_path).run(read_blocks(page))
