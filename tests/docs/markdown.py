"""Reading a Markdown page as the doc tests see it: fenced code blocks, the ``doc:`` marker
that says what to do with each, and hidden ``doc-check`` blocks.

Rules (the convention docs/README.md documents for writers):
- A fence is a line starting with three backticks, optionally indented, with an optional
  language (```python). Untagged and ``text`` blocks (layouts, output) never run.
- ``<!-- doc: skip: REASON -->``, ``<!-- doc: file PATH -->`` or ``<!-- doc: run -->`` on the
  line before a fence (blank lines allowed between) is that block's marker.
- ``<!-- doc-check`` ... ``-->`` is Python a reader does not see, run at that point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*doc:\s*(?P<kind>skip|file|run)\b:?\s*(?P<arg>.*?)\s*-->\s*$")
CHECK_START = re.compile(r"^\s*<!--\s*doc-check\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block, or a hidden check (``lang == "check"``)."""

    lang: str
    text: str
    line: int  # 1-based line of the first line of code in the page
    kind: str = ""  # "", "skip", "file" or "run"
    arg: str = ""  # the skip reason or the file path


class MarkdownError(ValueError):
    """A page the doc tests cannot read: an unclosed fence or check, a bad marker."""


def read_blocks(path: Path) -> list[Block]:
    """Every fenced block and hidden check of ``path``, in page order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    marker: tuple[str, str, int] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        found = MARKER.match(line)
        if found:
            marker = (found["kind"], found["arg"], index + 1)
            index += 1
            continue
        if CHECK_START.match(line):
            end = _closing(lines, index, "-->", "doc-check", path)
            blocks.append(Block("check", "\n".join(lines[index + 1 : end]) + "\n", index + 2))
            index = end + 1
            continue
        fence = FENCE.match(line)
        if fence:
            end = _closing(lines, index, fence["indent"] + "```", "fence", path)
            width = len(fence["indent"])
            text = "\n".join(body[width:] for body in lines[index + 1 : end]) + "\n"
            kind, arg = (marker[0], marker[1]) if marker else ("", "")
            blocks.append(Block(fence["lang"].lower(), text, index + 2, kind, arg))
            marker = None
            index = end + 1
            continue
        if marker and line.strip():
            raise MarkdownError(
                f"{path}:{marker[2]}: a doc: marker must come right before a fence"
            )
        index += 1
    return blocks


def _closing(lines: list[str], start: int, closer: str, what: str, path: Path) -> int:
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() == closer or (closer == "-->" and lines[end].strip() == "-->"):
            return end
    raise MarkdownError(f"{path}:{start + 1}: unclosed {what}")
