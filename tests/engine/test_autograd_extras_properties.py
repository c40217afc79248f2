"""Hypothesis properties of the autograd extras, no torch needed: custom Functions, gradcheck,
autograd.functional and torch.func agree with each other and with finite differences in float64,
and each short path (vmap's loop, batched grads, hvp) equals the general computation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as T

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# (forward, its derivative) as tensor functions
ELEMENTWISE = {
    "sin": (lambda x: x.sin(), lambda x: x.cos()),
    "exp": (lambda x: x.exp(), lambda x: x.exp()),
    "tanh": (lambda x: x.tanh(), lambda x: 1 - x.tanh() ** 2),
    "cube": (lambda x: x ** 3, lambda x: 3 * x ** 2),
}

shapes = hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
values = st.floats(-2, 2, allow_nan=False, width=64)


def _array(shape, data):
    return data.draw(hnp.arrays(np.float64, shape, elements=values))


def _function(name: str, factor: float = 1.0):
    forward, derivative = ELEMENTWISE[name]

    class Elementwise(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return forward(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * derivative(x) * factor

    return Elementwise


@SETTINGS
@given(name=st.sampled_from(sorted(ELEMENTWISE)), shape=shapes, data=st.data())
def test_a_correct_function_passes_gradcheck_and_a_wrong_one_fails(name, shape, data):
    x = T.tensor(_array(shape, data), requires_grad=True)
    assert T.autograd.gradcheck(_function(name).apply, (x,))
    assert T.autograd.gradgradcheck(_function(name).apply, (x,))
    wrong = _function(name, factor=1.5)
    derivative = ELEMENTWISE[name][1](x.detach())
    if derivative.abs().max().item() > 1e-2:
        assert not T.autograd.gradcheck(wrong.apply, (x,), raise_exception=False)


@SETTINGS
@given(name=st.sampled_from(sorted(ELEMENTWISE)), shape=shapes, data=st.data())
def test_a_function_gives_the_same_gradients_as_the_ops_it_wraps(name, shape, data):
    x = T.tensor(_array(shape, data), requires_grad=True)
    w = T.tensor(_array(shape, data))
    (g_function,) = T.autograd.grad((_function(name).apply(x) * w).sum(), x)
    (g_ops,) = T.autograd.grad((ELEMENTWISE[name][0](x) * w).sum(), x)
    assert np.allclose(g_function.numpy(), g_ops.numpy(), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shape=shapes, data=st.data())
def test_jacobian_jacrev_and_batched_grads_agree(shape, data):
    x = T.tensor(_array(shape, data))
    f = lambda t: (t.sin() * t).reshape(-1)[: t.numel()] * 2 + t.sum()
    jac = T.autograd.functional.jacobian(f, x)
    assert jac.shape == tuple(f(x).shape) + tuple(x.shape)
    assert np.array_equal(T.func.jacrev(f)(x).numpy(), jac.numpy())
    leaf = x.clone().requires_grad_(True)
    out = f(leaf)
    (batched,) = T.autograd.grad(out, leaf, T.eye(out.numel(), dtype=T.float64), is_grads_batched=True)
    assert np.array_equal(batched.numpy(), jac.numpy())
    # and the Jacobian is the finite-difference one
    eps = 1e-6
    flat = x.numpy().reshape(-1)
    for k in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[k] += eps
        minus[k] -= eps
        column = (f(T.tensor(plus.reshape(shape))) - f(T.tensor(minus.reshape(shape)))) / (2 * eps)
        assert np.allclose(jac.numpy().reshape(out.numel(), -1)[:, k], column.numpy(), atol=1e-6)


@SETTINGS
@given(shape=shapes, data=st.data())
def test_hvp_and_vhp_are_the_hessian_times_v(shape, data):
    x = T.tensor(_array(shape, data))
    v = T.tensor(_array(shape, data))
    f = lambda t: (t.sin() * t ** 2).sum() + (t.exp() * t).sum()
    hessian = T.autograd.functional.hessian(f, x).numpy().reshape(x.numel(), x.numel())
    expected = hessian @ v.numpy().reshape(-1)
    _, hvp = T.autograd.functional.hvp(f, x, v)
    _, vhp = T.autograd.functional.vhp(f, x, v)
    assert np.allclose(hvp.numpy().reshape(-1), expected, rtol=1e-10, atol=1e-10)
    assert np.allclose(vhp.numpy().reshape(-1), expected, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(batch=st.integers(1, 4), shape=shapes, data=st.data())
def test_vmap_equals_stacking_the_function_applied_to_each_entry(batch, shape, data):
    xs = T.tensor(_array((batch,) + tuple(shape), data))
    f = lambda t: (t * t.sum()).exp()
    looped = T.stack([f(x) for x in xs])
    assert np.array_equal(T.func.vmap(f)(xs).numpy(), looped.numpy())
    grads = T.stack([T.func.grad(lambda t: f(t).sum())(x) for x in xs])
    assert np.array_equal(T.func.vmap(T.func.grad(lambda t: f(t).sum()))(xs).numpy(), grads.numpy())


def test_saved_tensors_are_released_after_backward():
    class Keep(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = T.ones(2, requires_grad=True)
    y = Keep.apply(x)
    y.sum().backward(retain_graph=True)
    assert y.grad_fn.saved_tensors[0] is x
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.saved_tensors


def test_hooks_on_an_accumulator_live_as_long_as_the_graph_holds_it():
    x = T.ones(2, requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.next_functions[0][0].register_prehook(lambda grads: seen.append(grads[0].tolist()))
    y.sum().backward()
    assert seen == [[3.0, 3.0]]


def test_a_gradient_a_hook_returns_is_never_accumulated_into():
    x = T.ones(2, requires_grad=True)
    kept = T.tensor([5., 5.])
    y = x * 2
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (kept, None))
    y.sum().backward()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [7.0, 7.0] and kept.tolist() == [5.0, 5.0]
    z = T.ones(2, requires_grad=True)
    w = z * 3
    w.grad_fn.register_prehook(lambda grad_outputs: (kept,))
    w.sum().backward()
    (z * 1).sum().backward()
    assert z.grad.tolist() == [16.0, 16.0] and kept.tolist() == [5.0, 5.0]
