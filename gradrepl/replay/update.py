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
from gradrepl.replay.notebooks import Notebook, joined
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
        if not cell.reason.startswith("raised "):  # the notebook's process died: nothing to record
            raise UpdateRefused(f"{report.path}: not updated: {cell.name}: {cell.reason}")
        raise UpdateRefused(f"{report.path}: not updated: {cell.name} raised {cell.reason.removeprefix('raised ')}"
                            f"{more}; to record an error, tag its cell raises-exception or add "
                            "# NBVAL_RAISES_EXCEPTION")
    if report.stopped_early:
        raise UpdateRefused(f"{report.path}: not updated: the run stopped early (--fail-fast)")


def updated_text(notebook: Notebook, report: NotebookReport, cpu: dict | None = None) -> str | None:
    """The notebook's new text, or None when nothing needs to change; ``cpu``: the CPU the new
    outputs were computed as, stamped in ``metadata.gradrepl`` (``{"cpu_vendor": ...,
    "cpu_isa": ...}``)."""
    changed = cells_to_update(report)
    if not changed:
        return None
    if notebook.converted_from is not None:
        raise UpdateRefused(f"{notebook.path}: not updated: it is an nbformat {notebook.converted_from} notebook "
                            "and gradrepl writes only nbformat 4 (open and save it in Jupyter first)")
    text = notebook.text
    newline = "\r\n" if "\r\n" in text else "\n"  # a notebook saved on Windows keeps its line endings
    indent = jsontext.indent_unit(text)
    replacements = []
    objects = jsontext.cell_objects(text)
    for cell in changed:
        members, _ = objects[cell.index]
        outputs = kept_outputs(notebook, cell)
        values = {"outputs": [jsontext.split_lines(o) for o in outputs], "execution_count": cell.execution_count}
        last_key, _, last_end = max(members.values(), key=lambda span: span[2])
        prefix = jsontext.indentation_before(text, last_key)
        for key, value in values.items():
            if key in members:
                key_start, value_start, value_end = members[key]
                at = jsontext.indentation_before(text, key_start) or ""
                replacements.append((value_start, value_end,
                                     jsontext.dumps_value(value, indent, at).replace("\n", newline)))
            else:  # a cell missing the key: add it after the last member, leaving the rest alone
                at = prefix or ""
                member = (f"{json.dumps(key)}: " + jsontext.dumps_value(value, indent, at)).replace("\n", newline)
                gap = f",{newline}{at}" if prefix is not None else ", "
                replacements.append((last_end, last_end, gap + member))
    text = jsontext.replace_spans(text, replacements)
    # where the outputs come from (docs/replay.md, "Samples on another CPU"), one member at a
    # time: the second may go into the object the first adds
    for key, value in (cpu or {}).items():
        text = jsontext.replace_spans(
            text, jsontext.set_member(text, ("metadata", "gradrepl", key), value, indent, newline))
    return text


def _is_figure(output: dict) -> bool:
    return output.get("output_type") == "display_data" and any(
        mime.startswith("image/") for mime in output.get("data") or {})


def _rich(output: dict) -> bool:
    return output.get("output_type") in ("execute_result", "display_data") and any(
        mime != "text/plain" for mime in output.get("data") or {})


def kept_outputs(notebook: Notebook, cell: CellReport) -> list[dict]:
    """The produced outputs, keeping what gradrepl cannot produce itself.

    Figures (``display_data`` with an image) stay where they were among the outputs. A recorded
    result or display carrying other formats (``text/html``) is kept whole when its ``text/plain`` is
    unchanged; when that text changed, its other formats would be stale, so the update is refused.
    """
    recorded = notebook.cells[cell.index].get("outputs") or []
    produced = list(cell.produced_outputs or [])
    recorded_values = [o for o in recorded if o.get("output_type") in ("execute_result", "display_data")
                       and not _is_figure(o)]
    produced_values = [o for o in produced if o.get("output_type") in ("execute_result", "display_data")]
    for old, new in zip(recorded_values, produced_values):
        if not _rich(old):
            continue
        if joined(old["data"].get("text/plain")) != joined(new["data"].get("text/plain")):
            formats = ", ".join(sorted(m for m in old["data"] if m != "text/plain"))
            raise UpdateRefused(f"{notebook.path}: not updated: {cell.name} has recorded {formats} output, "
                                "which gradrepl cannot produce, and its text changed; re-record that cell "
                                "in Jupyter or tag it nbval-ignore-output")
        kept = dict(old)
        if "execution_count" in kept:
            kept["execution_count"] = new.get("execution_count")
        produced[produced.index(new)] = kept
    for position, output in enumerate(recorded):
        if _is_figure(output):
            produced.insert(min(position, len(produced)), output)
    return produced


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: str, text: str, suffix: str = ".ipynb.tmp") -> None:
    """Temp file in the same directory, fsync, rename: readers see the old file or the new one.

    A symbolic link is written through (its target is replaced, the link stays); the file keeps its
    mode. A hard-linked file is rewritten in place instead, since a rename would cut it off from its
    other names; signals are held off while it is written. Lone surrogates a cell printed are written
    as JSON escapes (``\\udcff``), which read back as the same string.
    """
    target = os.path.realpath(path)
    data = text.encode("utf-8", errors="backslashreplace")
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None and status.st_nlink > 1:
        _write_in_place(target, data)
        return
    directory = os.path.dirname(target)
    handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".gradrepl-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_path, status.st_mode & 0o7777 if status is not None else _new_file_mode())
        os.replace(temp_path, target)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise


def _write_in_place(target: str, data: bytes) -> None:
    import signal

    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        with open(target, "r+b") as handle:
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def update_problem(notebook: Notebook) -> str | None:
    """Why ``--update`` could never write this notebook, checked before the run; None when it can."""
    target = os.path.realpath(notebook.path)
    status = os.stat(target)
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        return f"{notebook.path}: the notebook is read-only; --update will not change it"
    if status.st_nlink > 1:
        return None  # rewritten in place: its folder need not be writable
    directory = os.path.dirname(target)
    if not os.access(directory, os.W_OK | os.X_OK) or not os.stat(directory).st_mode & 0o222:
        return f"{notebook.path}: its folder {directory} is read-only; --update cannot write the notebook"
    return None


def _changed_on_disk(notebook: Notebook) -> bool:
    try:
        with open(os.path.realpath(notebook.path), encoding="utf-8", newline="") as handle:
            return handle.read() != notebook.text
    except (OSError, UnicodeDecodeError):
        return True


def update_notebook(notebook: Notebook, report: NotebookReport, cpu: dict | None = None) -> int:
    """Write the produced outputs into the notebook file, stamped with the CPU they were
    computed as when given (``updated_text``); returns how many cells changed."""
    check_updatable(report)
    text = updated_text(notebook, report, cpu)
    if text is None or text == notebook.text:
        return 0
    if _changed_on_disk(notebook):
        raise UpdateRefused(f"{notebook.path}: not updated: the file changed on disk while replay ran "
                            "(edited or autosaved); replay it again")
    write_atomically(notebook.path, text)
    return len(cells_to_update(report))
