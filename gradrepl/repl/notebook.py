"""``%save`` and ``%load``: the shell's cells to and from a notebook file (nbformat v4).

A saved notebook must pass ``gradrepl replay`` as it is, so ``%save`` keeps every cell, in order
(cells refer to each other by number, ``Out[4]``, so none may go missing), and tags the ones whose
output cannot be replayed: the shell's own magics and timings (`nbval-ignore-output`), errors
(`raises-exception`) and interrupted cells (`nbval-skip`: replaying a runaway loop would hang).
nbformat is imported only here, so it stays off the shell's start-up path.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gradrepl.repl.magics import help_target

# The shell has `torch` imported before the first cell; a notebook must import it itself.
TORCH_IMPORT = "import torch  # the gradrepl shell imports torch before the first cell\n"
_IMPORTS_TORCH = re.compile(r"^\s*(import torch\b|from torch\b)", re.MULTILINE)
_TIMING = re.compile(r"^\s*%%?time(it)?\b")


@dataclass
class CellRecord:
    """One cell the user ran, as a notebook would hold it."""

    source: str
    execution_count: int | None
    outputs: list[dict] = field(default_factory=list)
    ename: str | None = None  # the exception the cell raised, if any


def replay_tags(cell: CellRecord, shell_magics: set[str]) -> list[str]:
    """The nbval tags that let `gradrepl replay` pass on this cell."""
    if cell.ename == "KeyboardInterrupt":
        return ["nbval-skip"]
    tags = ["raises-exception"] if cell.ename else []
    first = cell.source.lstrip().split("\n", 1)[0]
    magic = re.match(r"%(\w+)", first)
    if (magic and magic.group(1) in shell_magics) or help_target(first) or _TIMING.match(first):
        tags.append("nbval-ignore-output")
    return tags


def build_notebook(cells: list[CellRecord], shell_magics: set[str] = frozenset()):
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(cells):
        source = cell.source
        if index == 0 and not _IMPORTS_TORCH.search(source):
            # Into the first cell rather than a cell of its own, so cell numbers stay as they were.
            source = TORCH_IMPORT + source
        code = v4.new_code_cell(source=source, execution_count=cell.execution_count)
        code.outputs = [nbformat.from_dict(o) for o in cell.outputs]
        tags = replay_tags(cell, shell_magics)
        if tags:
            code.metadata["tags"] = tags
        nb.cells.append(code)
    return nb


def write_notebook(path: Path, cells: list[CellRecord], shell_magics: set[str] = frozenset()) -> int:
    """Write the cells with their outputs atomically; returns how many cells were written."""
    import nbformat

    nb = build_notebook(cells, shell_magics)
    path = Path(path)
    # A temp file and a rename: an interrupted save never leaves half a notebook.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return len(cells)


def read_code_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
