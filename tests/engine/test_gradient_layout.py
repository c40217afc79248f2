"""The layout of a gradient as torch 2.13 gives it, without torch: the strides and contiguity a
hook sees (a sum's gradient is a stride-0 expand at every size; mean's division makes a new
contiguous one) and a leaf's .grad (AccumulateGrad copies into the leaf's own strides when the
leaf is dense). Expectations recorded from torch by the same cases run in
test_gradient_layout_torch.py."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_layout_cases import LEAVES, REDUCTIONS, SHAPES, seen_by_hook

import gradrepl.torch as torch
from gradrepl.engine.ops import backends
from gradrepl.engine.views import OVERLAP

# (case, shape or leaf): ((hook's strides, contiguous), (.grad's strides, contiguous))
RECORDED = {
    ('sum', (1,)): (((0,), True), ((1,), True)),
    ('sum', (3,)): (((0,), False), ((1,), True)),
    ('sum', (2, 1)): (((0, 0), False), ((1, 1), True)),
    ('sum', (1, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum', (2, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum', (20000,)): (((0,), False), ((1,), True)),
    ('sum', (2, 20000)): (((0, 0), False), ((20000, 1), True)),
    ('mean', (1,)): (((1,), True), ((1,), True)),
    ('mean', (3,)): (((1,), True), ((1,), True)),
    ('mean', (2, 1)): (((1, 1), True), ((1, 1), True)),
    ('mean', (1, 3)): (((3, 1), True), ((3, 1), True)),
    ('mean', (2, 3)): (((3, 1), True), ((3, 1), True)),
    ('mean', (20000,)): (((1,), True), ((1,), True)),
    ('mean', (2, 20000)): (((20000, 1), True), ((20000, 1), True)),
    ('sum0', (1,)): (((1,), True), ((1,), True)),
    ('sum0', (3,)): (((0,), False), ((1,), True)),
    ('sum0', (2, 1)): (((0, 0), False), ((1, 1), True)),
    ('sum0', (1, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum0', (2, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum0', (20000,)): (((0,), False), ((1,), True)),
    ('sum0', (2, 20000)): (((0, 0), False), ((20000, 1), True)),
    ('sum_last_keepdim', (1,)): (((0,), True), ((1,), True)),
    ('sum_last_keepdim', (3,)): (((0,), False), ((1,), True)),
    ('sum_last_keepdim', (2, 1)): (((0, 0), False), ((1, 1), True)),
    ('sum_last_keepdim', (1, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum_last_keepdim', (2, 3)): (((0, 0), False), ((3, 1), True)),
    ('sum_last_keepdim', (20000,)): (((0,), False), ((1,), True)),
    ('sum_last_keepdim', (2, 20000)): (((0, 0), False), ((20000, 1), True)),
    ('mean0', (1,)): (((1,), True), ((1,), True)),
    ('mean0', (3,)): (((1,), True), ((1,), True)),
    ('mean0', (2, 1)): (((1, 1), True), ((1, 1), True)),
    ('mean0', (1, 3)): (((3, 1), True), ((3, 1), True)),
    ('mean0', (2, 3)): (((3, 1), True), ((3, 1), True)),
    ('mean0', (20000,)): (((1,), True), ((1,), True)),
    ('mean0', (2, 20000)): (((20000, 1), True), ((20000, 1), True)),
    ('times_two', (1,)): (((1,), True), ((1,), True)),
    ('times_two', (3,)): (((1,), True), ((1,), True)),
    ('times_two', (2, 1)): (((1, 1), True), ((1, 1), True)),
    ('times_two', (1, 3)): (((3, 1), True), ((3, 1), True)),
    ('times_two', (2, 3)): (((3, 1), True), ((3, 1), True)),
    ('times_two', (20000,)): (((1,), True), ((1,), True)),
    ('times_two', (2, 20000)): (((20000, 1), True), ((20000, 1), True)),
    ('transposed', (1,)): (((0,), True), ((1,), True)),
    ('transposed', (3,)): (((0,), False), ((1,), True)),
    ('transposed', (2, 1)): (((0, 0), False), ((1, 1), True)),
    ('transposed', (1, 3)): (((0, 0), False), ((3, 1), True)),
    ('transposed', (2, 3)): (((0, 0), False), ((3, 1), True)),
    ('transposed', (20000,)): (((0,), False), ((1,), True)),
    ('transposed', (2, 20000)): (((0, 0), False), ((20000, 1), True)),
    ('transposed', 'sum'): (((0, 0), False), ((1, 3), False)),
    ('transposed', 'mean'): (((2, 1), True), ((1, 3), False)),
    ('transposed', 'times_two'): (((2, 1), True), ((1, 3), False)),
    ('every_other_row', 'sum'): (((0, 0), False), ((3, 1), True)),
    ('every_other_row', 'mean'): (((3, 1), True), ((3, 1), True)),
    ('every_other_row', 'times_two'): (((3, 1), True), ((3, 1), True)),
    ('permuted', 'sum'): (((0, 0, 0), False), ((1, 12, 4), False)),
    ('permuted', 'mean'): (((6, 3, 1), True), ((1, 12, 4), False)),
    ('permuted', 'times_two'): (((6, 3, 1), True), ((1, 12, 4), False)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradient_layout_is_torchs(name, shape):
    assert seen_by_hook(torch, shape, REDUCTIONS[name]) == RECORDED[(name, shape)]


@pytest.mark.parametrize("leaf", LEAVES)
@pytest.mark.parametrize("name", ["sum", "mean", "times_two"])
def test_a_leafs_grad_keeps_the_leafs_layout(leaf, name):
    assert seen_by_hook(torch, None, REDUCTIONS[name], LEAVES[leaf]) == RECORDED[(leaf, name)]


@pytest.mark.parametrize("size", [2, 3, 100, 20000])
def test_writing_into_a_sums_gradient_in_a_hook_is_torchs_overlap_error(size):
    """At every size the hook gets one value expanded: changing it in place is refused in
    torch's words (as for any expanded view), not numpy's read-only ValueError."""
    x = torch.ones(size, requires_grad=True)
    caught = []

    def hook(g):
        with pytest.raises(RuntimeError) as error:
            g.add_(1)
        caught.append(str(error.value))

    x.register_hook(hook)
    x.sum().backward()
    assert caught == [OVERLAP] and x.grad.tolist() == [1.0] * size


def test_one_element_gradient_is_writable_as_in_torch():
    """One element overlaps nothing: torch lets a hook write into it (and so does gradrepl)."""
    x = torch.ones(1, requires_grad=True)
    x.register_hook(lambda g: g.add_(1))
    x.sum().backward()
    assert x.grad.tolist() == [2.0]


def test_a_leafs_grad_from_an_expanded_gradient_is_its_own_writable_array():
    x = torch.zeros(3, requires_grad=True)
    (x * 2).sum().backward()
    x.sum().backward()  # the second gradient is stride 0: added into the first
    assert x.grad.stride() == (1,) and x.grad.tolist() == [3.0] * 3
    x.grad.add_(1)
    assert x.grad.tolist() == [4.0] * 3
    y = torch.zeros(3, requires_grad=True)
    y.sum().backward()  # the first gradient is stride 0: copied out
    y.grad.add_(1)
    assert y.grad.tolist() == [2.0] * 3


@pytest.mark.parametrize("shape", [(3,), (3, 4), (20000,)], ids=str)
def test_the_expand_backend_is_a_read_only_stride_0_view(shape):
    g = backends._Arrays.expand(np.float32(1.5), shape)
    assert g.strides == (0,) * len(shape) and not g.flags.writeable
    assert g.shape == shape and g.dtype == np.float32 and (g == 1.5).all()


@pytest.mark.parametrize("source, shape, strides", [
    ((2, 1), (1, 2, 1), (2, 1, 1)),  # a new size-1 dim: the extent of the next (torch's rule)
    ((2, 1), (3, 2, 1), (0, 1, 1)),
    ((1, 3), (2, 1, 3), (0, 3, 1)),
    ((2, 1), (2, 4), (1, 0)),
])
def test_expand_strides_are_torchs(source, shape, strides):
    g = np.ones(source, np.float32)
    assert backends.expand_strides(g, shape) == tuple(4 * s for s in strides)
