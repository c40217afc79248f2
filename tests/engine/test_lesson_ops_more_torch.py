"""Ops course notebooks call that gradrepl lacked (session 10, l-more): atleast_1d/2d/3d,
h/v/dsplit, tril_indices/triu_indices, cartesian_prod, combinations, block_diag ...

Each call is compared with live torch (skipped without it) by test_lesson_ops_torch's
``_outcome``: the printed value, strides, the grad_fn chain, the gradient of a weighted sum, or the
error's type and words. The gradients are also checked against central differences by
hypothesis, torch or not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import gradrepl.torch as gt
from test_lesson_ops_torch import _outcome
from test_properties import SETTINGS, arrays_of, check_gradients

CALLS = [
    # atleast_*: a 0-d tensor reshaped (ViewBackward0), vectors and matrices unsqueezed
    "torch.atleast_1d(v)", "torch.atleast_1d(x)", "torch.atleast_1d(x, v)", "torch.atleast_1d([x, v])",
    "torch.atleast_1d((x,))", "torch.atleast_1d()", "torch.atleast_1d(1)", "torch.atleast_1d([1])",
    "torch.atleast_1d(x, 1)", "torch.atleast_1d(x[0])", "torch.atleast_2d(v)", "torch.atleast_2d(x[0])",
    "torch.atleast_2d(x)", "torch.atleast_2d(x[0], v, x)", "torch.atleast_3d(v)", "torch.atleast_3d(x[0])",
    "torch.atleast_3d(x)", "torch.atleast_3d(x.t())", "torch.atleast_3d(torch.ones(2, 1, 2))",
    "torch.atleast_3d([i, i[0]])", "torch.atleast_2d(torch.tensor(True))", "hasattr(x, 'atleast_1d')",
    "torch.atleast_1d(x) is x",
    # hsplit / vsplit / dsplit: tensor_split's slices, sections must divide the dim
    "torch.hsplit(x, 3)", "torch.hsplit(x, [1])", "torch.hsplit(x, (1, 5))", "torch.hsplit(x, 2)",
    "torch.hsplit(x[0], 3)", "torch.hsplit(v, 1)", "torch.vsplit(x, 2)", "torch.vsplit(x[0], 1)",
    "torch.vsplit(x, 3)", "torch.vsplit(x, [1, 1])", "torch.dsplit(x, 1)",
    "torch.dsplit(torch.arange(8.).view(1, 2, 4), 2)", "torch.dsplit(torch.ones(2, 2, 4), 3)",
    "torch.dsplit(torch.ones(2, 2, 4), [3])", "x.hsplit(3)", "x.vsplit([1])", "x.hsplit(1.5)",
    "x.hsplit(sections=3)", "x.hsplit(indices=[1])", "x.hsplit(indices=3)", "x.hsplit(sections=[1])",
    "torch.hsplit(x, torch.tensor([1]))", "torch.hsplit(x, 0)", "torch.hsplit(x, -1)",
    "torch.hsplit(x, -2)", "torch.hsplit(x, sections=3)", "torch.hsplit(1, 3)", "x.hsplit()",
    "x.hsplit(3, 1)", "torch.hsplit(torch.ones(0, 4), 2)", "x.t().hsplit(2)",
    # tril_indices / triu_indices: int64 by default, any integer dtype
    "torch.tril_indices(3, 3)", "torch.tril_indices(3, 4, 1)", "torch.tril_indices(3, 4, -5)",
    "torch.tril_indices(0, 3)", "torch.tril_indices(3, 3, dtype=torch.int32)",
    "torch.tril_indices(3, 3, dtype=torch.float32)", "torch.tril_indices(-1, 3)",
    "torch.tril_indices(3, -2)", "torch.triu_indices(3, 3)", "torch.triu_indices(4, 3, -1)",
    "torch.triu_indices(3, 3, 5)", "torch.triu_indices(3, 3, offset=1)", "torch.tril_indices(3)",
    "torch.tril_indices(3, 3.0)", "torch.triu_indices(2, 5, dtype=torch.uint8)",
    "torch.triu_indices(3, 3, dtype=torch.bool)", "torch.tril_indices(300, 2, dtype=torch.int8)[:, -3:]",
    "torch.tril_indices(3, 3, device='cpu')", "torch.tril_indices(5, 7, 2)", "torch.triu_indices(6, 2, -3)",
    # cartesian_prod: meshgrid, flatten (a copy), stack
    "torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))",
    "torch.cartesian_prod(x[0], x[1, :2])", "torch.cartesian_prod(x[0])",
    "torch.cartesian_prod(x[0], x[1, :1])", "torch.cartesian_prod(x[0, :1], x[1])",
    "torch.cartesian_prod(x[0], x[1, :2], x[0, 1:])", "torch.cartesian_prod(x)",
    "torch.cartesian_prod()", "torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3.]))",
    "torch.cartesian_prod([x[0], x[1]])", "torch.cartesian_prod(x[0], v)",
    # combinations: meshgrid, masked_select by a triangular mask, stack
    "torch.combinations(x[0])", "torch.combinations(x[1], 3)", "torch.combinations(x[0], with_replacement=True)",
    "torch.combinations(x[0], 0)", "torch.combinations(x[0], 1)", "torch.combinations(x[0], 5)",
    "torch.combinations(x[0], -1)", "torch.combinations(x)", "torch.combinations(v)",
    "torch.combinations(torch.tensor([], dtype=torch.long))", "torch.combinations(i[0], r=3, with_replacement=True)",
    "torch.combinations(torch.arange(5), 2)",
    # block_diag: BlockDiagBackward0, the result type of all inputs
    "torch.block_diag(x, x[0, :1])", "torch.block_diag(torch.tensor(2), torch.tensor([1., 2.]), i.int())",
    "torch.block_diag()", "torch.block_diag(torch.ones(2, 2, 2))", "torch.block_diag(x, x.t())",
    "torch.block_diag(v, x)", "torch.block_diag(x[0], v.double())", "torch.block_diag(i, torch.tensor(2.5, dtype=torch.float64))",
    "torch.block_diag(x, torch.ones(0, 2), x[1])", "torch.block_diag(torch.ones(2, 0), x)",
    "torch.block_diag(x, [1])", "torch.block_diag([x])", "torch.block_diag(torch.tensor([True]), torch.tensor(False))",
    "torch.block_diag(x.half(), i)",
    # an empty vector takes a row in the forward but none in torch's backward: s's gradient is
    # read one row higher (ATen's block_diag_backward), and gradrepl reads it there too
    "torch.autograd.grad((torch.block_diag(torch.ones(0, requires_grad=True), s) * torch.arange(9.).view(3, 3)).sum(), s)",
    "torch.autograd.grad((torch.block_diag(x, v, x[0]) * torch.arange(24.).view(4, 6)).sum(), v)",
    "torch.autograd.grad(torch.block_diag(x.double(), v).sum(), (x, v))",
]


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


# ---------------------------------------------------------------------------------------------
# Gradients against central differences (no torch needed)

UNARY = {
    "atleast_1d": lambda a: gt.atleast_1d(a[0, 1]) * a[0],
    "atleast_2d": lambda a: gt.atleast_2d(a[0]) * a,
    "atleast_3d": lambda a: gt.atleast_3d(a) * gt.atleast_3d(a[1]),
    "hsplit": lambda a: gt.hsplit(a, [1])[1] * a.hsplit(3)[0],
    "vsplit": lambda a: a.vsplit(2)[0] * a.vsplit([1])[1],
    "cartesian_prod": lambda a: gt.cartesian_prod(a[0], a[1, :2]) * gt.cartesian_prod(a[1], a[0, 1:]),
    "cartesian_prod_three": lambda a: gt.cartesian_prod(a[0, :2], a[1, :2], a[0]),
    "combinations": lambda a: gt.combinations(a[0]) * gt.combinations(a[1]),
    "combinations_replacement": lambda a: gt.combinations(a.reshape(-1)[:4], 3, True),
    "block_diag": lambda a: gt.block_diag(a, a[0], a[1, 2]) * gt.block_diag(a[1], a.flip(0), a[0, 0]),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(values=arrays_of((2, 3)))
def test_gradients_match_central_differences(name, values):
    check_gradients(UNARY[name], [values])


def test_without_torch():
    x = gt.arange(6.).view(2, 3)
    assert gt.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert gt.triu_indices(3, 3, 1).tolist() == [[0, 0, 1], [1, 2, 2]]
    assert gt.combinations(gt.arange(4), 3).tolist() == [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]
    assert gt.cartesian_prod(gt.tensor([1, 2]), gt.tensor([3])).tolist() == [[1, 3], [2, 3]]
    assert gt.block_diag(x[:1, :1], gt.tensor(7.)).tolist() == [[0., 0.], [0., 7.]]
    assert [t.shape for t in x.hsplit(3)] == [(2, 1)] * 3
    assert gt.atleast_3d(x[0]).shape == (1, 3, 1)
    with pytest.raises(RuntimeError, match="not divisible by the split_size 2"):
        gt.hsplit(x, 2)
