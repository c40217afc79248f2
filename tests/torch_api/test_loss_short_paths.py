"""The pointwise losses' same-shape short paths (mse_loss, smooth_l1_loss, huber_loss) against
the general ones: ``_losses.SAME_SHAPE_SHORT_PATH`` (no size warning or broadcast checks for
operands of one shape) and ``nn_loss.SAME_SHAPE_GRADIENT`` (no ``np.broadcast_to`` of a gradient
that has the input's shape). The same losses, gradients, warnings and errors, bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import gradrepl.torch as torch
from gradrepl.engine.ops import nn_loss
from gradrepl.torch.nn import _losses

SHAPES = [(), (1,), (3,), (4, 1), (1, 3), (4, 3), (2, 4, 3)]
LOSSES = ["mse_loss", "smooth_l1_loss", "huber_loss"]


def _run(loss, a, t, reduction, target_grad):
    x = torch.tensor(a, requires_grad=True)
    y = torch.tensor(t, requires_grad=target_grad)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = getattr(torch.nn.functional, loss)(x, y, reduction=reduction)
            out.backward(torch.ones_like(out))
        except Exception as error:
            return f"{type(error).__name__}: {error}", [str(w.message) for w in caught]
    grads = [None if g is None else (g.shape, g.numpy().tobytes())
             for g in (x.grad, y.grad)]
    return (out.shape, out.detach().numpy().tobytes(), out.grad_fn.name(), grads), \
        [str(w.message) for w in caught]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(LOSSES), st.sampled_from(SHAPES), st.sampled_from(SHAPES),
       st.sampled_from(["mean", "sum", "none"]), st.sampled_from([np.float32, np.float64]),
       st.booleans(), st.data())
def test_same_shape_short_paths_are_the_general_paths(monkeypatch, loss, a_shape, t_shape,
                                                      reduction, dtype, target_grad, data):
    if data.draw(st.booleans()):
        t_shape = a_shape  # the short paths' case, half the time
    values = st.floats(-4, 4, width=32) | st.sampled_from([0.0, -0.0, 1.0, np.inf, np.nan])
    a = np.array(data.draw(st.lists(values, min_size=int(np.prod(a_shape)),
                                    max_size=int(np.prod(a_shape)))), dtype).reshape(a_shape)
    t = np.array(data.draw(st.lists(values, min_size=int(np.prod(t_shape)),
                                    max_size=int(np.prod(t_shape)))), dtype).reshape(t_shape)
    results = []
    for short in (True, False):
        monkeypatch.setattr(_losses, "SAME_SHAPE_SHORT_PATH", short)
        monkeypatch.setattr(nn_loss, "SAME_SHAPE_GRADIENT", short)
        results.append(_run(loss, a, t, reduction, target_grad))
    assert results[0] == results[1]


def test_a_same_shape_gradient_is_owned_by_grad(monkeypatch):
    """Without the broadcast the input's .grad is the kernel's fresh array (writable, as torch's)."""
    x = torch.tensor([[1.0], [2.0]], requires_grad=True)
    torch.nn.functional.mse_loss(x, torch.zeros(2, 1)).backward()
    assert x.grad.numpy().flags.writeable and x.grad.tolist() == [[1.0], [2.0]]


@pytest.mark.torch
def test_mse_loss_module_matches_torch(same_output):
    def lesson(torch):
        torch.manual_seed(0)
        model, crit = torch.nn.Linear(3, 1), torch.nn.MSELoss()
        x, y = torch.randn(10, 3), torch.randn(10, 1)
        loss = crit(model(x), y)
        loss.backward()
        print(loss, model.weight.grad, model.bias.grad)
        print(crit(model(x), y.view(10)), torch.nn.functional.mse_loss(x, x.flip(0)))
    same_output(lesson)
