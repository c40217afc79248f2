"""nn.LSTM, and nn.RNN/nn.GRU/nn.LSTM with bidirectional, proj_size, dropout and several layers,
against real PyTorch: parameter names, order and initial bits, reprs and state_dict keys; values
and gradients of every parameter and the input (float32 LSTM within a few ulps: oneDNN's kernels,
docs/nn.md); grad_fn chains; torch's errors. Without torch: the oneDNN LSTM row's float64
gradients numerically, and the row against the native loop built from recorded ops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gt
from tests.cpu_vendor import ONEDNN_MEASURED, ONEDNN_UNMEASURED
from tests.torch_api.nn_compare import compare, run, same_error

CONFIGS = [
    ("LSTM", (3, 4), {}),
    ("LSTM", (3, 4, 2), {"bidirectional": True}),
    ("LSTM", (3, 4, 2), {"batch_first": True, "dropout": 0.5}),
    ("LSTM", (3, 4), {"bias": False, "batch_first": True, "bidirectional": True}),
    ("LSTM", (3, 4, 2), {"proj_size": 2}),
    ("LSTM", (3, 5, 2), {"proj_size": 3, "bidirectional": True, "bias": False}),
    ("RNN", (3, 4, 2), {"bidirectional": True}),
    ("RNN", (3, 4, 2, "relu"), {"bidirectional": True, "batch_first": True, "dropout": 0.4}),
    ("GRU", (3, 4), {"bidirectional": True}),
    ("GRU", (3, 4, 3), {"bidirectional": True, "bias": False, "dropout": 0.3}),
]
IDS = [f"{kind}{args}{kw}" for kind, args, kw in CONFIGS]


def _layer(lib, kind, args, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the projections-without-oneDNN warning
        return getattr(lib.nn, kind)(*args, **kw)


def _build(kind, args, kw, batched=True, with_hidden=False, dtype=None):
    def build(lib):
        layer = _layer(lib, kind, args, kw)
        if dtype == "float64":
            layer = layer.double()
        dt = getattr(lib, dtype) if dtype else None
        seq, batch = 5, 2
        shape = ((batch, seq, 3) if kw.get("batch_first") else (seq, batch, 3)) if batched \
            else (seq, 3)
        x = lib.randn(*shape, dtype=dt, requires_grad=True)
        hidden, leaves = None, [x, *layer.parameters()]
        if with_hidden:
            rows = layer.num_layers * (2 if layer.bidirectional else 1)
            real = getattr(layer, "proj_size", 0) or layer.hidden_size
            lead = (rows, batch) if batched else (rows,)
            hidden = lib.randn(*lead, real, dtype=dt, requires_grad=True)
            leaves.append(hidden)
            if kind == "LSTM":
                cell = lib.randn(*lead, layer.hidden_size, dtype=dt, requires_grad=True)
                leaves.append(cell)
                hidden = (hidden, cell)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, h_n = layer(x) if hidden is None else layer(x, hidden)
        extra = h_n[0].sum() * 2 + h_n[1].sum() * 3 if kind == "LSTM" else h_n.sum() * 2
        return out * 2 + extra, leaves
    return build


# MKL's tanh and the second layer's matrix products (even with relu) differ from torch's in the
# last bits in the native loop; a one-layer relu RNN is exact (test_nn_rnn_cells), and so is the
# float32 LSTM, which runs oneDNN's arithmetic forward and backward (onednn_math, lstm_layer)
ULPS = 32


def _ulps(kind, kw, dtype=None):
    onednn = kind == "LSTM" and not kw.get("proj_size") and dtype in (None, "float32")
    return 0 if onednn and ONEDNN_MEASURED else ULPS


# where oneDNN's kernels were not measured (ONEDNN_UNMEASURED), its LSTM is compared within ULPS
ONEDNN_ULPS = 0 if ONEDNN_MEASURED else ULPS


@pytest.mark.torch
@pytest.mark.parametrize("kind,args,kw", CONFIGS, ids=IDS)
def test_parameters_repr_and_state_dict_match(real_torch, kind, args, kw):
    states = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        layer = _layer(lib, kind, args, kw)
        states.append((repr(layer), list(layer.state_dict()),
                       [(n, p.detach().numpy().copy()) for n, p in layer.named_parameters()],
                       [[p.shape for p in group] for group in layer.all_weights]))
    assert states[0][:2] == states[1][:2]
    assert [n for n, _ in states[0][2]] == [n for n, _ in states[1][2]]
    assert [[tuple(s) for s in g] for g in states[0][3]] == \
        [[tuple(s) for s in g] for g in states[1][3]]
    for (_, want), (_, got) in zip(states[0][2], states[1][2]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.torch
@pytest.mark.parametrize("kind,args,kw", CONFIGS, ids=IDS)
def test_values_and_gradients_match(real_torch, kind, args, kw):
    compare(real_torch, _build(kind, args, kw), ulps=_ulps(kind, kw))


@pytest.mark.torch
@pytest.mark.parametrize("kind,args,kw", [CONFIGS[1], CONFIGS[5], CONFIGS[6], CONFIGS[9]],
                         ids=[IDS[1], IDS[5], IDS[6], IDS[9]])
def test_unbatched_and_initial_state_match(real_torch, kind, args, kw):
    ulps = _ulps(kind, kw)
    compare(real_torch, _build(kind, args, kw, batched=False, with_hidden=True), ulps=ulps)
    compare(real_torch, _build(kind, args, kw, with_hidden=True), ulps=ulps)


@pytest.mark.torch
@pytest.mark.parametrize("kind,args,kw", [CONFIGS[0], CONFIGS[1], CONFIGS[3], CONFIGS[4]],
                         ids=[IDS[0], IDS[1], IDS[3], IDS[4]])
def test_float64_lstm_runs_the_native_loop(real_torch, kind, args, kw):
    compare(real_torch, _build(kind, args, kw, with_hidden=True, dtype="float64"), ulps=16)


def _chain(fn, depth=3):
    if fn is None or depth == 0:
        return None
    return (fn.name().replace("torch::autograd::", ""),
            [_chain(f, depth - 1) for f, _ in fn.next_functions])


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,args,kw", CONFIGS, ids=IDS)
def test_grad_fn_chains_match(real_torch, kind, args, kw, dtype):
    results = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        layer = _layer(lib, kind, args, kw).to(getattr(lib, dtype))
        x = lib.randn(*((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)),
                      dtype=getattr(lib, dtype), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, h_n = layer(x)
        finals = h_n if isinstance(h_n, tuple) else (h_n,)
        results.append([_chain(t.grad_fn) for t in (out, *finals)])
    assert results[0] == results[1]


@pytest.mark.torch
def test_dropout_masks_follow_torchs_generator(real_torch):
    """Two layers with dropout in training: the masks come from the seeded generator in
    torch's order, so even the values after the dropped layer agree; eval mode drops nothing."""
    for training in (True, False):
        def build(lib):
            layer = lib.nn.LSTM(3, 4, 3, dropout=0.5, bidirectional=True).train(training)
            x = lib.randn(6, 2, 3, requires_grad=True)
            return layer(x)[0], [x, *layer.parameters()]
        compare(real_torch, build, ulps=ONEDNN_ULPS)


LAYER_ERRORS = [
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 4)),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 3), (lib.randn(1, 3, 4), lib.randn(1, 2, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 3), (lib.randn(1, 2, 4), lib.randn(2, 2, 4))),
    lambda lib: lib.nn.LSTM(3, 4, proj_size=2)(lib.randn(5, 2, 3),
                                              (lib.randn(1, 2, 4), lib.randn(1, 2, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 3), (lib.randn(2, 4), lib.randn(1, 2, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 3), (lib.randn(1, 1, 4), lib.randn(1, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(4, 5, 2, 3)),
    lambda lib: lib.nn.LSTM(3, 4)(lib.randn(5, 2, 3, dtype=lib.float64)),
    lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 3), lib.randn(1, 1, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.randn(5, 2, 3), lib.randn(2, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.randn(3)),
    lambda lib: lib.nn.RNN(3, 4, bidirectional=True)(lib.randn(5, 2, 3), lib.randn(1, 2, 4)),
    lambda lib: lib.nn.LSTM(3, 4, proj_size=4),
    lambda lib: lib.nn.LSTM(3, 4, proj_size=-1),
    lambda lib: lib.nn.GRU(3, 4, proj_size=2),
    lambda lib: lib.nn.RNN(3, 4, proj_size=2),
    lambda lib: lib.nn.LSTM(3, 4, dropout=1.5),
    lambda lib: lib.nn.LSTM(3, 4, bias=1),
    lambda lib: lib.nn.LSTM(3, 0),
    lambda lib: lib.nn.LSTM(3.0, 4),
    lambda lib: lib.nn.LSTM(3, 4, 0),
    lambda lib: lib.nn.RNN(3, 4, 1, "sigmoid"),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", LAYER_ERRORS)
def test_errors_match(real_torch, call):
    same_error(real_torch, call, gt)


@pytest.mark.torch
def test_dropout_with_one_layer_warns_as_torch(real_torch):
    messages = []
    for lib in (real_torch, gt):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.LSTM(3, 4, dropout=0.2)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and messages[0]


def test_flatten_parameters_is_a_no_op_and_weights_stay_shared():
    gt.manual_seed(0)
    lstm = gt.nn.LSTM(2, 3, bidirectional=True)
    before = [p.detach().clone() for p in lstm.parameters()]
    lstm.flatten_parameters()
    assert all(bool((a == b).all()) for a, b in zip(before, lstm.parameters()))
    assert lstm._flat_weights[0] is lstm.weight_ih_l0
    assert lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse


# --- the oneDNN LSTM row without torch --------------------------------------------------------

def _row_inputs(rng, seq, batch, features, hidden, bias=True):
    make = lambda *s: gt.tensor(rng.standard_normal(s) * 0.5, requires_grad=True)  # noqa: E731
    return (make(seq, batch, features), make(4 * hidden, features), make(4 * hidden, hidden),
            make(4 * hidden) if bias else None, make(4 * hidden) if bias else None,
            make(batch, hidden), make(batch, hidden))


def _loss(outputs):
    out, h, c = outputs
    return (out * out).sum() + (h * 3).sum() + (c * c * 2).sum()


@settings(max_examples=15, deadline=None)
@given(seq=st.integers(1, 4), batch=st.integers(1, 3), features=st.integers(1, 3),
       hidden=st.integers(1, 3), reverse=st.booleans(), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_onednn_row_equals_the_native_loop_in_float64(seq, batch, features, hidden, reverse,
                                                      bias, seed):
    """The fused row (one node, numpy backward) against the same step built from recorded ops
    (ATen's native loop), values and every gradient, in float64."""
    from types import SimpleNamespace

    from gradrepl.engine import ops
    from gradrepl.engine.ops.lstm_layer import lstm_layer
    from gradrepl.torch.nn.modules.recurrent_run import lstm_step

    inputs = _row_inputs(np.random.default_rng(seed), seq, batch, features, hidden, bias)
    fused = lstm_layer(*inputs, reverse=reverse)
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
    w = SimpleNamespace(hh=w_hh, b_hh=b_hh, hr=None)
    steps = ops.unbind(gt.nn.functional.linear(x, w_ih, b_ih), 0)
    state, outs = (h0, c0), []
    for projected in (steps[::-1] if reverse else steps):
        state = lstm_step(projected, state, w)
        outs.append(state[0])
    native = (ops.stack(outs[::-1] if reverse else outs, 0), *state)
    leaves = [t for t in inputs if t is not None]
    grads = []
    for outputs in (fused, native):
        for t in leaves:
            t.grad = None
        _loss(outputs).backward()
        grads.append([t.grad.numpy().copy() for t in leaves])
    for a, b in zip(fused + tuple(grads[0]), native + tuple(grads[1])):
        a = a.detach().numpy() if hasattr(a, "detach") else a
        b = b.detach().numpy() if hasattr(b, "detach") else b
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_onednn_row_gradients_are_numerically_right():
    from gradrepl.engine.ops.lstm_layer import lstm_layer

    inputs = _row_inputs(np.random.default_rng(3), 3, 2, 2, 2)
    assert gt.autograd.gradcheck(lambda *a: _loss(lstm_layer(*a, reverse=True)), inputs)


def test_onednn_row_grad_fn_and_edges():
    from gradrepl.engine.ops.lstm_layer import lstm_layer

    inputs = _row_inputs(np.random.default_rng(0), 2, 1, 2, 2, bias=False)
    out, h, c = lstm_layer(*[t.float() if t is not None else None for t in inputs],
                           reverse=False)
    assert out.grad_fn is h.grad_fn is c.grad_fn
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0"
    assert [f is None for f, _ in out.grad_fn.next_functions] == \
        [False, False, False, True, True, False, False]


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("shape", [(0, 2, 3), (4, 0, 3)])
def test_empty_sequence_or_batch_as_torch(real_torch, kind, shape):
    """No steps: torch's "Expected sequence length to be larger than 0 in RNN"; no sequences:
    an empty output (oneDNN is skipped for an empty input, so LSTM runs the native loop)."""
    outcome = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        try:
            out, _ = getattr(lib.nn, kind)(3, 4)(lib.randn(*shape, requires_grad=True))
            outcome.append((tuple(out.shape), out.grad_fn.name()))
        except RuntimeError as error:
            outcome.append(str(error))
    assert outcome[0] == outcome[1]


def test_activations_of_empty_tensors():
    """The float kernels' loop split an empty run into zero-sized chunks (range step 0)."""
    for op in (gt.sigmoid, gt.tanh, gt.exp):
        assert op(gt.randn(0, 3)).shape == (0, 3)


# --- oneDNN's forward arithmetic, bit for bit ------------------------------------------------

ONEDNN = [("LSTM", (3, 4), {}), ("LSTM", (5, 8, 2), {"bidirectional": True}),
          ("LSTM", (3, 4, 3), {"batch_first": True, "bias": False}),
          ("LSTM", (16, 32, 2), {"dropout": 0.3})]


@pytest.mark.torch
@pytest.mark.parametrize("with_hidden", [False, True])
@pytest.mark.parametrize("kind,args,kw", ONEDNN, ids=[f"{a}{kw}" for _, a, kw in ONEDNN])
def test_float32_lstm_forward_is_bit_identical(real_torch, kind, args, kw, with_hidden):
    """The float32 LSTM runs oneDNN's GEMM order, sigmoid, tanh and cell update: output, h_n
    and c_n carry torch's bits (the gradients do not: test_values_and_gradients_match)."""
    results = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        layer = getattr(lib.nn, kind)(*args, **kw)
        rows = layer.num_layers * (2 if layer.bidirectional else 1)
        x = lib.randn(*((3, 7, args[0]) if kw.get("batch_first") else (7, 3, args[0])))
        hidden = (lib.randn(rows, 3, args[1]), lib.randn(rows, 3, args[1])) if with_hidden else None
        out, (h_n, c_n) = layer(x, hidden)
        results.append([t.detach().numpy().copy() for t in (out, h_n, c_n)])
    for want, got in zip(*results):
        if ONEDNN_MEASURED:
            np.testing.assert_array_equal(got, want)
        else:  # within ULPS of the largest value, as nn_compare.differences bounds it
            bound = ULPS * np.spacing(np.abs(want).max())
            np.testing.assert_allclose(got, want, rtol=0, atol=bound, err_msg=ONEDNN_UNMEASURED)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.sampled_from([1e-5, 0.01, 1.0, 4.0, 10.0]))
def test_onednn_activations_stay_within_their_documented_error(seed, scale):
    """Without torch: oneDNN's sigmoid is within 3 ulps and its tanh within 1 ulp of the
    correctly rounded values (measured on 4096 values against torch: docs/nn.md). Below about
    -87 oneDNN's exp flushes to zero (2^-127 has no normal encoding), so sigmoid is 0 there."""
    from gradrepl.engine.ops import onednn_math

    z = np.random.default_rng(seed).standard_normal(512) * scale
    z = np.clip(z, -80, 80).astype(np.float32)
    for ours, exact, bound in ((onednn_math.sigmoid, lambda v: 1 / (1 + np.exp(-v)), 3),
                               (onednn_math.tanh, np.tanh, 1)):
        want = exact(z.astype(np.float64)).astype(np.float32)
        got = ours(z)
        assert got.dtype == np.float32
        gap = np.abs(got.astype(np.float64) - want)
        assert (gap <= bound * np.spacing(np.abs(want))).all()


@pytest.mark.torch
def test_onednn_activations_at_the_extremes_match_torch(real_torch):
    """Through a one-step LSTM with zero weights: c = sigmoid(z) or tanh(z) exactly."""
    from gradrepl.engine.ops import onednn_math

    z = np.array([-87.04, -86.5, -100, 88, -1e-30, 0.0, 1e-40, -17.3, 9.02, 9.01, 4.2e-4, -3e-4,
                  1e30, np.inf, -np.inf, 0.3, -2.0059137], np.float32)
    lstm, saturated = real_torch.nn.LSTM(1, z.size), np.full(z.size, 30, np.float32)
    for gates, ours in (([z] + [saturated] * 3, onednn_math.sigmoid),
                        ([saturated] * 2 + [z, saturated], onednn_math.tanh)):
        with real_torch.no_grad():
            for p in lstm.parameters():
                p.zero_()
            lstm.bias_ih_l0.copy_(real_torch.tensor(np.concatenate(gates)))
            c = lstm(real_torch.zeros(1, 1, 1))[1][1].numpy()[0, 0]
        np.testing.assert_array_equal(ours(z) + np.float32(0), c)  # the cell adds +0


def test_onednn_gate_product_is_the_sequential_fma_chain():
    from gradrepl.engine.ops import onednn_math

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 5)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    chain = np.zeros((3, 4), np.float32)
    for k in range(5):  # fma in float64 then float32: exact here (no midpoint cases at this size)
        chain = (a[:, k:k + 1].astype(np.float64) * b[k:k + 1] + chain).astype(np.float32)
    np.testing.assert_array_equal(onednn_math.gate_product(a, b), chain)


SHAPES = [(1, 1, 2, 3, {}), (4, 1, 3, 5, {"bidirectional": True}), (3, 2, 2, 7, {}),
          (3, 2, 1, 7, {}),
          (6, 5, 4, 2, {"num_layers": 2}), (2, 3, 6, 9, {"bidirectional": True, "bias": False}),
          (5, 1, 7, 16, {"num_layers": 2, "bidirectional": True}), (7, 4, 9, 12, {})]


@pytest.mark.torch
@pytest.mark.parametrize("seq,batch,features,hidden,kw", SHAPES)
def test_float32_lstm_values_and_gradients_are_bit_identical(real_torch, seq, batch, features,
                                                              hidden, kw):
    """Forward and backward of oneDNN's LSTM in torch's bits, over sequence lengths, batches
    (one included: oneDNN's training primitive sums differently there), sizes and layouts,
    with a given (h0, c0) and every output taking part in the gradient."""
    def build(lib):
        layer = lib.nn.LSTM(features, hidden, **kw)
        rows = layer.num_layers * (2 if layer.bidirectional else 1)
        x = lib.randn(seq, batch, features, requires_grad=True)
        h0 = lib.randn(rows, batch, hidden, requires_grad=True)
        c0 = lib.randn(rows, batch, hidden, requires_grad=True)
        out, (h_n, c_n) = layer(x, (h0, c0))
        total = lib.cat([out.reshape(-1), h_n.reshape(-1) * 3, c_n.reshape(-1) * 0.5])
        return total, [x, h0, c0, *layer.parameters()]
    # with one input feature oneDNN sums the input's gradient (a product with one column) in an
    # order gradrepl has not found: that gradient alone is within a few ulps (docs/nn.md)
    compare(real_torch, build, ulps=4 if features == 1 and ONEDNN_MEASURED else ONEDNN_ULPS)
