"""What replaying produces: options in, a report per cell and per notebook out (all picklable, so
``--jobs`` workers can send them back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from gradrepl.replay.compare import DEFAULT_ATOL, DEFAULT_RTOL
from gradrepl.replay.normalise import Sanitizer

PASSED, FAILED, UNSUPPORTED, SKIPPED = "passed", "failed", "unsupported", "skipped"


@dataclass(frozen=True)
class ReplayOptions:
    engine: str = "gradrepl"
    timeout: Optional[float] = None
    tolerance: bool = False  # compare numbers by value: |produced - recorded| <= atol + rtol * |recorded|
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    compare_stderr: bool = False
    lax: bool = False  # nbval-lax: compare only cells marked NBVAL_CHECK_OUTPUT
    sanitizers: tuple[Sanitizer, ...] = ()
    fail_fast: bool = False


@dataclass
class CellReport:
    index: int  # position in the notebook's cell list, 0-based
    source: str
    status: str
    reason: str = ""
    recorded_count: Optional[int] = None
    execution_count: Optional[int] = None
    diff: list[str] = field(default_factory=list)
    unsupported: Optional[str] = None
    skipped_lines: list[tuple[str, str]] = field(default_factory=list)
    produced_outputs: Optional[list[dict]] = None  # None when the cell did not run
    # What was compared, as ``compare.render`` shows it (normalised), kept for cells that may fail:
    # the HTML report's two columns.
    recorded_text: str = ""
    produced_text: str = ""
    raised: bool = False  # raised an exception the cell was not marked to raise
    needs_update: bool = False  # --update would rewrite this cell's outputs
    duration: float = 0.0

    @property
    def number(self) -> int:
        """The cell's 1-based position in the notebook, as users count cells."""
        return self.index + 1

    @property
    def name(self) -> str:
        label = f"cell {self.number}"
        return label + (f" (In [{self.recorded_count}])" if self.recorded_count is not None else "")

    def skip_if_not_all_run(self) -> None:
        """A cell with a line gradrepl did not run (an IPython magic, ``!ls``, ``obj?``) was not
        checked: its recorded output may come from that line. It counts as skipped, never as passed
        (nor failed for the missing output); an exception the rest of the cell raised still fails it.
        Its outputs are not rewritten by ``--update``, which would drop what that line printed."""
        failed_anyway = self.raised or self.status == UNSUPPORTED
        if not self.skipped_lines or failed_anyway:
            return
        line, reason = self.skipped_lines[0]
        more = len(self.skipped_lines) - 1
        self.status, self.diff, self.needs_update = SKIPPED, [], False
        self.reason = f"did not run `{line}` ({reason})" + (f" and {more} more line{'s' if more > 1 else ''}"
                                                          if more else "")

    def head(self, lines: int = 3) -> list[str]:
        source_lines = self.source.splitlines()
        shown = source_lines[:lines]
        if len(source_lines) > lines:
            shown.append("...")
        return shown


@dataclass
class NotebookReport:
    path: str
    cells: list[CellReport] = field(default_factory=list)
    duration: float = 0.0
    converted_from: Optional[int] = None
    stopped_early: bool = False

    def count(self, status: str) -> int:
        return sum(1 for cell in self.cells if cell.status == status)

    @property
    def ok(self) -> bool:
        return not any(cell.status in (FAILED, UNSUPPORTED) for cell in self.cells)

    def summary(self) -> str:
        return counts_line([self])


@dataclass(frozen=True)
class Totals:
    """Cells by verdict over one or more notebooks. ``failed`` includes the unsupported ones: a cell
    gradrepl could not run as recorded is a failure for the course, whatever the cause."""

    passed: int
    failed: int
    skipped: int
    unsupported: int
    features: tuple[str, ...]  # the torch features gradrepl lacked, sorted

    @classmethod
    def of(cls, reports: list[NotebookReport]) -> "Totals":
        def count(status):
            return sum(report.count(status) for report in reports)

        features = sorted({c.unsupported for r in reports for c in r.cells if c.unsupported})
        return cls(count(PASSED), count(FAILED) + count(UNSUPPORTED), count(SKIPPED), count(UNSUPPORTED),
                   tuple(features))


def counts_line(reports: list[NotebookReport]) -> str:
    """``N passed, M failed, K skipped``, every count always written so CI logs can be grepped; the
    unsupported torch features, if any, follow in brackets."""
    totals = Totals.of(reports)
    line = f"{totals.passed} passed, {totals.failed} failed, {totals.skipped} skipped"
    if totals.unsupported:
        line += f" ({totals.unsupported} unsupported: {', '.join(totals.features)})"
    return line


def cell_name(notebook_cells: list, index: int) -> str:
    """``cell 3 (In [2])``, as a CellReport names the cell at ``index``, before it has a report."""
    count = notebook_cells[index].get("execution_count")
    return f"cell {index + 1}" + (f" (In [{count}])" if count is not None else "")


class ReplayInterrupted(KeyboardInterrupt):
    """Ctrl-C during a replay, saying where each notebook still running was: ``running`` holds
    ``path: cell 3 (In [2])`` lines (a teacher stopping a replay wants to know which cell hung)."""

    def __init__(self, running: list[str]):
        super().__init__()
        self.running = running

