"""Showing a cell's outputs on the terminal as they happen.

Outputs arrive as nbformat v4 dicts from the session. This module writes them to the streams the
shell started with (never to ``sys.stdout`` at call time, which the session may be capturing), and
turns errors into one short message in the user's terms plus a hint for the classic mistakes.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from gradrepl.repl.hints import hint_for
from gradrepl.repl.suggest import suggestion
from gradrepl.repl.prompts import PromptStyle

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

RED, YELLOW, BOLD_RED, DIM, RESET = "\x1b[31m", "\x1b[33m", "\x1b[1;31m", "\x1b[2m", "\x1b[0m"


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


# A traceback whose one frame is the cell's own (single) line: it repeats what was just typed.
_ONE_CELL_FRAME = re.compile(r"^(Traceback \(most recent call last\):\n)?  Cell In\[\d+\], line 1\n    [^\n]*$")


# The session runs `%time x` as `__gradrepl_magic__('time', 'x')`; a traceback shows the line as typed.
_MAGIC_LINE = re.compile(r"^(\s*)__gradrepl_magic__\((.*)\)\s*$", re.M)


def _as_typed(match: re.Match) -> str:
    import ast

    try:
        name, args = ast.literal_eval(f"({match.group(2)})")
    except (ValueError, SyntaxError, TypeError):
        return match.group(0)
    return f"{match.group(1)}%{name} {args}".rstrip()


def _only_the_cell_itself(body: str) -> bool:
    return bool(_ONE_CELL_FRAME.match(body))


def want_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except Exception:
        return False


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# ipykernel's name for a cell's file, as warnings print it: `/tmp/ipykernel_42/3514386255.py:2: `.
_CELL_FILE_LINE = re.compile(r"(?P<file>\S*ipykernel_\d+[/\\]\d+\.py):(?P<line>\d+): ")
# Jupyter's SyntaxError value names the cell file, `invalid syntax (3514386255.py, line 1)`; the
# lines above it already say `Cell In[3], line 1`, as IPython's terminal does.
_SYNTAX_ERROR_FILE = re.compile(r" \(\d+\.py, line \d+\)$")


class OutputPrinter:
    """Writes outputs; ``prompts`` decides whether a result gets an ``Out[n]:`` label.
    ``cell_labels`` (the session's ``cell_label``) makes warnings name the cell, ``Cell In[3], line
    2:``, instead of ipykernel's temporary file, as IPython's terminal does (replay keeps the file
    names recorded notebooks contain). ``namespace`` (the session's) lets a mistyped name's error
    suggest the name meant."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 prompts: PromptStyle | None = None, color: bool | None = None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.prompts = prompts or PromptStyle()
        self.color = want_color(self.stdout) if color is None else color
        self.cell_labels = None
        self.namespace = None  # the session's names, for `did you mean` on a mistyped one
        self._earlier: list[str] = []  # what the current cell printed, for hints that need context

    def begin_cell(self) -> None:
        self._earlier = []

    def _name_cells(self, text: str) -> str:
        if self.cell_labels is None:
            return text

        def label(match: re.Match) -> str:
            cell = self.cell_labels(match["file"])
            return f"{cell}, line {match['line']}: " if cell else match.group(0)

        return _CELL_FILE_LINE.sub(label, text)

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def _write(self, stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()

    def show(self, output: dict, one_line_cell: bool = False) -> None:
        kind = output.get("output_type")
        if kind == "stream":
            stream = self.stderr if output.get("name") == "stderr" else self.stdout
            text = _text(output.get("text", ""))
            self._earlier.append(text)
            self._write(stream, self._name_cells(text))
        elif kind == "execute_result":
            self.show_result(_text(output.get("data", {}).get("text/plain", "")),
                             output.get("execution_count"))
        elif kind == "display_data":
            text = _text(output.get("data", {}).get("text/plain", ""))
            if text:
                self._write(self.stdout, text + "\n")
        elif kind == "error":
            self.show_error(output.get("ename", "Error"), output.get("evalue", ""),
                            output.get("traceback", []), one_line_cell)

    def show_result(self, text: str, count: int | None) -> None:
        label = self.prompts.out_prompt(count) if count is not None else ""
        if label:
            # IPython starts a multi-line value on its own line so its columns line up.
            separator = "\n" if "\n" in text else ""
            label = self._paint(RED, label) + separator
        self._write(self.stdout, f"{label}{text}\n")

    def show_error(self, ename: str, evalue: str, traceback=(), one_line_cell: bool = False) -> None:
        """User frames (if they say more than the line just typed), `ename: evalue`, a hint."""
        syntax = ename in ("SyntaxError", "IndentationError", "TabError")
        if syntax:
            evalue = _SYNTAX_ERROR_FILE.sub("", evalue)
        frames = [strip_ansi(line) for line in traceback or ()]
        # The session's traceback ends with the `ename: evalue` line itself: don't say it twice.
        body = _MAGIC_LINE.sub(_as_typed, "\n".join(frames).rstrip("\n"))
        headline = f"{ename}: {evalue}" if evalue else ename
        body = _SYNTAX_ERROR_FILE.sub("", body) if syntax else body
        # (a message may end with its own newline, as torch's overload listings do)
        if body.endswith(headline.rstrip()):
            body = body[: -len(headline.rstrip())].rstrip("\n")
        if one_line_cell and _only_the_cell_itself(body):
            body = ""
        parts = []
        if body.strip():
            parts.append(self._paint(DIM, body) if self.color else body)
        parts.append(self._paint(BOLD_RED, ename) + (f": {evalue}" if evalue else ""))
        hint = hint_for(ename, evalue, "".join(self._earlier)) or suggestion(ename, evalue, self.namespace)
        if hint:
            parts.append(self._paint(YELLOW, f"hint: {hint}"))
        self._write(self.stderr, "\n".join(parts) + "\n")
