"""A binary node that saves neither input keeps a shared stand-in of each numpy scalar input
(ops/stand_ins.py) instead of the scalar: against the switch off (``primitive._STAND_INS`` empty), the same
values bit for bit, grad_fn names, gradients (also under create_graph), in-place errors, retain
errors and saved-tensor hook calls."""

from __future__ import annotations

import operator

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_short_paths import _observe

import gradrepl.torch as torch
from gradrepl.engine.ops import primitive
from gradrepl.engine.ops.stand_ins import STAND_INS, ScalarMetadata


def _both(monkeypatch, program):
    new = _observe(program)
    with monkeypatch.context() as patch:
        patch.setattr(primitive, "_STAND_INS", {})
        general = _observe(program)
    assert new == general
    return new


_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
        torch.maximum, torch.atan2, lambda a, b: torch.add(a, b, alpha=2)]
_SHAPES = st.sampled_from([(), (), (), (1,), (3,), (2, 1), (1, 3), (2, 3)])
_NUMBERS = st.one_of(st.sampled_from([0.5, 2, -1, 0, 1.5, 3]), st.floats(-4, 4, width=32))
_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _leaf(shape, dtype, seed, requires_grad=True):
    values = np.random.default_rng(seed).uniform(0.25, 2.0, size=shape)
    return torch.tensor(values, dtype=dtype, requires_grad=requires_grad)


@_SETTINGS
@given(op=st.sampled_from(_OPS), op2=st.sampled_from(_OPS), shapes=st.tuples(_SHAPES, _SHAPES),
       dtype=st.sampled_from([torch.float32, torch.float64]), other=st.one_of(st.none(), _NUMBERS),
       b_grad=st.booleans(), create_graph=st.booleans(),
       change=st.sampled_from([None, "a", "b", "twice"]), hooks=st.booleans(),
       seed=st.integers(0, 2**16))
def test_binary_chains_match_the_general_path(monkeypatch, op, op2, shapes, dtype, other, b_grad,
                                             create_graph, change, hooks, seed):
    def program():
        a = _leaf(shapes[0], dtype, seed)
        b = _leaf(shapes[1], dtype, seed + 1, b_grad)
        packed = []
        if hooks:
            context = torch.autograd.graph.saved_tensors_hooks(
                lambda t: packed.append(1) or t, lambda t: packed.append(2) or t)
        else:
            context = torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t)
        with context:
            y = op(a, b if other is None else other)
            y = op2(y * 0.5, a) + b
            loss = (y * y).sum() if y.dim() else y
        if change == "a":
            with torch.no_grad():
                a.mul_(2)
        elif change == "b":
            with torch.no_grad():
                b.add_(1)
        leaves = [t for t in (a, b) if t.requires_grad]
        grads = torch.autograd.grad(loss, leaves, create_graph=create_graph, allow_unused=True,
                                    retain_graph=change == "twice")
        out = [a, b, y, loss, *grads]
        if change == "twice":
            out += torch.autograd.grad(loss, leaves, allow_unused=True)
            torch.autograd.grad(loss, leaves, allow_unused=True)  # torch's retain error, or not
        if create_graph:
            total = sum(g.sum() for g in grads if g is not None)
            if isinstance(total, torch.Tensor) and total.requires_grad:
                total.backward()
                out += [a.grad, b.grad]
        out.append(torch.tensor(float(len(packed))))
        return out

    _both(monkeypatch, program)


@_SETTINGS
@given(n=st.integers(1, 30), dtype=st.sampled_from([torch.float32, torch.float64]),
       create_graph=st.booleans())
def test_a_scalar_chain_matches_the_general_path(monkeypatch, n, dtype, create_graph):
    def program():
        x = torch.tensor(0.75, dtype=dtype, requires_grad=True)
        y = torch.tensor(1.0, dtype=dtype)
        for _ in range(n):
            y = y * 0.5
            y = y + x
        (g,) = torch.autograd.grad(y, x, create_graph=create_graph)
        return [y, g, *(torch.autograd.grad(g * g, x) if g.requires_grad else ())]

    _both(monkeypatch, program)


def test_a_scalar_chain_keeps_no_intermediate_scalar():
    x = torch.tensor(0.75, requires_grad=True)
    y = torch.tensor(1.0) * 0.5 + x
    half = (y * 0.5).grad_fn
    assert type(half._arrays[0]) is ScalarMetadata and half._arrays[1] == 0.5
    total = (y + x).grad_fn
    assert total._arrays is STAND_INS[np.float32].both


def test_a_stand_in_is_shared_and_cannot_change():
    meta = STAND_INS[np.float64]
    assert (meta.shape, meta.ndim, meta.size, meta.strides, meta.dtype) == ((), 0, 1, (), np.float64)
    assert meta.astype(np.float32) is STAND_INS[np.float32]
    try:
        meta.dtype = np.dtype(np.float32)
    except AttributeError:
        pass
    else:
        raise AssertionError("a shared stand-in was changed")
