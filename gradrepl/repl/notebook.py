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
from gradrepl.session.magics import GRADREPL_MAGIC_COMMENT, UsageError, transform_escapes

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


# Magics only gradrepl has: saved as a comment, so the notebook still runs in Jupyter. `%graph`
# keeps the `#gradrepl ` form that gradrepl's sessions read as the magic (the shell's %load, replay);
# %save and %load are not run again (the cells %load ran are saved as cells of their own).
RERUN_AS_COMMENT = {"graph"}
NOT_RERUN = {"save", "load"}
_MAGIC_LINE = re.compile(r"^(?P<indent>\s*)%(?P<name>\w+)")


def saved_source(source: str) -> str:
    lines = []
    for line in source.split("\n"):
        match = _MAGIC_LINE.match(line)
        name = match["name"] if match else None
        if name in RERUN_AS_COMMENT:
            line = f"{match['indent']}{GRADREPL_MAGIC_COMMENT}{line.strip()}"
        elif name in NOT_RERUN:
            line = f"{match['indent']}# {line.strip()}  (gradrepl shell: not run again)"
        lines.append(line)
    return "\n".join(lines)


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names the cell assigns, names it reads); empty when the cell does not parse."""
    import ast

    try:
        tree = ast.parse(transform_escapes(source))
    except (SyntaxError, ValueError):
        return set(), set()
    assigned, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else assigned).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            assigned.add(node.name)
        elif isinstance(node, ast.alias):
            assigned.add((node.asname or node.name).split(".")[0])
    return assigned, read


def replay_tags_for(cells: list[CellRecord], shell_magics: set[str]) -> list[list[str]]:
    """The nbval tags that let `gradrepl replay` pass on each cell. An interrupted cell is skipped
    (replaying a runaway loop would hang), and since where it stopped cannot be replayed, so is the
    output of every later cell that reads what it left behind (directly or through other cells)."""
    unreproducible: set[str] = set()
    all_tags = []
    for cell in cells:
        assigned, read = _names(cell.source)
        if cell.ename == "KeyboardInterrupt":
            unreproducible |= assigned
            all_tags.append(["nbval-skip"])
            continue
        tags = ["raises-exception"] if cell.ename else []
        first = cell.source.lstrip().split("\n", 1)[0]
        magic = re.match(r"%(\w+)", first)
        depends = bool(read & unreproducible)
        if depends and "raises-exception" not in tags:
            tags.append("raises-exception")
        if depends or (magic and magic.group(1) in shell_magics) or help_target(first) or _TIMING.match(first):
            tags.append("nbval-ignore-output")
        if depends:
            unreproducible |= assigned
        all_tags.append(tags)
    return all_tags


def build_notebook(cells: list[CellRecord], shell_magics: set[str] = frozenset()):
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for index, (cell, tags) in enumerate(zip(cells, replay_tags_for(cells, shell_magics))):
        source = saved_source(cell.source)
        if index == 0 and not _IMPORTS_TORCH.search(source):
            # Into the first cell rather than a cell of its own, so cell numbers stay as they were.
            source = TORCH_IMPORT + source
        code = v4.new_code_cell(source=source, execution_count=cell.execution_count)
        code.outputs = [nbformat.from_dict(o) for o in cell.outputs]
        if tags:
            code.metadata["tags"] = tags
        nb.cells.append(code)
    return nb


def notebook_path(argument: str) -> Path:
    """``%save lesson`` writes ``lesson.ipynb``, as Jupyter names notebooks."""
    path = Path(argument).expanduser()
    if path.suffix == "":
        path = path.with_name(path.name + ".ipynb")
    if path.suffix != ".ipynb":
        raise UsageError(f"%save writes notebooks: %save {path.stem} (or {path.stem}.ipynb), not {argument}")
    return path


def _new_file_mode(path: Path) -> int:
    """The mode the file would get from open(): the old file's, or 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_notebook(path: Path, cells: list[CellRecord], shell_magics: set[str] = frozenset()) -> int:
    """Write the cells with their outputs atomically; returns how many cells were written.
    A path that cannot be written is one UsageError naming it."""
    import nbformat

    nb = build_notebook(cells, shell_magics)
    path = Path(path)
    # A temp file and a rename: an interrupted save never leaves half a notebook.
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    try:
        os.fchmod(fd, _new_file_mode(path))  # mkstemp makes it 0600, whatever the umask says
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, path)
    except BaseException as error:
        os.unlink(tmp)
        if isinstance(error, OSError):
            raise UsageError(f"cannot write {path}: {error.strerror}") from None
        raise
    return len(cells)


def read_code_cells(path: Path) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
