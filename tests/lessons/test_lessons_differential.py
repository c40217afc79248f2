"""Every lesson of the corpus, cell by cell, prints on gradrepl exactly what it prints on PyTorch.

Each lesson runs in a fresh ``Session(engine="gradrepl")`` and a fresh ``Session(engine="torch")``;
every cell's stdout, stderr, displayed value and error must agree once memory addresses and cell
file names are normalised (replay's own comparison). Without torch, test_lessons_goldens.py checks
the same lessons against outputs recorded from torch.
"""

import pytest

pytest.importorskip("torch")

from lesson_runner import lesson_params, mismatch_report, run_lesson  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("lesson", lesson_params())
def test_lesson_prints_as_torch_does(lesson):
    expected = run_lesson("torch", lesson)
    produced = run_lesson("gradrepl", lesson)
    if produced != expected:
        pytest.fail(mismatch_report(lesson, expected, produced), pytrace=False)
