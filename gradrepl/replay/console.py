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
    6 passed, 1 failed

Colour (rich) only when writing to a terminal; plain text otherwise, so CI logs stay readable.
"""

from __future__ import annotations

import sys

from gradrepl.replay.results import FAILED, PASSED, SKIPPED, UNSUPPORTED, NotebookReport

_STATUS_STYLE = {PASSED: "green", FAILED: "red", UNSUPPORTED: "yellow", SKIPPED: "dim"}


class ConsoleReporter:
    def __init__(self, file=None, color: bool | None = None, verbose: bool = False):
        from rich.console import Console

        file = file or sys.stdout
        force = None if color is None else color
        self.console = Console(file=file, highlight=False, soft_wrap=True, force_terminal=force,
                               no_color=(color is False))
        self.verbose = verbose

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def _print(self, text: str, style: str | None = None) -> None:
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
            if cell.status in (FAILED, UNSUPPORTED):
                self._print(f"  {cell.name}: {cell.reason}", _STATUS_STYLE[cell.status])
                for line in cell.head():
                    self._print(f"    | {line}", "dim")
                for line in cell.diff:
                    self._print("    " + line, _diff_style(line))
            elif self.verbose and cell.status == SKIPPED:
                self._print(f"  {cell.name}: skipped ({cell.reason})", "dim")
            for line, reason in cell.skipped_lines:
                self._print(f"  {cell.name}: did not run `{line}`: {reason}", "dim")

    def closing(self, reports: list[NotebookReport], updated: int | None = None, ok: bool | None = None) -> None:
        """The summary line. With ``--update`` (``updated`` given), the failures counted are the
        differences just written back, so the line says so, and is green when every update went in."""
        passed = sum(r.count(PASSED) for r in reports)
        unsupported = sum(r.count(UNSUPPORTED) for r in reports)
        failed = sum(r.count(FAILED) for r in reports) + unsupported
        skipped = sum(r.count(SKIPPED) for r in reports)
        line = f"{passed} passed, {failed} failed"
        if unsupported:
            features = sorted({c.unsupported for r in reports for c in r.cells if c.unsupported})
            line += f" ({unsupported} unsupported: {', '.join(features)})"
        if skipped:
            line += f", {skipped} skipped"
        if updated:
            line += f" before the update; {updated} cell{'s' if updated != 1 else ''} updated"
        good = not failed if updated is None or ok is None else ok
        self._print(line, "bold green" if good else "bold red")


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
