"""The example sessions in docs/shell.md and the README, run cell by cell: the documentation stays
true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ShellDriver

ROOT = Path(__file__).resolve().parents[2]
DOCS = {ROOT / "docs" / "shell.md": 13, ROOT / "README.md": 8}
_PROMPT = re.compile(r"^In \[(\d+)\]: (.*)$")
_CONTINUATION = re.compile(r"^ *\.\.\.: ?(.*)$")


def doc_cells(text: str) -> list[tuple[str, str]]:
    """(source, expected screen) for each `In [n]:` of the ```ipython block."""
    block = text.split("```ipython\n", 1)[1].split("```", 1)[0]
    cells: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        prompt = _PROMPT.match(line)
        if prompt:
            cells.append(([prompt.group(2)], []))
        elif cells and not cells[-1][1] and _CONTINUATION.match(line):
            cells[-1][0].append(_CONTINUATION.match(line).group(1))
        elif cells:
            cells[-1][1].append(line)
    return [("\n".join(source), "\n".join(screen).strip("\n")) for source, screen in cells]


@pytest.mark.parametrize("doc", sorted(DOCS), ids=lambda path: path.name)
def test_the_documented_session(engine, doc):
    driver = ShellDriver(engine)
    cells = doc_cells(doc.read_text(encoding="utf-8"))
    assert len(cells) == DOCS[doc]
    for source, expected in cells:
        assert driver.run(source).strip("\n") == expected, source
