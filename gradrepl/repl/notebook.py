"""``%save`` and ``%load``: the shell's cells to and from a notebook file (nbformat v4).

nbformat is imported only here, so it stays off the shell's start-up path.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CellRecord:
    """One cell the user ran, as a notebook would hold it."""

    source: str
    execution_count: int | None
    outputs: list[dict] = field(default_factory=list)
    raised: bool = False
    ignore_output: bool = False  # timings (%time, %timeit) differ on every run


def write_notebook(path: Path, cells: list[CellRecord]) -> int:
    """Write the cells with their outputs; a cell that raised gets the `raises-exception` tag
    so that `gradrepl replay` expects its error instead of failing on it. Returns the count."""
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        code = v4.new_code_cell(source=cell.source, execution_count=cell.execution_count)
        code.outputs = [nbformat.from_dict(o) for o in cell.outputs]
        tags = (["raises-exception"] if cell.raised else []) + (
            ["nbval-ignore-output"] if cell.ignore_output else [])
        if tags:
            code.metadata["tags"] = tags
        nb.cells.append(code)
    path = Path(path)
    # Write to a temp file and rename, so an interrupted save never leaves half a notebook.
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", suffix=".ipynb")
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
