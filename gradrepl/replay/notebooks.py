"""Finding notebooks on disk and reading them, with one-line messages for unusable input.

Notebooks are read as plain JSON (not through nbformat's NotebookNode) so that ``--update`` can write
back into the very text that was read. Version 3 notebooks are converted to version 4 with nbformat,
imported only then.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

CHECKPOINTS = ".ipynb_checkpoints"
_GLOB_CHARS = set("*?[")


class NotebookError(Exception):
    """Input replay cannot use: the message is one line, naming the path."""


@dataclass
class Notebook:
    path: str
    text: str
    data: dict
    converted_from: Optional[int] = None  # the original major version when it was converted

    @property
    def cells(self) -> list[dict]:
        return self.data["cells"]


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def joined(value) -> str:
    """nbformat stores multi-line strings either whole or as a list of lines."""
    return "".join(value) if isinstance(value, list) else (value or "")


def discover(paths: list[str]) -> list[str]:
    """Notebook paths from files, directories (recursive, checkpoints skipped) and globs, in order."""
    found: list[str] = []
    for arg in paths:
        if os.path.isdir(arg):
            matches = sorted(str(p) for p in Path(arg).rglob("*.ipynb") if CHECKPOINTS not in p.parts)
            if not matches:
                raise NotebookError(f"{arg}: no notebooks found in this directory")
        elif os.path.exists(arg):
            matches = [arg]
        elif _GLOB_CHARS & set(arg):
            matches = []
            for match in sorted(glob.glob(arg, recursive=True)):
                if os.path.isdir(match):
                    matches.extend(discover([match]))
                elif CHECKPOINTS not in Path(match).parts:
                    matches.append(match)
            if not matches:
                raise NotebookError(f"{arg}: no notebooks match this pattern")
        else:
            raise NotebookError(f"{arg}: no such file or directory")
        for match in matches:
            if match not in found:
                found.append(match)
    return found


def load(path: str) -> Notebook:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: not a notebook (not UTF-8 text)") from None
    except OSError as error:
        raise NotebookError(f"{path}: cannot read ({error.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise NotebookError(f"{path}: not a notebook (JSON nested too deeply)") from None
    except ValueError:  # a number with more digits than Python converts (sys.int_max_str_digits)
        raise NotebookError(f"{path}: not a notebook (a number too long to read)") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path}: not a notebook (no nbformat version)")
    version = data.get("nbformat")
    if version == 4:
        if not isinstance(data.get("cells"), list) or not all(isinstance(c, dict) for c in data["cells"]):
            raise NotebookError(f"{path}: not a notebook (no list of cells)")
        _check_cells(path, data["cells"])
        return Notebook(path, text, data)
    if version == 3:
        data = _convert_v3(path, text)
        _check_cells(path, data["cells"])
        return Notebook(path, text, data, converted_from=3)
    raise NotebookError(f"{path}: unsupported nbformat version {version!r} (gradrepl reads versions 3 and 4)")


def _check_cells(path: str, cells: list[dict]) -> None:
    """The parts of each cell replay relies on, so malformed files fail with a message, not a crash."""
    for number, cell in enumerate(cells, start=1):
        problem = _cell_problem(cell)
        if problem is None and _has_lone_surrogate(cell):
            problem = "text with a lone surrogate (not Unicode text)"
        if problem is not None:
            raise NotebookError(f"{path}: not a valid notebook (cell {number}: {problem})")


def _has_lone_surrogate(cell: dict) -> bool:
    """json.loads turns an escaped surrogate pair into one character; an unpaired one stays a
    surrogate, which no UTF-8 file, terminal or report can hold."""
    try:
        json.dumps(cell, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_text(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(s, str) for s in value))


def _cell_problem(cell: dict) -> str | None:
    if not isinstance(cell.get("cell_type", "code"), str):
        return "cell_type is not text"
    if not _is_text(cell.get("source", "")):
        return "source is not text"
    if not isinstance(cell.get("metadata", {}), dict):
        return "metadata is not an object"
    if cell.get("cell_type") != "code":
        return None
    count = cell.get("execution_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        return "execution_count is not a number"
    outputs = cell.get("outputs", [])
    if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        return "outputs is not a list of outputs"
    for output in outputs:
        problem = _output_problem(output)
        if problem is not None:
            return problem
    return None


def _output_problem(output: dict) -> str | None:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") not in ("stdout", "stderr"):
            return f"a stream output named {output.get('name')!r}, not stdout or stderr"
        if not _is_text(output.get("text", "")):
            return "a stream output whose text is not text"
    elif kind in ("execute_result", "display_data"):
        data = output.get("data")
        if not isinstance(data, dict):
            return f"an {kind} output whose data is not an object"
        for mime, value in data.items():
            if mime.startswith("text/") and not _is_text(value):
                return f"an {kind} output whose {mime} is not text"
    elif kind == "error":
        if not isinstance(output.get("ename", ""), str) or not isinstance(output.get("evalue", ""), str):
            return "an error output whose ename or evalue is not text"
    else:
        return f"an output of unknown type {kind!r}"
    return None


def _convert_v3(path: str, text: str) -> dict:
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many types for malformed v3 files
        raise NotebookError(f"{path}: not a valid nbformat 3 notebook ({type(error).__name__})") from None
    return json.loads(json.dumps(notebook))
