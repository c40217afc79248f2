"""A DataLoader over a TensorDataset gathers each batch's rows at once (``_tensor_rows``); the
batches are checked against the general path (each sample selected, then ``default_collate``'s
stack) on generated tensors and indices: values bit for bit, shapes, strides, dtypes, the
graph, and the errors of indices out of range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.torch.utils.data import DataLoader, TensorDataset, dataloader
from gradrepl.torch.utils.data.collate import default_collate

_DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, np.float16]


@st.composite
def _datasets(draw):
    rows = draw(st.integers(1, 7))
    tensors = []
    for _ in range(draw(st.integers(1, 3))):
        shape = (rows,) + tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
        dtype = draw(st.sampled_from(_DTYPES))
        raw = np.frombuffer(draw(st.binary(min_size=16 * int(np.prod(shape)) + 16,
                                           max_size=16 * int(np.prod(shape)) + 16)), np.uint8)
        values = raw[:np.dtype(dtype).itemsize * int(np.prod(shape))].view(dtype)
        if dtype == np.bool_:
            values = values.view(np.uint8) & 1 == 1
        t = gt.from_numpy(values.reshape(shape).copy())
        how = draw(st.sampled_from(["plain", "transposed", "sliced", "grad", "grad_leaf_off"]))
        if how == "transposed" and t.dim() >= 2:
            dims = tuple(reversed(range(t.dim())))
            t = gt.from_numpy(values.reshape(shape[::-1]).copy()).permute(*dims)
        elif how == "sliced" and t.dim() >= 2 and shape[1] > 1:
            wide = gt.from_numpy(np.repeat(values.reshape(shape), 2, axis=1).copy())
            t = wide[:, ::2]
        elif how == "grad" and t.dtype.is_floating_point:
            t = t.float().requires_grad_()
        tensors.append(t)
    index = draw(st.lists(st.integers(-rows - 1, rows), max_size=9)
                 | st.lists(st.integers(0, rows - 1), min_size=1, max_size=9))
    return tensors, index


def _describe(batch):
    return [(type(t).__name__, tuple(t.shape), t.stride(), str(t.dtype), t.requires_grad,
             t.is_leaf, t.grad_fn.name() if t.grad_fn is not None else None,
             t.detach().numpy().tobytes()) for t in batch]


def _general(tensors, index):
    dataset = TensorDataset(*tensors)
    return default_collate([dataset[i] for i in index])


@settings(max_examples=120, deadline=None)
@given(_datasets())
def test_gathered_rows_are_the_stacked_samples(case):
    tensors, index = case
    try:
        expected = _describe(_general(tensors, index))
    except Exception as exc:  # an index out of range: the select's error, not the gather's
        expected = (type(exc), str(exc))
    short = dataloader._tensor_rows(tensors, list(index))
    if short is not None:
        assert _describe(short) == expected
    loader = DataLoader(TensorDataset(*tensors), batch_sampler=[list(index)])
    try:
        got = _describe(next(iter(loader)))
    except Exception as exc:
        got = (type(exc), str(exc))
    assert got == expected


def test_a_lessons_batches_take_the_gather(monkeypatch):
    gt.manual_seed(0)
    points, labels = gt.randn(40, 2), gt.tensor([0, 1, 2, 3] * 10)
    loader = DataLoader(TensorDataset(points, labels), batch_size=16, shuffle=True)
    calls = []
    gather = dataloader._tensor_rows
    def recorded(*args):
        calls.append(gather(*args))
        return calls[-1]

    monkeypatch.setattr(dataloader, "_tensor_rows", recorded)
    gt.manual_seed(1)
    fast = [_describe(b) for b in loader]
    assert len(calls) == 3 and all(c is not None for c in calls)
    monkeypatch.setattr(dataloader, "TENSOR_ROWS", False)
    gt.manual_seed(1)
    assert [_describe(b) for b in loader] == fast


@pytest.mark.parametrize("index", [[0, 1.0], [np.int64(1)], [5], [-1]])
def test_other_indices_take_the_samples(index):
    assert dataloader._tensor_rows((gt.ones(3, 2),), index) is None
