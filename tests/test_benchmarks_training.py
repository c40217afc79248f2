"""The training-step workloads (T1, T2) compute the right step on every engine before any timing:
loss, gradients and the weights after one step, against the float64 reference."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import engine_workloads  # noqa: E402


@pytest.mark.parametrize("name", ["T1", "T2"])
@pytest.mark.parametrize("engine", ["gradrepl", "numpy", "torch"])
def test_training_step_answers_are_right(name, engine):
    if engine == "torch":
        module = pytest.importorskip("torch")
    elif engine == "numpy":
        module = np
    else:
        import gradrepl.torch as module
    case = engine_workloads.build(name, engine, module)
    case.run()  # a timed step does not disturb the fresh model answer() builds
    described = engine_workloads.check(name, case.answer())
    assert "after0=" in described


def test_a_wrong_step_is_caught():
    case = engine_workloads.build("T2", "numpy", np)
    answer = case.answer()
    answer["after1"] = answer["after1"] + 0.01
    with pytest.raises(engine_workloads.WrongAnswer, match="T2: "):
        engine_workloads.check("T2", answer)
