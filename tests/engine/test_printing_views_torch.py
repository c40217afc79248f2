"""Printing summarised views (expanded, transposed, stepped, permuted) without copying them whole.

torch prints a summarised tensor from its edge items only, so an expanded view far larger than
memory (``torch.zeros(10**8).expand(10**8, 10**8)``) prints at once. gradrepl used to gather the edge
items with ``ndarray.take``, which first copies a non-contiguous array whole and failed with
torch's out-of-memory message instead (s-learner, session 17).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gtorch

ZEROS_ROWS = """\
tensor([[0., 0., 0.,  ..., 0., 0., 0.],
        [0., 0., 0.,  ..., 0., 0., 0.],
        [0., 0., 0.,  ..., 0., 0., 0.],
        ...,
        [0., 0., 0.,  ..., 0., 0., 0.],
        [0., 0., 0.,  ..., 0., 0., 0.],
        [0., 0., 0.,  ..., 0., 0., 0.]])"""


def test_an_expanded_view_larger_than_memory_prints_its_edges():
    # 10**8 x 10**5 float32 is 40 TB: only its 36 edge items may be read
    assert str(gtorch.zeros(10**5).expand(10**8, 10**5)) == ZEROS_ROWS
    column = gtorch.arange(3.0).reshape(3, 1, 1).expand(3, 10**7, 10**6)
    assert str(column[:, :2, :2]) == "tensor([[[0., 0.],\n         [0., 0.]],\n\n        [[1., 1.],\n" \
        "         [1., 1.]],\n\n        [[2., 2.],\n         [2., 2.]]])"
    assert "..." in repr(column)


VIEWS = ["expand", "t", "step", "permute", "flip_slice"]


def make_view(module, kind: str, rows: int, cols: int):
    base = module.arange(rows * cols, dtype=module.float32).reshape(rows, cols) / 7
    if kind == "expand":
        return base[:1].expand(rows * 3, cols)
    if kind == "t":
        return base.t()
    if kind == "step":
        return base[::2, ::3]
    if kind == "permute":
        return base.reshape(rows, cols, 1).permute(2, 1, 0)
    return base[1:, 2:].t()[1:]


@pytest.mark.torch
@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(VIEWS), rows=st.integers(3, 40), cols=st.integers(3, 1200))
def test_summarised_views_print_as_torch_prints_them(kind, rows, cols):
    torch = pytest.importorskip("torch")
    ours, theirs = make_view(gtorch, kind, rows, cols), make_view(torch, kind, rows, cols)
    assert str(ours) == str(theirs)
