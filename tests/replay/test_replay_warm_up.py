"""The warm-up replay runs before forking a child per notebook (gradrepl/replay/isolation.py) is
invisible to lessons: it leaves every process-wide setting as a fresh ``import torch`` has it,
and it still runs (an unsupported op in it would silently warm nothing)."""

import gc
import json
import subprocess
import sys

import pytest

from gradrepl.replay import isolation, runner
from gradrepl.replay.results import ReplayOptions
from program import program_env

# Everything the warm-up could change that a lesson could see.
SNAPSHOT = """
import gc, json, sys, warnings
import numpy as np
import gradrepl.torch as torch
def snapshot():
    return {
        "rng": repr(torch.get_rng_state()),
        "initial_seed": torch.initial_seed(),
        "printed": repr(torch.tensor([1.123456789, 1e-5, 123456.0])),
        "dtype": str(torch.get_default_dtype()),
        "grad": torch.is_grad_enabled(),
        "anomaly": torch.is_anomaly_enabled(),
        "numpy_errors": np.geterr(),
        "gc": [gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()],
        "recursion": sys.getrecursionlimit(),
        "warning_filters": len(warnings.filters),
    }
"""


def test_warm_up_leaves_every_setting_as_a_fresh_import_has_it():
    program = SNAPSHOT + (
        "before = snapshot()\n"
        "from gradrepl.replay import isolation\n"
        "from gradrepl.replay.results import ReplayOptions\n"
        "isolation.warm_up(ReplayOptions())\n"
        "print(json.dumps([before, snapshot()]))\n")
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=program_env())
    assert completed.returncode == 0, completed.stderr
    before, after = json.loads(completed.stdout)
    assert after == before


@pytest.mark.parametrize("engine", ["gradrepl", pytest.param("torch", marks=pytest.mark.torch)])
def test_warm_up_cells_run_as_lessons_do(engine):
    if engine == "torch":
        pytest.importorskip("torch")
    session = runner.new_session(ReplayOptions(engine=engine))
    lesson, error = (session.run_cell(cell) for cell in isolation._WARM_UP_CELLS)
    assert lesson.error is None, lesson.error.summary
    assert [output.get("name") for output in lesson.outputs] == ["stdout", None]  # no warning on stderr
    assert "grad_fn=<AddBackward0>" in lesson.outputs[0]["text"]
    assert error.error is not None and error.error.summary.startswith("RuntimeError: The size of tensor a (2)")
    session.restore_torch_defaults()


def test_forking_leaves_the_parents_collector_as_it_was(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    from gradrepl.replay.notebooks import load

    before = gc.get_freeze_count()
    isolation.replay_isolated([load(str(path))], ReplayOptions())
    assert gc.get_freeze_count() == before
