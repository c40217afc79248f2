"""What running a cell produces: nbformat-v4 output dicts plus a summary of the run.

Outputs are plain dicts shaped exactly like the ``outputs`` list of an nbformat v4 code cell, so that
replay can compare them with, and write them back into, a notebook without any conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


def stream_output(name: str, text: str) -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def execute_result(text: str, execution_count: int) -> dict:
    return {
        "output_type": "execute_result",
        "data": {"text/plain": text},
        "metadata": {},
        "execution_count": execution_count,
    }


def display_data(text: str) -> dict:
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


def error_output(ename: str, evalue: str, traceback: list[str]) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}


@dataclass
class ErrorInfo:
    """An exception raised by a cell, in the user's terms.

    ``traceback`` is the formatted text (user frames only, ending with ``ename: evalue``);
    ``unsupported`` is the torch feature gradrepl lacks ("torch.fft") when that caused the error.
    """

    ename: str
    evalue: str
    traceback: str
    unsupported: Optional[str] = None
    # For SystemExit: the status Python would exit with (None -> 0, an int -> itself, anything
    # else -> 1, after printing it), so scripts run through a session exit as Python's do.
    exit_status: Optional[int] = None
    exit_message: Optional[str] = None  # sys.exit("bye"): what Python prints to stderr

    @property
    def summary(self) -> str:
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename


@dataclass
class SkippedLine:
    """A magic or ``!shell`` line the session did not run, and why."""

    line: str
    reason: str


@dataclass
class CellResult:
    """The outcome of ``Session.run_cell``.

    ``outputs`` are nbformat v4 output dicts in the order they were produced (consecutive writes to
    the same stream merged, as Jupyter shows them).
    """

    execution_count: int
    outputs: list[dict] = field(default_factory=list)
    error: Optional[ErrorInfo] = None
    skipped: list[SkippedLine] = field(default_factory=list)
    duration: float = 0.0

    @property
    def unsupported(self) -> Optional[str]:
        return self.error.unsupported if self.error else None

    @property
    def success(self) -> bool:
        return self.error is None

    @property
    def result(self):
        """The text/plain of the execute_result, or None when the cell showed no value."""
        for output in self.outputs:
            if output["output_type"] == "execute_result":
                return output["data"]["text/plain"]
        return None
