"""Differential test against live torch for issue 7's shape and indexing ops: Hypothesis draws
shapes, dtypes, dims and indices; every observable (repr, values, dtype, grad_fn and edges,
gradients, errors) must agree (see test_differential.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from op_helper import Case, T
from test_differential import ALL_DTYPES, SETTINGS, check, tensor_input, values

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.sampled_from(ALL_DTYPES), st.data())
def test_rearrangements(shape, dtype, data):
    array = data.draw(values(shape, dtype))
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    dims = tuple(data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))
    shift = data.draw(st.integers(-5, 5))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=ndim, max_size=ndim + 1)))
    size = shape[dim]
    start = data.draw(st.integers(-size, size))
    length = data.draw(st.integers(0, size))
    pieces = data.draw(st.integers(1, 4))
    fns = {
        "flip": lambda a: a.flip(dims), "roll": lambda a: a.roll(shift, dim),
        "repeat": lambda a: a.repeat(*reps), "tile": lambda a: a.tile(reps[:2]),
        "narrow": lambda a: a.narrow(dim, start, length), "chunk": lambda a: a.chunk(pieces, dim),
        "split": lambda a: a.split(pieces, dim), "tensor_split": lambda a: a.tensor_split(pieces, dim),
        "movedim": lambda a: a.movedim(dim, 0), "repeat_interleave": lambda a: a.repeat_interleave(pieces, dim),
        "tril": lambda a: a.tril(shift), "triu": lambda a: a.triu(shift),
        "diagonal": lambda a: a.diagonal(shift, 0, -1), "nonzero": lambda a: a.nonzero(),
    }
    name = data.draw(st.sampled_from(sorted(fns)))
    check(Case(f"shape_{name}", fns[name], [tensor_input(array)]))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.sampled_from(["float32", "float64", "int64"]), st.data())
def test_gather_scatter_index_select(shape, dtype, data):
    array = data.draw(values(shape, dtype))
    ndim = len(shape)
    dim = data.draw(st.integers(0, ndim - 1))
    index_shape = tuple(data.draw(st.integers(1, s)) for s in shape)
    index = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    picks = data.draw(hnp.arrays(np.int64, (data.draw(st.integers(0, 5)),), elements=st.integers(0, shape[dim] - 1)))
    src = data.draw(values(index_shape, dtype))
    fns = {
        "gather": lambda a, i, s: a.gather(dim, i),
        "scatter_add": lambda a, i, s: a.scatter_add(dim, i, s),
        "index_select": lambda a, i, s: a.index_select(dim, T.tensor(picks)),
        "take": lambda a, i, s: a.take(i),
    }
    name = data.draw(st.sampled_from(sorted(fns)))
    if name == "take":
        index = index % max(array.size, 1)
    check(Case(f"index_{name}", fns[name],
               [tensor_input(array), tensor_input(index, grad=False), tensor_input(src)]))


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.sampled_from(ALL_DTYPES), st.data())
def test_masks_and_broadcasting(shapes, dtype, data):
    x_shape, mask_shape = shapes.input_shapes
    array = data.draw(values(x_shape, dtype))
    mask = data.draw(hnp.arrays(np.bool_, mask_shape))
    fns = {
        "masked_fill": lambda a, m: a.masked_fill(m, 1),
        "masked_select": lambda a, m: a.masked_select(m),
        "broadcast_tensors": lambda a, m: T.broadcast_tensors(a, m),
        "broadcast_to": lambda a, m: a.broadcast_to(shapes.result_shape),
    }
    name = data.draw(st.sampled_from(sorted(fns)))
    check(Case(f"mask_{name}", fns[name], [tensor_input(array), tensor_input(mask)]))
