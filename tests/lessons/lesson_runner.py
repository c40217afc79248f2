"""Running a lesson through ``Session`` and turning each cell's outputs into comparable text.

Shared by the tests and by scripts/record_lesson_goldens.py, so a golden is exactly what the live
differential test compares against. Outputs go through replay's own comparison pipeline
(``comparable_blocks``: addresses, cell file names and trailing whitespace normalised), stderr
included, because the warnings a lesson triggers (``.grad`` of a non-leaf) are part of the lesson.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from gradrepl.replay.compare import comparable_blocks, render
from gradrepl.session import Session

GOLDENS = Path(__file__).resolve().parents[1] / "goldens" / "lessons.json"

def cell_text(outputs: list[dict]) -> str:
    return render(comparable_blocks(outputs, compare_stderr=True))


def run_lesson(engine: str, lesson) -> list[str]:
    """The comparable text of each cell of ``lesson`` run in a fresh session on ``engine``."""
    session = Session(engine=engine, allow_stdin=False)
    # As in a fresh kernel: print options, default dtype and grad mode from the previous lesson are
    # undone, and gradrepl forgets the warnings torch gives once per process (`x.T` on a vector).
    session.restore_torch_defaults()
    return [cell_text(session.run_cell(source).outputs) for source in lesson.cells]


def mismatch_report(lesson, expected: list[str], produced: list[str], expected_name: str = "torch") -> str:
    """Every differing cell: its number, source and a diff of expected against produced."""
    parts = []
    for number, (source, want, got) in enumerate(zip(lesson.cells, expected, produced), 1):
        if want == got:
            continue
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), expected_name, "gradrepl", lineterm="")
        parts.append(f"--- {lesson.id} cell {number}:\n"
                     + "\n".join("    | " + line for line in source.splitlines()) + "\n"
                     + "\n".join("    " + line for line in diff))
    if len(expected) != len(produced):
        parts.append(f"cell count differs: {len(expected)} expected, {len(produced)} produced")
    return "\n".join(parts)


def load_goldens() -> dict:
    """``{lesson id: {"cells": [source, ...], "outputs": [text, ...]}}`` recorded from PyTorch."""
    return json.loads(GOLDENS.read_text(encoding="utf-8"))["lessons"]


def lesson_params():
    """One pytest param per lesson; the known differences are strict xfails with their reason."""
    import pytest

    from corpus import KNOWN_DIFFERENCES, LESSONS

    params = []
    for lesson in LESSONS:
        reason = KNOWN_DIFFERENCES.get(lesson.id)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(lesson, id=lesson.id, marks=marks))
    return params
