"""Record real PyTorch's outputs for the lesson corpus into tests/goldens/lessons.json.

Each lesson of tests/lessons/corpus.py runs in a fresh ``Session(engine="torch")`` through the same
helper the tests use, so a golden is exactly what the live differential test compares against. Run
with the pinned torch (2.13) installed:

    python scripts/record_lesson_goldens.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "lessons"))

from corpus import LESSONS  # noqa: E402
from lesson_runner import GOLDENS, run_lesson  # noqa: E402


def main() -> None:
    if not torch.__version__.startswith("2.13."):
        sys.exit(f"record goldens with torch 2.13, not {torch.__version__}")
    # One process, lessons in corpus order: warnings torch gives once per process are recorded in the
    # first lesson that triggers them, as the tests (which reset gradrepl's memory per lesson) expect.
    lessons = {lesson.id: {"cells": list(lesson.cells), "outputs": run_lesson("torch", lesson)}
               for lesson in LESSONS}
    payload = {"torch_version": torch.__version__, "count": len(lessons), "lessons": lessons}
    GOLDENS.write_text(json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    cells = sum(len(entry["cells"]) for entry in lessons.values())
    print(f"{GOLDENS.relative_to(ROOT)}: {len(lessons)} lessons, {cells} cells")


if __name__ == "__main__":
    main()
