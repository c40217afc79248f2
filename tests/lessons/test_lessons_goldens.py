"""The lesson corpus against outputs recorded from PyTorch 2.13 (no torch needed).

tests/goldens/lessons.json is written by scripts/record_lesson_goldens.py, never by hand; it stores
each lesson's cell sources too, so a lesson edited without re-recording fails here instead of being
compared against stale outputs.
"""

import pytest

from corpus import LESSONS
from lesson_runner import lesson_params, load_goldens, mismatch_report, run_lesson

GOLDENS = load_goldens()


def test_corpus_size():
    assert len(LESSONS) >= 40
    assert sum(len(lesson.cells) for lesson in LESSONS) >= 400
    assert len({lesson.id for lesson in LESSONS}) == len(LESSONS)


def test_goldens_cover_the_corpus():
    assert sorted(GOLDENS) == sorted(lesson.id for lesson in LESSONS), \
        "re-record: python scripts/record_lesson_goldens.py"


@pytest.mark.parametrize("lesson", lesson_params())
def test_lesson_matches_recorded_torch(lesson):
    golden = GOLDENS.get(lesson.id)
    if golden is None or list(golden["cells"]) != list(lesson.cells):
        pytest.fail(f"{lesson.id} changed since its outputs were recorded: "
                    "python scripts/record_lesson_goldens.py")
    produced = run_lesson("gradrepl", lesson)
    if produced != golden["outputs"]:
        pytest.fail(mismatch_report(lesson, golden["outputs"], produced), pytrace=False)
