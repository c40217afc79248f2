"""What ``gradrepl replay`` prints: a line per notebook, details for failing cells, a closing line.

    samples/01_polynomial.ipynb  6 passed, 1 failed, 1 skipped
      cell 7 (In [6]): output differs
        | print(x.grad)
        --- recorded
        +++ produced
        @@ -1,2 +1,2 @@
         [stdout]
        -tensor(93.)
        +tensor(94.)
    6 passed, 1 failed, 1 skipped

Colour (rich) only when writing to a terminal, or when FORCE_COLOR is set; never under NO_COLOR;
``--color``/``--no-color`` override both. Plain text otherwise, so CI logs stay readable.
"""

from __future__ import annotations

import functools
import os
import sys

from gradrepl.replay.results import (FAILED, PASSED, SKIPPED, UNSUPPORTED, CellReport, NotebookReport, Totals,
                                     counts_line)

_STATUS_STYLE = {PASSED: "green", FAILED: "red", UNSUPPORTED: "yellow", SKIPPED: "dim"}


class ConsoleReporter:
    """``color``: True/False from ``--color``/``--no-color``, which win; None follows the environment
    (``colour_from_environment``), then whether ``file`` is a terminal."""

    def __init__(self, file=None, color: bool | None = None, verbose: bool = False):
        self.file = file or sys.stdout
        self.color = colour_from_environment(os.environ) if color is None else color
        self.verbose = verbose

    @functools.cached_property
    def console(self):
        """Made at the first coloured line: replay prints its first report while the next notebook
        already runs, so importing rich then costs no time on a machine with a core to spare."""
        from rich.console import Console

        # Off is force_terminal=False, not rich's no_color, which keeps bold and dim: NO_COLOR users
        # (and their logs) want plain text. On is no_color=False too, or rich would obey NO_COLOR.
        return Console(file=self.file, highlight=False, soft_wrap=True, force_terminal=self.color,
                       no_color=False if self.color else None)

    @functools.cached_property
    def plain(self) -> bool:
        """Surely no colour: the lines are written as rich would write them uncoloured
        (``plain_line``), without importing rich (a tenth of replay's own start-up)."""
        if self.color is not None:
            return not self.color
        if os.environ.get("TTY_COMPATIBLE") == "1":  # rich's override: a terminal, whatever isatty says
            return False
        isatty = getattr(self.file, "isatty", None)
        try:
            return not (isatty and isatty())
        except ValueError:  # a closed file
            return True

    @property
    def is_terminal(self) -> bool:
        """A person is watching (so a progress bar helps): the file itself is a terminal. FORCE_COLOR
        alone (CI logs in colour) must not draw a bar made of cursor movements into the log."""
        isatty = getattr(self.file, "isatty", None)
        try:
            return bool(isatty and isatty()) and self.console.is_terminal
        except ValueError:  # a closed file
            return False

    def _print(self, text: str, style: str | None = None) -> None:
        if self.plain:
            self.file.write(plain_line(text))
            return
        from rich.text import Text

        self.console.print(Text(text, style=style or ""))

    def message(self, text: str, style: str | None = None) -> None:
        self._print(text, style)

    def notebook(self, report: NotebookReport) -> None:
        style = "green" if report.ok else "red"
        suffix = f"  (converted from nbformat {report.converted_from})" if report.converted_from else ""
        if report.stopped_early:
            suffix += "  (stopped at the first failure)"
        self._print(f"{report.path}  {report.summary()}{suffix}", style)
        for cell in report.cells:
            self._cell(cell)

    def _cell(self, cell: CellReport) -> None:
        if cell.status in (FAILED, UNSUPPORTED):
            self._print(f"  {cell.name}: {cell.reason}", _STATUS_STYLE[cell.status])
            for line in cell.head():
                self._print(f"    | {line}", "dim")
            for line in cell.diff:
                self._print("    " + line, _diff_style(line))
        elif cell.status == SKIPPED:
            # A line replay could not run is news to the author (always shown); a skip they marked is not.
            reasons = [f"did not run `{line}`: {why}" for line, why in cell.skipped_lines]
            for reason in reasons or ([cell.reason] if self.verbose else []):
                self._print(f"  {cell.name}: skipped ({reason})", _STATUS_STYLE[SKIPPED])
            return
        for line, reason in cell.skipped_lines:  # in a failing cell: perhaps the cause
            self._print(f"  {cell.name}: did not run `{line}`: {reason}", "dim")

    def closing(self, reports: list[NotebookReport], updated: int | None = None, ok: bool | None = None) -> None:
        """The summary line, ``N passed, M failed, K skipped``. With ``--update`` (``updated`` given),
        the failures counted are the differences just written back, so the line says so, and is
        green when every update went in."""
        line = counts_line(reports)
        if updated:
            line += f" before the update; {updated} cell{'s' if updated != 1 else ''} updated"
        good = not Totals.of(reports).failed if updated is None or ok is None else ok
        self._print(line, "bold green" if good else "bold red")


_RICH_STRIPS = dict.fromkeys((7, 8, 11, 12, 13))  # the control codes rich's Text drops (bell, backspace ...)


def plain_line(text: str) -> str:
    """``text`` as rich prints it without colour (soft wrap, tab stops every 8 cells): checked
    against rich itself by a property test."""
    text = text.translate(_RICH_STRIPS)
    if "\t" in text:
        text = "\n".join(_expand_tabs(line) for line in text.split("\n"))
    return text + "\n"


def _expand_tabs(line: str) -> str:
    from rich.cells import cell_len  # a wide character takes two cells

    pieces, position = [], 0
    parts = line.split("\t")
    for part in parts[:-1]:
        position += cell_len(part)
        spaces = 8 - position % 8
        pieces += [part, " " * spaces]
        position += spaces
    return "".join(pieces) + parts[-1]


def colour_from_environment(environ) -> bool | None:
    """https://no-color.org: a non-empty ``NO_COLOR`` turns colour off; https://force-color.org: a
    non-empty ``FORCE_COLOR`` turns it on, even into a file (CI logs that render ANSI colours).
    ``NO_COLOR`` wins when both are set. None: neither is set, colour follows the terminal."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return None


def _diff_style(line: str) -> str | None:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return None
