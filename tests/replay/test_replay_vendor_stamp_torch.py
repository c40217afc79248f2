"""``gradrepl replay --engine torch --update``: outputs recorded from real torch are stamped with
this CPU's vendor and instruction set, and replay by gradrepl then computes as it and passes."""

import json

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from gradrepl.engine.cpu_capability import isa, vendor
from notebook_builder import code, result, write_nb

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_recording_from_torch_stamps_this_cpu(tmp_path):
    path = write_nb(tmp_path / "lesson.ipynb", [
        code("import torch\nw = torch.linspace(-1, 1, 12).reshape(3, 4)\nx = torch.linspace(0, 2, 20).reshape(5, 4)\n"
             "x @ w.t()", outputs=[result("stale", 1)], count=1)],
        metadata={"gradrepl": {"cpu_vendor": "SomeOtherVendor"}})
    runner = CliRunner()
    outcome = runner.invoke(app, ["replay", "--no-color", "--engine", "torch", "--update", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(path.read_text())["metadata"]["gradrepl"] == {"cpu_isa": isa(),
                                                                    "cpu_vendor": vendor()}
    assert runner.invoke(app, ["replay", "--no-color", str(path)]).exit_code == 0
