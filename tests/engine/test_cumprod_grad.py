"""cumprod's gradient and the gradient's own gradient (create_graph=True), zeros included:
gradgradcheck in float64 against finite differences (no torch needed), then live torch for the
values of both orders, the dtype rule and the nodes of the recorded gradient graph."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as T
from op_helper import live_torch

# a (2, 3, 4) block whose slices along every dim hold no zero, one zero or several
_BASE = np.linspace(0.6, 1.7, 24).reshape(2, 3, 4) * np.where(np.arange(24) % 2, 1, -1).reshape(2, 3, 4)
NO_ZERO = _BASE
ONE_ZERO = _BASE.copy()
ONE_ZERO[1, 1, 2] = 0.0
SEVERAL = _BASE.copy()
SEVERAL[0, 0, 0] = SEVERAL[0, 2, 1] = SEVERAL[0, 2, 3] = SEVERAL[1, 0, 1] = SEVERAL[1, 2, 1] = 0.0
INPUTS = {"no_zero": NO_ZERO, "one_zero": ONE_ZERO, "several_zeros": SEVERAL}
CASES = [(name, dim) for name in INPUTS for dim in (0, 1, 2, -1)]


@pytest.mark.parametrize("name,dim", CASES)
def test_cumprod_gradgradcheck(name, dim):
    x = T.tensor(INPUTS[name], dtype=T.float64, requires_grad=True)
    assert T.autograd.gradcheck(lambda t: t.cumprod(dim), (x,))
    assert T.autograd.gradgradcheck(lambda t: t.cumprod(dim), (x,))


@pytest.mark.parametrize("values", [[3.0], [[0.0], [2.0]], 2.5])
def test_cumprod_gradgradcheck_single_elements(values):
    x = T.tensor(values, dtype=T.float64, requires_grad=True)
    assert T.autograd.gradgradcheck(lambda t: t.cumprod(0) * t, (x,))


def _graph(fn) -> list:
    """The node names of a gradient's graph, depth first."""
    names, stack = [], [(fn, 0)]
    while stack:
        node, depth = stack.pop()
        if node is None:
            continue
        names.append((depth, node.name()))
        stack.extend((n, depth + 1) for n, _ in reversed(node.next_functions))
    return names


def _orders(lib, values, dim, dtype, out_dtype=None, times_x=False):
    """cumprod's gradient (recorded), its printed form and graph, and the gradient of its weighted
    sum; times_x multiplies cumprod by x (a lone element's gradient is otherwise a constant)."""
    x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
    kwargs = {} if out_dtype is None else {"dtype": getattr(lib, out_dtype)}

    def f():
        y = x.cumprod(dim, **kwargs)
        return y * x if times_x else y
    y = f()
    weights = lib.arange(1.0, y.numel() + 1.0, dtype=y.dtype).reshape(y.shape) / 7
    first, = lib.autograd.grad((y * weights).sum(), x, create_graph=True)
    plain, = lib.autograd.grad((f() * weights).sum(), x)
    second, = lib.autograd.grad((first * first).sum(), x)
    return (repr(first), _graph(first.grad_fn), first.detach().numpy(), plain.numpy(),
            second.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,dim", CASES)
def test_cumprod_gradients_match_torch(name, dim, dtype):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    ours, theirs = _orders(T, INPUTS[name], dim, dtype), _orders(torch, INPUTS[name], dim, dtype)
    assert ours[:2] == theirs[:2]
    np.testing.assert_array_equal(ours[2], theirs[2])  # first order, recorded: torch's rounding
    np.testing.assert_array_equal(ours[3], theirs[3])  # first order, plain (the masked formula)
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("values,out_dtype", [
    ([2.0, 3.0, 0.5], "float64"), ([2.0, 0.0, 4.0], "float64"), ([[1.5], [2.0]], None), (3.0, None),
    ([0.0, 0.0, 2.0], None)])
def test_cumprod_gradient_dtypes_and_small_shapes_match_torch(values, out_dtype):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    ours = _orders(T, values, 0, "float32", out_dtype, times_x=True)
    theirs = _orders(torch, values, 0, "float32", out_dtype, times_x=True)
    assert ours[:2] == theirs[:2]
    for got, want in zip(ours[2:], theirs[2:]):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_running_ops_round_as_torch(op, dtype):
    """torch's CPU kernels carry the running value in double (float) or float (half)."""
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    values = np.random.default_rng(3).uniform(0.9, 1.1, (3, 40)) * 1.01
    values[0, :3] = [1e4, 1.0, -1e4] if dtype == "float16" else [1e8, 1.0, -1e8]
    ours = getattr(T.tensor(values, dtype=getattr(T, dtype)), op)(1)
    theirs = getattr(torch.tensor(values, dtype=getattr(torch, dtype)), op)(1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
