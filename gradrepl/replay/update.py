"""``--update``: write the produced outputs back into a notebook, atomically and byte-stable.

A cell is rewritten only when its outputs differ from the recorded ones (under the same comparison
replay uses) or when it has never been executed; everything else keeps its bytes. The update is
refused, leaving the file untouched, when a cell raised an exception it was not marked to raise:
recording a traceback as a lesson's expected output is almost never what the author wants.
"""

from __future__ import annotations

import json
import os
import tempfile

from gradrepl.replay import jsontext
from gradrepl.replay.notebooks import Notebook
from gradrepl.replay.results import CellReport, NotebookReport


class UpdateRefused(Exception):
    pass


def cells_to_update(report: NotebookReport) -> list[CellReport]:
    return [cell for cell in report.cells if cell.produced_outputs is not None and cell.needs_update]


def check_updatable(report: NotebookReport) -> None:
    raised = [cell for cell in report.cells if cell.raised]
    if raised:
        cell = raised[0]
        more = f" (and {len(raised) - 1} more cell{'s' if len(raised) > 2 else ''})" if len(raised) > 1 else ""
        raise UpdateRefused(f"{report.path}: not updated: {cell.name} raised {cell.reason.removeprefix('raised ')}"
                            f"{more}; to record an error, tag its cell raises-exception or add "
                            "# NBVAL_RAISES_EXCEPTION")
    if report.stopped_early:
        raise UpdateRefused(f"{report.path}: not updated: the run stopped early (--fail-fast)")


def updated_text(notebook: Notebook, report: NotebookReport) -> str | None:
    """The notebook's new text, or None when nothing needs to change."""
    changed = cells_to_update(report)
    if not changed and notebook.converted_from is None:
        return None
    if notebook.converted_from is not None:
        return _whole_notebook(notebook, changed)
    text = notebook.text
    newline = "\r\n" if "\r\n" in text else "\n"  # a notebook saved on Windows keeps its line endings
    indent = jsontext.indent_unit(text)
    spans = jsontext.cell_members(text)
    replacements = []
    for cell in changed:
        members = spans[cell.index]
        if "outputs" not in members or "execution_count" not in members:
            return _whole_notebook(notebook, changed)
        outputs = [jsontext.split_lines(o) for o in cell.produced_outputs]
        key_start, value_start, value_end = members["outputs"]
        prefix = jsontext.indentation_before(text, key_start) or ""
        value = jsontext.dumps_value(outputs, indent, prefix).replace("\n", newline)
        replacements.append((value_start, value_end, value))
        _, count_start, count_end = members["execution_count"]
        replacements.append((count_start, count_end, json.dumps(cell.execution_count)))
    return jsontext.replace_spans(text, replacements)


def _whole_notebook(notebook: Notebook, changed: list[CellReport]) -> str:
    data = notebook.data
    for cell in changed:
        data["cells"][cell.index]["outputs"] = [jsontext.split_lines(o) for o in cell.produced_outputs]
        data["cells"][cell.index]["execution_count"] = cell.execution_count
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomically(path: str, text: str) -> None:
    """Temp file in the same directory, fsync, rename: readers see the old file or the new one."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".gradrepl-", suffix=".ipynb.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        try:
            os.chmod(temp_path, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise


def update_notebook(notebook: Notebook, report: NotebookReport) -> int:
    """Write the produced outputs into the notebook file; returns how many cells changed."""
    check_updatable(report)
    text = updated_text(notebook, report)
    if text is None or text == notebook.text:
        return 0
    write_atomically(notebook.path, text)
    return len(cells_to_update(report))
