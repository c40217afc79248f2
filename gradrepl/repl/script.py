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
    """Run ``source`` as one cell; the exit status is Python's for the same code (0, 1 when it
    raised, ``sys.exit``'s status, 130 after Ctrl-C), or 2 without an engine."""
    from gradrepl.repl.session_adapter import open_session

    printer = OutputPrinter(stdout or sys.stdout, stderr or sys.stderr, PromptStyle(classic=True), color=False)
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as error:  # undecodable bytes in -c, kept by Python as surrogates
        what = "the -c code" if where == 'File "<string>"' else _name(where)
        printer.stderr.write(f"gradrepl: cannot run {what}: it is not UTF-8 text (character {error.start + 1})\n")
        return 1
    try:
        session = open_session(engine)
    except Exception as exc:
        printer.stderr.write(f"gradrepl: cannot load the {engine} engine: {type(exc).__name__}: {exc}\n")
        return 2
    from gradrepl.session.cells import cell_filename

    cell_file = cell_filename(source)

    def show(output: dict) -> None:
        if output.get("output_type") == "error" and output.get("ename") == "SystemExit":
            return  # sys.exit() ends a script quietly, as in Python
        printer.show(_relabel(output, where, cell_file))

    try:
        result = session.run_cell(source, on_output=show)
    except KeyboardInterrupt:
        printer.show_error("KeyboardInterrupt", "")
        return 130
    return _exit_status(result.error, printer)


def _name(where: str) -> str:
    return where.removeprefix('File "').removesuffix('"')


def _exit_status(error, printer) -> int:
    if error is None:
        return 0
    if error.exit_status is not None:  # SystemExit: a message (sys.exit("bye")) goes to stderr
        if error.exit_message is not None:
            printer.stderr.write(error.exit_message + "\n")
        return error.exit_status
    # Ctrl-C ends a script with 130 (128 + SIGINT), as the shell and Python itself do.
    return 130 if error.ename == "KeyboardInterrupt" else 1


def decode_source(data: bytes, name: str) -> tuple[str | None, str | None]:
    """Python's rules for a script's bytes: a UTF-8 BOM or a coding cookie, UTF-8 otherwise.
    Returns (source, None), or (None, the one-line SyntaxError Python gives)."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), None
    except SyntaxError as error:
        if str(error) == "invalid or missing encoding declaration":
            # tokenize's words for bytes that are not UTF-8 in the first two lines, no cookie given:
            # Python itself names the byte, as for later lines
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                return None, _not_utf8(data, bad, name)
        return None, f"SyntaxError: {error.msg if hasattr(error, 'msg') else error}"
    except (UnicodeDecodeError, LookupError) as error:
        return None, _not_utf8(data, error, name)


def _not_utf8(data: bytes, error, name: str) -> str:
    start = getattr(error, "start", 0)
    line = data[:start].count(b"\n") + 1
    byte = data[start:start + 1]
    return (f"SyntaxError: Non-UTF-8 code starting with '\\x{byte.hex()}' in file {name} on line {line}, "
            "but no encoding declared; see https://peps.python.org/pep-0263/ for details")


def run_stdin(engine: str = "gradrepl") -> int:
    data = sys.stdin.buffer.read() if sys.stdin is not None and hasattr(sys.stdin, "buffer") else b""
    source, problem = decode_source(data, "<stdin>")
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return 1
    return run_source(source, engine, where='File "<stdin>"')


def run_file(path: str, engine: str = "gradrepl", stdout: TextIO | None = None,
             stderr: TextIO | None = None) -> int:
    err = stderr or sys.stderr
    if path.endswith(".ipynb"):
        err.write(f"gradrepl run: {path} is a notebook, not a Python file; "
                  f"to check it against its recorded outputs: gradrepl replay {path}\n")
        return 2
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        err.write(f"gradrepl: cannot read {path}: {exc.strerror}\n")
        return 2
    source, problem = decode_source(data, path)
    if problem is not None:
        err.write(problem + "\n")
        return 1
    return run_source(source, engine, stdout, stderr, where=f'File "{path}"')
