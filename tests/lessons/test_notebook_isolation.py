"""Replaying several lesson notebooks in one process: each starts as in a fresh kernel.

A lesson that changes torch's process-wide settings (print options, default dtype, grad mode) must
not change how the next notebook prints. Expected outputs are recorded by replay itself (--update on
the second notebook alone), never typed here.
"""

import json

from typer.testing import CliRunner

from gradrepl.cli import app

runner = CliRunner()


def notebook(path, sources):
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": source} for i, source in enumerate(sources)]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return str(path)


def test_a_notebook_changing_torch_settings_does_not_change_the_next(tmp_path):
    first = notebook(tmp_path / "a.ipynb", [
        "import torch\ntorch.set_printoptions(precision=2)\ntorch.set_default_dtype(torch.float64)\n"
        "torch.set_grad_enabled(False)\ntorch.tensor([1/3])"])
    second = notebook(tmp_path / "b.ipynb", [
        "import torch\nx = torch.tensor([1/3], requires_grad=True)\nx * 2", "torch.ones(3).T"])
    assert runner.invoke(app, ["replay", "--update", first]).exit_code == 0
    assert runner.invoke(app, ["replay", "--update", second]).exit_code == 0
    # the recording of b alone, checked after a ran in the same process
    outcome = runner.invoke(app, ["replay", "--compare-stderr", first, second])
    assert outcome.exit_code == 0, outcome.output
