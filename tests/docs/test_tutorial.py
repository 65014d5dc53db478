"""The tutorial and examples/blog agree: the last version of every file the tutorial has
the reader write is, byte for byte, the file in examples/blog, and examples/blog has no
file the tutorial does not show. (test_docs.py follows the tutorial in an empty folder.)"""

from __future__ import annotations

from pathlib import Path

from .markdown import read_blocks

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
EXAMPLE = ROOT / "examples" / "blog"
# Not part of the reader's project: how to run the example inside this repository.
EXAMPLE_ONLY = {"README.md"}


def tutorial_files() -> dict[str, str]:
    """Reader's path -> its last text, for every ``doc: file`` block of the tutorial."""
    return {block.arg: block.text for block in read_blocks(TUTORIAL) if block.kind == "file"}


def example_path(reader_path: str) -> str:
    """``blog/x`` is ``examples/blog/x``; ``tests/x`` is ``examples/blog/tests/x``."""
    if reader_path.startswith("blog/"):
        return reader_path.removeprefix("blog/")
    assert reader_path.startswith("tests/"), f"{reader_path}: outside blog/ and tests/"
    return reader_path


def test_tutorial_final_files_are_examples_blog() -> None:
    files = tutorial_files()
    assert len(files) == 18
    different = [
        path
        for path, text in files.items()
        if (EXAMPLE / example_path(path)).read_text(encoding="utf-8") != text
    ]
    assert different == []


def test_examples_blog_has_no_file_the_tutorial_does_not_show() -> None:
    shown = {example_path(path) for path in tutorial_files()}
    present = {
        path.relative_to(EXAMPLE).as_posix()
        for path in EXAMPLE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert present - shown == EXAMPLE_ONLY
