"""``torch.backends`` as a CPU-only build has it: the device-choice and seeding lines lessons open
with run and print what they print on PyTorch 2.13 (recorded, and compared with live torch)."""

from __future__ import annotations

import pytest

from gradrepl.session import Session

LESSON_START = """\
import torch
import torch.backends.cudnn as cudnn
from torch.backends import mps
device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(device, mps.is_built(), cudnn.is_available(), cudnn.version(), cudnn.deterministic, cudnn.benchmark,
      cudnn.enabled, torch.backends.cuda.is_built())
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
print(torch.backends.cudnn.deterministic, cudnn.deterministic)
"""
RECORDED = "cpu False False None False False True False\nTrue True\n"


def _printed(engine: str) -> str:
    result = Session(engine=engine).run_cell(LESSON_START)
    assert result.error is None, result.error
    return "".join(output["text"] for output in result.outputs)


def test_device_and_seeding_lines_print_what_torch_prints():
    assert _printed("gradrepl") == RECORDED


def test_recorded_output_is_live_torchs():
    pytest.importorskip("torch")
    assert _printed("torch") == RECORDED


def test_other_backends_are_unsupported_in_one_error():
    from gradrepl.engine.errors import UnsupportedError
    import gradrepl.torch as torch

    with pytest.raises(UnsupportedError, match="torch.backends.opt_einsum"):
        torch.backends.opt_einsum
    with pytest.raises(AttributeError):
        torch.backends._private
