"""Strides of expanded tensors and of fresh results computed from them, against live torch:
expand's own strides (inferExpandGeometry: a new leading dim of size 1 spans the dims after it)
and the layout torch's TensorIterator gives an elementwise result, a clone or a cast of a tensor
with broadcast (stride-0) dims (ops/layout.py), whatever the permutation on top."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gtorch
from gradrepl.engine.ops.layout import torch_layout

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RESULTS = {
    "itself": lambda t: t, "exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(),
    "neg": lambda t: -t, "clone": lambda t: t.clone(), "double": lambda t: t.double(),
    "int": lambda t: t.int(), "contiguous": lambda t: t.contiguous(), "plus": lambda t: t + 1,
}


@st.composite
def expansions(draw):
    shape = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    lead = draw(st.lists(st.integers(1, 3), min_size=0 if shape else 1, max_size=2))
    target = lead + [draw(st.sampled_from([s, 3])) if s == 1 else s for s in shape]
    order = draw(st.permutations(range(len(target))))
    return tuple(shape), tuple(target), tuple(order)


@settings(max_examples=150)
@given(expansions(), st.sampled_from(sorted(RESULTS)))
def test_expanded_strides_match_torch(case, result):
    shape, target, order = case

    def strides(lib):
        base = lib.arange(float(np.prod(shape, dtype=int))).reshape(shape)
        made = RESULTS[result](base.expand(*target).permute(*order))
        # a size-1 dim's stride is numpy's own in a copy (torch keeps the input's): not compared
        kept = [stride for size, stride in zip(made.shape, made.stride()) if size != 1]
        return kept, made.is_contiguous(), made.reshape(-1).tolist()

    mine, theirs = strides(gtorch), strides(torch)
    assert mine[:2] == theirs[:2]
    assert np.allclose(mine[2], theirs[2], rtol=1e-6)  # exp and tanh are MKL's in torch


def test_an_expanded_result_views_as_in_torch():
    for lib in (gtorch, torch):
        assert lib.tensor([1., 2., 3.]).expand(2, 3).exp().view(6).shape == (6,)


def test_layout_leaves_dense_results_alone():
    a = np.ones((2, 3))
    assert torch_layout(a.T.copy(), a.T).strides == a.T.copy().strides
    for shape in itertools.product([1, 2], repeat=3):
        b = np.ones(shape)
        assert torch_layout(b + 1, b).strides == (b + 1).strides
