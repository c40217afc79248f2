"""Seeded training loops print what PyTorch prints: thousands of steps over thousands of points,
``loss.item()`` with all its digits, run on gradrepl and on live torch.

The first two loops use only ops whose every bit gradrepl reproduces (sigmoid, powers,
products, sums, means, randn and rand; then softmax, log_softmax, tensor exponents, log1p and
expm1), so their printouts must be identical. The second is built from sin and
exp, which torch hands to MKL (docs/floats.md): MKL's last bits are not public and depend on
the CPU, so there the printed losses must agree to a relative 1e-5 (measured: the float32 loop
prints the same digits for 900 of 1000 steps and differs by 1e-7 after that).
"""

from __future__ import annotations

import contextlib
import io

import pytest

EXACT = """
torch.manual_seed(SEED)
x = torch.rand(2000, dtype=DTYPE) * 4 - 2
y = torch.sigmoid(2 * x) * (1 + x ** 2) ** -2 + 0.1 * x ** 3
w = torch.randn(4, dtype=DTYPE, requires_grad=True)
for step in range(1000):
    pred = w[0] * torch.sigmoid(w[1] * x) + w[2] * (1 + x ** 2) ** -2 + w[3] * x ** 3
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.02 * w.grad
        w.grad.zero_()
    if step % 50 == 0 or step == 999:
        print(step, loss.item(), w.sum().item())
"""

# softmax and log_softmax (last dim and dim 0, forward and backward), tensor exponents, number
# bases, log1p and expm1: every bit reproduced since float_math follows their kernels too
SOFTMAX = """
torch.manual_seed(SEED)
x = torch.rand(1000, dtype=DTYPE) * 4 - 2
features = torch.stack([x, x ** 2, 1.5 ** x, (x + 2) ** 0.7], 1)
target = torch.softmax(features * torch.tensor([1.0, -0.5, 0.3, 0.2], dtype=DTYPE), 1)
w = torch.randn(4, dtype=DTYPE, requires_grad=True)
for step in range(300):
    logp = torch.log_softmax(features * w, 1)
    loss = -(target * logp).sum(1).mean() + 0.01 * (w ** 2).sum().log1p()
    loss = loss + 0.1 * torch.softmax(features[:50] * w, 0).pow(2).sum()
    loss = loss + torch.expm1(0.1 * w[0]) ** 2
    loss = loss + ((w.abs() + 1) ** (w.detach() * 0.1) * w).sum() * 0.01
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    if step % 25 == 0 or step == 299:
        print(step, loss.item(), w.sum().item())
"""

THROUGH_MKL = EXACT.replace(
    "torch.sigmoid(2 * x) * (1 + x ** 2) ** -2", "torch.sin(2 * x) * torch.exp(-x ** 2 / 4)"
).replace("torch.sigmoid(w[1] * x) + w[2] * (1 + x ** 2) ** -2",
          "torch.sin(w[1] * x) + w[2] * torch.exp(-x ** 2)").replace("range(1000)", "range(400)"
          ).replace("step == 999", "step == 399")


def printed(library, program: str, dtype: str, seed: int) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(program.replace("SEED", str(seed)).replace("DTYPE", f"torch.{dtype}"),
             {"torch": library})
    return out.getvalue()


@pytest.mark.torch
@pytest.mark.parametrize("dtype, seed", [("float32", 0), ("float64", 1)])
def test_training_loop_prints_what_torch_prints(dtype, seed):
    torch = pytest.importorskip("torch")
    import gradrepl.torch as gtorch

    torch.set_num_threads(2)  # the thread split gradrepl follows (summation.THREADS)
    assert printed(gtorch, EXACT, dtype, seed) == printed(torch, EXACT, dtype, seed)


@pytest.mark.torch
@pytest.mark.parametrize("dtype, seed", [("float32", 0), ("float64", 1)])
def test_softmax_training_loop_prints_what_torch_prints(dtype, seed):
    torch = pytest.importorskip("torch")
    import gradrepl.torch as gtorch

    torch.set_num_threads(2)
    assert printed(gtorch, SOFTMAX, dtype, seed) == printed(torch, SOFTMAX, dtype, seed)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_loop_through_mkl_stays_within_mkl_accuracy(dtype):
    torch = pytest.importorskip("torch")
    import gradrepl.torch as gtorch

    torch.set_num_threads(2)
    mine = printed(gtorch, THROUGH_MKL, dtype, 0).split()
    theirs = printed(torch, THROUGH_MKL, dtype, 0).split()
    assert len(mine) == len(theirs)
    assert [float(v) for v in mine] == pytest.approx([float(v) for v in theirs], rel=1e-5)
