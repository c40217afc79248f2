"""torch.nn.utils.rnn (PackedSequence, pack/pad functions) and recurrent layers on packed input,
against real PyTorch: values and gradients (bit for bit for the packing functions, which only
copy), grad_fn chains, reprs and errors; without torch, packing round trips (hypothesis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gt
from tests.torch_api.nn_compare import compare, same_error

ULPS = 32  # the recurrent layers' own last-bit differences (test_nn_recurrent.py)


def _chain(fn, depth=4):
    if fn is None or depth == 0:
        return None
    return (fn.name().replace("torch::autograd::", ""),
            [_chain(f, depth - 1) for f, _ in fn.next_functions])


PACKING = [
    lambda R, x: R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]))[0],
    lambda R, x: R.pad_packed_sequence(R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False),
                                       batch_first=True, total_length=6)[0],
    lambda R, x: R.pad_packed_sequence(
        R.pack_padded_sequence(x.transpose(0, 1), [3, 3, 1], batch_first=True),
        padding_value=-2.5)[0],
    lambda R, x: R.pack_padded_sequence(x, [4, 4, 4]).data,
    # lengths past the padded length: ATen's slices stop at the end, the data holds what there is
    lambda R, x: R.pack_padded_sequence(x, [6, 5, 1]).data.detach(),
    lambda R, x: R.pack_padded_sequence(x.transpose(0, 1), [5, 1, 1], batch_first=True).batch_sizes,
    lambda R, x: R.pad_sequence([x[:3, 0], x[:1, 1], x[:, 2]]),
    lambda R, x: R.pad_sequence([x[:3, 0], x[:1, 1], x[:, 2]], batch_first=True,
                                padding_value=1.5, padding_side="left"),
    lambda R, x: R.pack_sequence([x[:3, 0], x[:1, 1], x[:2, 2]], enforce_sorted=False).data,
    lambda R, x: R.unpack_sequence(R.pack_sequence([x[:, 0], x[:3, 1], x[:2, 2]]))[1],
    lambda R, x: R.unpad_sequence(
        x * 1, R.pack_sequence([x[:2, 0], x[:, 1], x[:3, 2]], False).batch_sizes[:3])[2],
]


@pytest.mark.torch
@pytest.mark.parametrize("call", PACKING)
def test_packing_functions_exact(real_torch, call):
    def build(lib):
        x = lib.randn(4, 3, 2, requires_grad=True)
        return call(lib.nn.utils.rnn, x), [x]
    compare(real_torch, build)
    chains = []
    for lib in (real_torch, gt):
        chains.append(_chain(call(lib.nn.utils.rnn, lib.randn(4, 3, 2, requires_grad=True)).grad_fn))
    assert chains[0] == chains[1]


@pytest.mark.torch
def test_packed_sequence_fields_and_repr_match(real_torch):
    results = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        R = lib.nn.utils.rnn
        packed = R.pack_sequence([lib.randn(2, 2), lib.randn(3, 2), lib.randn(1, 2)],
                                 enforce_sorted=False)
        padded, lengths = R.pad_packed_sequence(packed)
        results.append((repr(packed), repr(lengths), repr(padded), type(packed).__name__,
                        packed._fields, repr(packed.double().data.dtype),
                        repr(R.invert_permutation(lib.tensor([2, 0, 1])))))
    assert results[0] == results[1]


LAYERS = [("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
          ("LSTM", {"proj_size": 2, "bidirectional": True}), ("GRU", {"bidirectional": True}),
          ("GRU", {"num_layers": 2, "dropout": 0.5}), ("RNN", {"nonlinearity": "relu"}),
          ("RNN", {"num_layers": 2, "bidirectional": True, "batch_first": True})]


def _packed_build(kind, kw, sort, with_hidden):
    def build(lib):
        R = lib.nn.utils.rnn
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = getattr(lib.nn, kind)(2, 3, **kw)
        seqs = [lib.randn(n, 2, requires_grad=True) for n in (3, 1, 4, 3)]
        packed = R.pack_sequence(seqs if not sort else sorted(seqs, key=len, reverse=True),
                                 enforce_sorted=sort)
        hidden, leaves = None, seqs + list(layer.parameters())
        if with_hidden:
            rows = layer.num_layers * (2 if layer.bidirectional else 1)
            h0 = lib.randn(rows, 4, kw.get("proj_size") or 3, requires_grad=True)
            hidden, leaves = h0, leaves + [h0]
            if kind == "LSTM":
                c0 = lib.randn(rows, 4, 3, requires_grad=True)
                hidden, leaves = (h0, c0), leaves + [c0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            output, h_n = layer(packed, hidden)
        padded, _ = R.pad_packed_sequence(output, batch_first=True)
        finals = h_n if isinstance(h_n, tuple) else (h_n,)
        return padded * 2 + sum(f.sum() for f in finals), leaves
    return build


@pytest.mark.torch
@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("kind,kw", LAYERS, ids=[f"{k}{kw}" for k, kw in LAYERS])
def test_layers_on_packed_input_match(real_torch, kind, kw, sort):
    compare(real_torch, _packed_build(kind, kw, sort, with_hidden=False), ulps=ULPS)
    compare(real_torch, _packed_build(kind, kw, sort, with_hidden=True), ulps=ULPS)


@pytest.mark.torch
@pytest.mark.parametrize("kind,kw", LAYERS, ids=[f"{k}{kw}" for k, kw in LAYERS])
def test_packed_grad_fn_chains_match(real_torch, kind, kw):
    chains = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = getattr(lib.nn, kind)(2, 3, **kw)
            seqs = [lib.randn(n, 2, requires_grad=True) for n in (2, 4, 1)]
            output, h_n = layer(lib.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False))
        finals = h_n if isinstance(h_n, tuple) else (h_n,)
        chains.append([type(output).__name__, _chain(output.data.grad_fn)]
                      + [_chain(f.grad_fn) for f in finals])
    assert chains[0] == chains[1]


ERRORS = [
    lambda R, lib: R.pack_padded_sequence(lib.randn(4, 3, 2), [4, 2, 3]),
    lambda R, lib: R.pack_padded_sequence(lib.randn(4, 3, 2), [4, 2]),
    lambda R, lib: R.pack_padded_sequence(lib.randn(4, 3, 2), [4, 2, 0]),
    lambda R, lib: R.pack_padded_sequence(lib.randn(0, 3, 2), [4, 2, 1]),
    lambda R, lib: R.pack_padded_sequence(lib.randn(4, 3, 2), lib.tensor([[4, 2, 1]])),
    lambda R, lib: R.pad_packed_sequence(R.pack_padded_sequence(lib.randn(4, 3, 2), [4, 2, 1]),
                                         total_length=3),
    # lengths past the padded length: packing works, its backward and padding fail as in torch
    lambda R, lib: R.pack_padded_sequence(lib.randn(3, 2, 4, requires_grad=True),
                                          lib.tensor([4, 1])).data.sum().backward(),
    lambda R, lib: R.pad_packed_sequence(R.pack_padded_sequence(lib.randn(3, 2, 4), [4, 1])),
    lambda R, lib: R.pad_packed_sequence(R.pack_padded_sequence(lib.randn(3, 2, 4), [6, 5]),
                                         batch_first=True),
    lambda R, lib: R.pad_sequence([]),
    lambda R, lib: R.pad_sequence([lib.ones(2)], padding_side="middle"),
    lambda R, lib: R.pad_sequence(3),
    lambda R, lib: lib.nn.GRU(2, 3)(R.pack_sequence([lib.ones(2, 2)]), lib.zeros(1, 2, 3)),
    lambda R, lib: lib.nn.GRU(2, 3)(R.pack_sequence([lib.ones(2, 4)])),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", ERRORS)
def test_errors_match(real_torch, call):
    same_error(real_torch, lambda torch: call(torch.nn.utils.rnn, torch), gt)


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4), batch_first=st.booleans(),
       seed=st.integers(0, 2**16))
def test_pack_then_pad_round_trips(lengths, batch_first, seed):
    """Without torch: packing then padding gives the input back with zeros past each length,
    the lengths themselves, and a gradient that is the upstream one on the kept rows only."""
    R = gt.nn.utils.rnn
    rng = np.random.default_rng(seed)
    longest = max(lengths)
    values = rng.standard_normal((len(lengths), longest, 2))
    x = gt.tensor(values if batch_first else values.transpose(1, 0, 2), requires_grad=True)
    packed = R.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    padded, got_lengths = R.pad_packed_sequence(packed, batch_first=True)
    keep = np.arange(longest)[None, :, None] < np.array(lengths)[:, None, None]
    np.testing.assert_array_equal(padded.detach().numpy(), np.where(keep, values, 0))
    assert got_lengths.tolist() == lengths
    assert packed.batch_sizes.tolist() == [sum(n > t for n in lengths) for t in range(longest)]
    weights = rng.standard_normal(padded.shape)
    padded.backward(gt.tensor(weights))
    grad = np.where(keep, weights, 0)
    np.testing.assert_array_equal(x.grad.numpy(), grad if batch_first else grad.transpose(1, 0, 2))
