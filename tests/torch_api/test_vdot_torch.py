"""torch.vdot (and dot's shared checks) against live torch: every call of vdot_calls.py, the
gradients and grad_fn, and the sum: torch's vdot of real vectors is its dot bit
for bit on this machine, and so is gradrepl's."""

import sys
from pathlib import Path

import numpy as np
import pytest

import gradrepl.torch as gt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from vdot_calls import CALLS, outcome  # noqa: E402

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("call", CALLS)
def test_vdot_answers_as_torch(call):
    assert outcome(gt, call) == outcome(torch, call)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 33, 100, 1000, 8193, 20000])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vdot_is_dot_in_both(n, dtype):
    rng = np.random.default_rng(n)
    a, b = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    assert torch.vdot(ta, tb).numpy().tobytes() == torch.dot(ta, tb).numpy().tobytes()
    ga, gb = gt.from_numpy(a), gt.from_numpy(b)
    assert gt.vdot(ga, gb).numpy().tobytes() == gt.dot(ga, gb).numpy().tobytes()


def test_vdot_gradients_match_torch():
    def run(lib):
        a = lib.tensor([1.5, -2., 3.25], requires_grad=True)
        b = lib.tensor([4., 0.5, -6.], requires_grad=True)
        y = lib.vdot(a, b)
        fn = y.grad_fn
        seen = [repr(y), fn.name(), [type(f).__name__ for f, _ in fn.next_functions]]
        (y * 3).backward()
        return seen + [repr(a.grad), repr(b.grad)]
    assert run(gt) == run(torch)
