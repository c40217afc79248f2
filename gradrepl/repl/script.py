"""Non-interactive use: ``gradrepl run FILE``, ``gradrepl -c CODE`` and code piped on stdin.

The code runs as one cell through the same session as the shell and notebooks, outputs are
printed as they happen (a result value without an ``Out[n]:`` label), and the exit status is 1 when
the code raises (130 when interrupted with Ctrl-C).
"""

from __future__ import annotations

import sys
from typing import TextIO

from gradrepl.repl.display import OutputPrinter
from gradrepl.repl.prompts import PromptStyle


def _relabel(output: dict, where: str, cell_file: str) -> dict:
    """Tracebacks name the script (``File "train.py", line 3``), not ``Cell In[1]``, and so do
    warnings (``train.py:4: UserWarning``, as python prints them), not the cell's ipykernel file."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        script = where.removeprefix('File "').removesuffix('"')
        return dict(output, text=output["text"].replace(f"{cell_file}:", f"{script}:"))
    if output.get("output_type") != "error":
        return output
    lines = [line.replace("Cell In[1],", f"{where},", 1) for line in output.get("traceback", [])]
    return dict(output, traceback=lines)


def run_source(source: str, engine: str = "gradrepl", stdout: TextIO | None = None,
               stderr: TextIO | None = None, where: str = 'File "<string>"') -> int:
    """Run ``source`` as one cell; 0 when it ran through, 1 when it raised, 2 without an engine."""
    from gradrepl.repl.session_adapter import open_session

    printer = OutputPrinter(stdout or sys.stdout, stderr or sys.stderr, PromptStyle(classic=True), color=False)
    try:
        session = open_session(engine)
    except Exception as exc:
        printer.stderr.write(f"gradrepl: cannot load the {engine} engine: {type(exc).__name__}: {exc}\n")
        return 2
    from gradrepl.session.cells import cell_filename

    cell_file = cell_filename(source)
    try:
        result = session.run_cell(source, on_output=lambda output: printer.show(_relabel(output, where, cell_file)))
    except KeyboardInterrupt:
        printer.show_error("KeyboardInterrupt", "")
        return 130
    if result.error is None:
        return 0
    # Ctrl-C ends a script with 130 (128 + SIGINT), as the shell and Python itself do.
    return 130 if result.error.ename == "KeyboardInterrupt" else 1


def run_file(path: str, engine: str = "gradrepl", stdout: TextIO | None = None,
             stderr: TextIO | None = None) -> int:
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as exc:
        (stderr or sys.stderr).write(f"gradrepl: cannot read {path}: {exc.strerror}\n")
        return 2
    return run_source(source, engine, stdout, stderr, where=f'File "{path}"')
