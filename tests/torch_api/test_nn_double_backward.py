"""create_graph=True through mse_loss and leaky_relu: the gradients are recorded as torch's
MseLossBackwardBackward0 / LeakyReluBackwardBackward0 nodes and differentiate to torch's bits;
without torch, second derivatives against float64 finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt


def _second_order(lib, reduction):
    lib.manual_seed(0)
    x = lib.randn(4, 3, requires_grad=True)
    t = lib.randn(4, 3, requires_grad=True)
    loss = lib.nn.functional.mse_loss(x, t, reduction=reduction)
    loss = loss.sum() if reduction == "none" else loss
    gx, gtarget = lib.autograd.grad(loss, (x, t), create_graph=True)
    hx, ht = lib.autograd.grad((gx ** 2).sum() + (gtarget * x).sum(), (x, t))
    y = lib.nn.functional.leaky_relu(x * 1.5, 0.2)
    (g,) = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)
    (first,) = lib.autograd.grad(lib.nn.functional.leaky_relu(x, 0.2).sum(), x, create_graph=True)
    return [gx.grad_fn.name(), gtarget.grad_fn.name(), first.grad_fn.name(),
            hx.numpy(), ht.numpy(), h.numpy()]


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_double_backward_matches_torch(real_torch, reduction):
    want, got = _second_order(real_torch, reduction), _second_order(gt, reduction)
    assert got[:3] == want[:3]
    for w, g in zip(want[3:], got[3:]):
        np.testing.assert_array_equal(g, w)


def test_mse_second_derivative_is_numerically_right():
    rng = np.random.default_rng(0)
    a, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = gt.tensor(a, requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.mse_loss(x, gt.tensor(t)), x, create_graph=True)
    (h,) = gt.autograd.grad((g ** 3).sum(), x)
    # d/dx sum((2/n (x - t))^3) = 3 (2/n)^3 (x - t)^2
    np.testing.assert_allclose(h.numpy(), 3 * (2 / a.size) ** 3 * (a - t) ** 2, rtol=1e-10)


def test_leaky_relu_gradient_of_gradient_is_zero_in_x():
    x = gt.tensor([-1.0, 2.0], dtype=gt.float64, requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.leaky_relu(x, 0.1).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "LeakyReluBackwardBackward0"
    np.testing.assert_array_equal(g.detach().numpy(), [0.1, 1.0])
    (h,) = gt.autograd.grad(g.sum(), x, allow_unused=True)
    assert h is None or not h.numpy().any()
