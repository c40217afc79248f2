"""torch.topk's order of equal values against live torch: its CPU kernel selects with libstdc++'s
partial_sort or nth_element + sort, which are not stable, so ties (and sorted=False results) come
out in the order those algorithms leave them (engine/ops/std_select.py replays them)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gtorch
from gradrepl.engine.ops import std_select

torch = pytest.importorskip("torch")


def _topk(lib, values, k, dim, largest, sorted, dtype):
    x = lib.tensor(values, dtype=getattr(lib, dtype))
    result = lib.topk(x, k, dim=dim, largest=largest, sorted=sorted)
    return result.indices.tolist(), result.values.numpy().tobytes()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.integers(0, 6), st.data(), st.booleans(), st.booleans(),
       st.sampled_from(["float32", "float64", "int64"]))
def test_topk_orders_ties_as_torch_does(n, distinct, data, largest, sorted, dtype):
    k = data.draw(st.integers(0, n))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    values = rng.integers(0, distinct + 1, n).astype(np.float64)
    if dtype != "int64" and data.draw(st.booleans()):
        values[rng.random(n) < 0.1] = np.nan
    values = values.tolist()
    assert _topk(gtorch, values, k, -1, largest, sorted, dtype) == \
        _topk(torch, values, k, -1, largest, sorted, dtype)


@pytest.mark.parametrize("dim", [0, 1])
def test_topk_ties_along_either_dim(dim):
    values = (np.arange(60) % 4).reshape(6, 10).tolist()
    for k in (1, 3, 6):
        assert _topk(gtorch, values, k, dim, True, True, "float32") == \
            _topk(torch, values, k, dim, True, True, "float32")


def test_sort_replays_libstdcxx_on_distinct_values():
    """Without ties any correct sort gives the one order: a check of the replay itself."""
    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 5, 16, 17, 40, 1000):
        values = rng.random(n).tolist()
        seq = list(range(n))
        std_select.sort(seq, 0, n, lambda a, b: values[a] < values[b])
        assert seq == np.argsort(values, kind="stable").tolist()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(0, 5), st.data(), st.sampled_from(["float32", "float64", "int64"]))
def test_kthvalue_picks_among_ties_as_torch_does(n, distinct, data, dtype):
    """torch's quickselect (SortingUtils.h) returns one of several equal values' indices."""
    k = data.draw(st.integers(1, n))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    values = rng.integers(0, distinct + 1, n).astype(np.float64)
    if dtype != "int64" and data.draw(st.booleans()):
        values[rng.random(n) < 0.2] = np.nan
    results = []
    for lib in (torch, gtorch):
        result = lib.kthvalue(lib.tensor(values.tolist(), dtype=getattr(lib, dtype)), k)
        results.append((result.indices.item(), result.values.numpy().tobytes()))
    assert results[1] == results[0]
