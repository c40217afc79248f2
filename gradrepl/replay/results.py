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
        parts = [f"{self.count(PASSED)} passed", f"{self.count(FAILED)} failed"]
        if self.count(UNSUPPORTED):
            parts.append(f"{self.count(UNSUPPORTED)} unsupported")
        if self.count(SKIPPED):
            parts.append(f"{self.count(SKIPPED)} skipped")
        return ", ".join(parts)
