"""RNNCell, LSTMCell and GRUCell against real PyTorch: initial weights bit for bit, values and
gradients (tanh is MKL's in torch, so within a few ulps where it enters), grad_fn names, reprs
and errors; and float64 gradients without torch."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from tests.cpu_vendor import MKL_MEASURED
from tests.torch_api.nn_compare import compare, same_error


def _cell(lib, kind, **kw):
    return getattr(lib.nn, kind)(3, 4, **kw)


@pytest.mark.torch
@pytest.mark.parametrize("kind,kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                     ("RNNCell", {"bias": False}), ("LSTMCell", {}),
                                     ("GRUCell", {}), ("GRUCell", {"bias": False})])
def test_initial_weights_and_repr_match(real_torch, kind, kw):
    states = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        cell = _cell(lib, kind, **kw)
        states.append((repr(cell), [(n, p.detach().numpy().copy()) for n, p in cell.named_parameters()]))
    assert states[0][0] == states[1][0]
    assert [n for n, _ in states[0][1]] == [n for n, _ in states[1][1]]
    for (_, want), (_, got) in zip(states[0][1], states[1][1]):
        np.testing.assert_array_equal(got, want)


def _steps(kind, batched=True, with_hidden=True, **kw):
    def build(lib):
        cell = _cell(lib, kind, **kw)
        shape = (5, 3) if batched else (3,)
        x = lib.randn(*shape, requires_grad=True)
        hidden = None
        if with_hidden:
            hshape = (5, 4) if batched else (4,)
            hidden = lib.randn(*hshape, requires_grad=True)
            if kind == "LSTMCell":
                hidden = (hidden, lib.randn(*hshape, requires_grad=True))
        out = cell(x) if hidden is None else cell(x, hidden)
        if kind == "LSTMCell":
            out = out[0] * 2 + out[1]  # both outputs take part in the gradient
        leaves = [x, *cell.parameters()]
        return out, leaves
    return build


@pytest.mark.torch
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind,kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                     ("LSTMCell", {}), ("GRUCell", {})])
def test_one_step_matches(real_torch, kind, kw, batched):
    # relu's step is products and adds only: exact where MKL's product orders were measured
    exact = kw.get("nonlinearity") == "relu" and MKL_MEASURED
    compare(real_torch, _steps(kind, batched, **kw), ulps=0 if exact else 16)


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_default_hidden_state_is_zeros(real_torch, kind):
    compare(real_torch, _steps(kind, with_hidden=False), ulps=16)


@pytest.mark.torch
def test_grad_fn_chains_match(real_torch):
    def chain(fn, depth=3):
        if fn is None or depth == 0:
            return None
        return (fn.name().replace("torch::autograd::", ""),
                [chain(f, depth - 1) for f, _ in fn.next_functions])

    for kind in ("RNNCell", "LSTMCell", "GRUCell"):
        results = []
        for lib in (real_torch, gt):
            lib.manual_seed(0)
            out = _cell(lib, kind)(lib.randn(2, 3))
            results.append([chain(o.grad_fn) for o in (out if isinstance(out, tuple) else (out,))])
        assert results[0] == results[1], kind


ERRORS = [
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 5)),
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 3), lib.randn(2, 5)),
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 2, 3)),
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 3), lib.randn(3, 4)),
    lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="foo")(lib.randn(2, 3)),
    lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 5)),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", ERRORS)
def test_errors_match(real_torch, call):
    same_error(real_torch, call, gt)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_float64_gradients_are_numerically_right(kind):
    from tests.torch_api.test_nn_layers import _numerical_check

    gt.manual_seed(0)
    cell = getattr(gt.nn, kind)(3, 4).double()
    h = np.random.default_rng(1).standard_normal((2, 4))

    def step(x, h):
        out = cell(x, (h, h * 0.5)) if kind == "LSTMCell" else cell(x, h)
        return out[0] + out[1] if kind == "LSTMCell" else out
    _numerical_check(step, np.random.default_rng(0).standard_normal((2, 3)), h)


# --- nn.RNN and nn.GRU ------------------------------------------------------------------------

LAYERS = [("RNN", (3, 4), {}), ("RNN", (3, 4, 2), {"batch_first": True}),
          ("RNN", (3, 4, 1, "relu"), {}), ("GRU", (3, 4), {}),
          ("GRU", (3, 4, 2), {"batch_first": True, "bias": False}),
          ("GRU", (3, 4, 2), {"dropout": 0.5})]


def _layer_build(kind, args, kw, batched=True, with_hidden=False):
    def build(lib):
        layer = getattr(lib.nn, kind)(*args, **kw)
        shape = ((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)) if batched else (5, 3)
        x = lib.randn(*shape, requires_grad=True)
        layers = args[2] if len(args) > 2 else 1
        hidden = None
        if with_hidden:
            hidden = lib.randn(*((layers, 2, 4) if batched else (layers, 4)), requires_grad=True)
        out, h_n = layer(x) if hidden is None else layer(x, hidden)
        leaves = [x, *layer.parameters()] + ([hidden] if hidden is not None else [])
        return out * 2 + h_n.sum(), leaves
    return build


@pytest.mark.torch
@pytest.mark.parametrize("kind,args,kw", LAYERS)
def test_layers_match(real_torch, kind, args, kw):
    exact = len(args) > 3 and args[3] == "relu"
    compare(real_torch, _layer_build(kind, args, kw), ulps=0 if exact else 32)
    assert repr(getattr(gt.nn, kind)(*args, **kw)) == repr(getattr(real_torch.nn, kind)(*args, **kw))


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_layers_unbatched_and_with_initial_state(real_torch, kind):
    compare(real_torch, _layer_build(kind, (3, 4, 2), {}, batched=False, with_hidden=True), ulps=32)
    compare(real_torch, _layer_build(kind, (3, 4, 2), {}, with_hidden=True), ulps=32)


@pytest.mark.torch
def test_layer_grad_fns_and_parameters_match(real_torch):
    for kind, args, kw in LAYERS[:2] + LAYERS[3:5]:
        results = []
        for lib in (real_torch, gt):
            lib.manual_seed(0)
            layer = getattr(lib.nn, kind)(*args, **kw)
            x = lib.randn(*((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)))
            out, h_n = layer(x)
            results.append((out.grad_fn.name(), h_n.grad_fn.name(),
                            [n for n, _ in layer.named_parameters()],
                            [p.detach().numpy().copy() for p in layer.parameters()]))
        assert results[0][:3] == results[1][:3]
        for want, got in zip(results[0][3], results[1][3]):
            np.testing.assert_array_equal(got, want)


LAYER_ERRORS = [
    lambda lib: lib.nn.RNN(3, 4, 2)(lib.randn(5, 2, 4)),
    lambda lib: lib.nn.RNN(3, 4, 2)(lib.randn(5, 2, 3), lib.randn(1, 2, 4)),
    lambda lib: lib.nn.RNN(3, 4, 2)(lib.randn(4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3), lib.randn(1, 3, 4)),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", LAYER_ERRORS)
def test_layer_errors_match(real_torch, call):
    test_errors_match(real_torch, call)
