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
    # dist: DistBackward0 over the norm of the broadcast difference
    "torch.dist(x, w)", "torch.dist(x, x[0] * 2, 3)", "x.dist(w, p=1)", "torch.dist(x, w, 0)",
    "torch.dist(x, w.requires_grad_(), 0)", "torch.dist(x, w, float('inf'))", "torch.dist(x, w, -1)",
    "torch.dist(x, w, 1.5)", "torch.dist(x, w.double())", "torch.dist(i, i)", "torch.dist(x, 2.)",
    "torch.dist(x, torch.ones(4))", "torch.dist(x.half(), w.half())", "torch.dist(x, w, p=None)",
    "torch.dist(x, w, torch.tensor(3))", "torch.dist(x, x.detach())", "torch.dist(v, x)", "torch.dist(x, w, True)",
    "hasattr(x, 'dist_')", "torch.autograd.grad(torch.dist(x, x.detach() * 0, 1.5), x)",
    "torch.autograd.grad(torch.dist(x, x.detach() * 0, 0.5), x)", "torch.autograd.grad(torch.dist(x, x.detach(), 1.5), x)",
    "torch.autograd.grad(torch.norm(x - x.detach() * torch.tensor([[1.], [0.]]), 0.5), x)",
    # logspace: bounds in the dtype, exponents in double, C's pow
    "torch.logspace(0, 2, 5)", "torch.logspace(-2, 2, 7, dtype=torch.float64)", "torch.logspace(0, 3, 4, 2)",
    "torch.logspace(0, 3, 4, base=2, dtype=torch.long)", "torch.logspace(0, 1, 1)", "torch.logspace(2.5, 1, 1, dtype=torch.long)",
    "torch.logspace(0, 1, 0)", "torch.logspace(0, 1, -1)", "torch.logspace(0, 1, 3, dtype=torch.half)",
    "torch.logspace(0, 1, 3, dtype=torch.bool)", "torch.logspace(-2, 1, 3, dtype=torch.uint8)",
    "torch.logspace(torch.tensor(0.), 2, 3)", "torch.logspace(0, 1, 3, requires_grad=True)",
    "torch.logspace(0, 1)", "torch.logspace(0, 1, 3, foo=1)", "torch.logspace(0, 40, 3)",
    "torch.logspace(0, 1, 3, -2.)", "torch.logspace(0.5, 3.5, 4, dtype=torch.int32)",
    # isin: the result type of both operands, NaN in nothing; assume_unique's sorting path
    "torch.isin(i, torch.tensor([1, 4, 9]))", "torch.isin(x, torch.tensor([1, 4, 9]))", "torch.isin(x, 2)",
    "torch.isin(2, i)", "torch.isin(2.5, i)", "torch.isin(i, 2.0)", "torch.isin(i, 2.5)",
    "torch.isin(i, torch.tensor([[2.0]]))", "torch.isin(torch.tensor([nan, 1.]), torch.tensor([nan]))",
    "torch.isin(i, torch.tensor([1, 4]), invert=True)", "torch.isin(i, torch.tensor([1, 4]), assume_unique=True)",
    "torch.isin(torch.tensor(3), torch.tensor([3]))", "torch.isin(i, torch.tensor([True]))",
    "torch.isin(torch.tensor([True, False]), torch.tensor([1]))", "torch.isin(True, i)", "torch.isin(i, True)",
    "torch.isin(i.half(), torch.tensor([1.]))", "torch.isin(x, x)", "torch.isin(i, [1])", "torch.isin(i, None)",
    "torch.isin(i, torch.tensor([1]), out=torch.empty(0, dtype=torch.bool))",
    "torch.isin(i, torch.tensor([1]), out=torch.empty(0))", "torch.isin(elements=i, test_elements=torch.tensor([1]))",
    "torch.isin(i, torch.tensor([], dtype=torch.long))", "torch.isin(torch.tensor([0, 1], dtype=torch.uint8), torch.tensor([-255]))",
    "torch.isin(torch.tensor([1], dtype=torch.uint8), 257)", "torch.isin(torch.tensor([1.1], dtype=torch.float64), torch.tensor([1.1]))",
    "torch.isin(torch.tensor([2**24 + 1]), torch.tensor([float(2**24)]))", "torch.isin(i, torch.tensor([1]), invert=1)",
    "torch.isin(torch.tensor([1, 1, 2, 3]), torch.arange(20) % 3, assume_unique=True)",
    "torch.isin(torch.tensor([1, 1, 2, 3]), torch.arange(20) % 3, assume_unique=True, invert=True)",
    "torch.isin(torch.tensor([-0., nan, 2.]), torch.tensor([0., 0., 2., nan] * 4), assume_unique=True)",
    "hasattr(x, 'isin')",
    # searchsorted / bucketize: ATen's binary search in the operands' result type
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([[3, 6, 9], [3, 6, 0]]))",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), right=True)",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), side='right')",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), side='left', right=True)",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), side='middle')",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), 5)", "torch.searchsorted(torch.tensor([1, 3, 5, 7]), 5.5)",
    "torch.searchsorted(torch.tensor([1., 3, 5, 7]), torch.tensor([3, 6]))",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3., 6]))",
    "torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), out_int32=True)",
    "torch.searchsorted(torch.tensor([[1, 3, 5, 7], [2, 4, 6, 8]]), torch.tensor([[3, 6, 9], [3, 6, 10]]))",
    "torch.searchsorted(torch.tensor([[1, 3, 5, 7], [2, 4, 6, 8]]), torch.tensor([3, 6]))",
    "torch.searchsorted(torch.tensor([[1, 3, 5, 7], [2, 4, 6, 8]]), torch.tensor([[3, 6]]))",
    "torch.searchsorted(torch.tensor([[1, 3, 5, 7], [2, 4, 6, 8]]), 3)",
    "torch.searchsorted(torch.tensor([3, 1, 2]), torch.tensor([2]), sorter=torch.tensor([1, 2, 0]))",
    "torch.searchsorted(torch.tensor([[3, 1, 2], [9, 8, 7]]), torch.tensor([[2], [8]]), sorter=torch.tensor([[1, 2, 0], [2, 1, 0]]), right=True)",
    "torch.searchsorted(torch.tensor([3, 1, 2]), torch.tensor([2]), sorter=torch.tensor([1, 2]))",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([2]), sorter=torch.tensor([0, 1], dtype=torch.int32))",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([2]), sorter=torch.tensor([0, 5]))",
    "torch.searchsorted(torch.tensor([1., nan]), torch.tensor([nan, 2.]))",
    "torch.searchsorted(torch.tensor([1., nan]), torch.tensor([nan, 2.]), right=True)",
    "torch.searchsorted(torch.tensor(1), torch.tensor([2]))", "torch.searchsorted(torch.tensor([1, 2]), torch.tensor(2))",
    "torch.searchsorted(x[0], x[1])", "torch.searchsorted(torch.tensor([True, True]), torch.tensor([True]))",
    "torch.searchsorted(torch.tensor([1, 3], dtype=torch.int32), torch.tensor([2]))",
    "torch.searchsorted(torch.tensor([0.1]), 0.1, right=True)",
    "torch.searchsorted(torch.tensor([0.1]), torch.tensor(0.1, dtype=torch.float64), right=True)",
    "torch.searchsorted(torch.tensor([0.1]), torch.tensor([0.1], dtype=torch.float64), right=True)",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([2]), out=torch.empty(0, dtype=torch.int32))",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([2]), out_int32=True, out=torch.empty(0, dtype=torch.long))",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([2]), out=torch.empty(3, dtype=torch.long))",
    "torch.searchsorted(torch.tensor([1, 3]), [1])", "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([1]), sorter=1)",
    "torch.searchsorted(torch.tensor([1, 3]), torch.tensor([1]), side=3)", "torch.searchsorted(torch.tensor([1, 3]), True)",
    "torch.searchsorted(torch.tensor([]), torch.tensor([1.]))", "torch.searchsorted(torch.tensor([1.]), torch.tensor([]))",
    "torch.searchsorted(torch.tensor([1, 2, 2, 2, 3]), torch.tensor([2, 2]), right=True)",
    "torch.bucketize(torch.tensor([[3, 6, 9], [3, 6, 0]]), torch.tensor([1, 3, 5, 7]))",
    "torch.bucketize(torch.tensor([3, 6]), torch.tensor([1, 3, 5, 7]), right=True)",
    "torch.bucketize(5, torch.tensor([1, 3, 5, 7]))", "torch.bucketize(torch.tensor([3, 6]), torch.tensor([[1, 3, 5, 7]]))",
    "torch.bucketize(torch.tensor([3, 6]), torch.tensor([1, 3, 5, 7]), out_int32=True)",
    "torch.bucketize(x, torch.tensor([1., 3.]))", "torch.bucketize(torch.tensor([3, 6]), torch.tensor([1., 3., 5.]))",
    "torch.bucketize(torch.tensor([3, 6]), torch.tensor(3))", "torch.bucketize([1], torch.tensor([1]))",
    "torch.bucketize(torch.tensor([2]), torch.tensor([1, 3]), out=torch.empty(0))",
    "torch.bucketize(1, torch.tensor([1, 3]), out=torch.empty(0, dtype=torch.long))",
    "torch.bucketize(True, torch.tensor([1, 3]))", "hasattr(x, 'bucketize')",
    # bincount: int64 counts, float32 or float64 sums of weights (NotImplemented grad_fn)
    "torch.bincount(torch.tensor([0, 1, 1, 3]))", "torch.bincount(torch.tensor([0, 1, 1, 3]), minlength=6)",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([0.5, 1., 2., 3.]))",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([0.5, 1., 2., 3.], dtype=torch.float64))",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([1, 2, 3, 4]))",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([True, False, True, True]))",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([0.5, 1., 2., 3.]).half())",
    "torch.bincount(torch.tensor([0, 1, 1, 3]), torch.tensor([0.5, 1., 2., 3.], requires_grad=True))",
    "torch.bincount(torch.tensor([1, 0, 1, 0, 2, 1]), x.view(-1))",
    "torch.bincount(torch.tensor([], dtype=torch.long))", "torch.bincount(torch.tensor([], dtype=torch.long), minlength=3)",
    "torch.bincount(torch.tensor([], dtype=torch.long), torch.tensor([]), 2)",
    "torch.bincount(torch.tensor([-1, 2]))", "torch.bincount(torch.tensor([1., 2.]))", "torch.bincount(torch.tensor([[1, 2]]))",
    "torch.bincount(torch.tensor([1, 2]), minlength=-1)", "torch.bincount(torch.tensor([-1, 2]), minlength=-1)",
    "torch.bincount(torch.tensor([1., 2]), minlength=-1)", "torch.bincount(torch.tensor([1, 2]), torch.tensor([1.]))",
    "torch.bincount(torch.tensor([1, 2]), torch.tensor([[1., 2.]]))",
    "torch.bincount(torch.tensor([1, 2], dtype=torch.uint8))", "torch.bincount(torch.tensor([True, False]))",
    "torch.bincount(torch.tensor([1, 2], dtype=torch.int8), torch.tensor([1., 2.]).half())",
    "torch.tensor([0, 2, 2]).bincount()", "torch.tensor([0, 2, 2]).bincount(minlength=4)",
    "torch.bincount(torch.tensor([1]), minlength=1.5)", "torch.bincount(torch.tensor([1]), [1.])",
    "torch.tensor([1]).bincount(None, 1.5)", "torch.bincount(torch.tensor([1]), out=None)",
    "torch.bincount(torch.tensor([0] * 5 + [2] * 3), torch.tensor([0.1] * 8)).tolist()",
    # histc: the linear rule in the input's dtype, the data's range when min == max
    "torch.histc(torch.tensor([1., 2, 1]), bins=4, min=0, max=3)", "torch.histc(torch.tensor([1., 2, 1, 2.5, 7]))",
    "torch.histc(torch.tensor([1., 2, 1, 2.5, 7]), 5)", "torch.histc(torch.tensor([1., 1, 1]), 5)",
    "torch.histc(torch.tensor([1., 2, 1]), bins=4, min=3, max=0)", "torch.histc(torch.tensor([1, 2, 1]), bins=4)",
    "torch.histc(torch.tensor([1., 2, 1], dtype=torch.float64), bins=4)", "torch.histc(torch.tensor([1., 2, nan]), bins=4)",
    "torch.histc(torch.tensor([1., -nan]))", "torch.histc(torch.tensor([1., nan]), 3, 0, 3)",
    "torch.histc(torch.tensor([1., 2, inf]), bins=4)", "torch.histc(torch.tensor([1., 2, 5]), bins=4, min=0, max=inf)",
    "torch.histc(torch.tensor([1., 2, 5]), bins=0)", "torch.histc(torch.tensor([1., 2, 5]), bins=-1)",
    "torch.histc(x, bins=3)", "torch.histc(torch.tensor([1., 2, 5]).half(), bins=3)", "torch.histc(torch.tensor([]), bins=3)",
    "x.histc(3, 0, 5)", "torch.histc(x.detach(), 3, out=torch.empty(0, dtype=torch.float64))",
    "torch.histc(x.detach(), 3, out=torch.empty(0))", "torch.histc(torch.tensor([0.5]), bins=4, min=1, max=1)",
    "torch.histc(torch.tensor([1., 2]), bins=4, min=1, max=1)", "torch.histc(torch.tensor([1., 2, 1]), bins=4, min=1e10, max=0)",
    "torch.histc(torch.tensor([1., 2]), bins=2.5)", "torch.histc(torch.tensor([1., 2]), bins=2, min=torch.tensor(0.))",
    "torch.tensor([1., 2]).histc(2, 'a')", "torch.histc(torch.tensor([1., 2]), 3, min=None)",
    "torch.histc(torch.tensor([0.1, 0.2, 0.3, 0.7]), 10, 0.1, 0.7)", "torch.histc(torch.tensor([-1., 3.]), 4, -1.5, 2.5)",
]


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("seed", range(6))
def test_histc_bins_match_torch(dtype, seed):
    """histc's linear rule in the input's dtype: values near the edges land where torch's do."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    data = (rng.normal(size=n) * 10 ** rng.uniform(-3, 3)).astype(dtype)
    edges = np.linspace(data.min(), data.max(), 8).astype(dtype)
    data[: len(edges)] = edges  # values on the edges of some bins
    bins = int(rng.choice([1, 3, 7, 10, 100, 1000]))
    low, high = sorted(rng.choice(data, 2).tolist()) if seed % 2 else (0, 0)
    want = torch.histc(torch.from_numpy(data), bins, low, high)
    got = gt.histc(gt.from_numpy(data), bins, low, high)
    assert got.numpy().tobytes() == want.numpy().tobytes() and got.dtype.__repr__() == repr(want.dtype)
    want = torch.histc(torch.from_numpy(data), 7, float(edges[1]), float(edges[5]))
    got = gt.histc(gt.from_numpy(data), 7, float(edges[1]), float(edges[5]))
    assert got.numpy().tobytes() == want.numpy().tobytes()


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(8))
def test_searching_matches_torch(seed):
    """searchsorted (both sides, a sorter, N-d boundaries), bucketize, isin (both paths) and
    weighted bincount on random data with ties and NaN."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    dtype = ["float32", "float64", "int64", "int32", "float16"][seed % 5]
    bounds = np.sort(rng.integers(-5, 6, size=(3, int(rng.integers(1, 40)))).astype(dtype), -1)
    values = rng.integers(-7, 8, size=(3, int(rng.integers(1, 30)))).astype(dtype)
    if dtype.startswith("float"):
        bounds[:, -1:] = np.nan
        values[:, :2] = [np.nan, 0.5]
    T = torch  # the oracle, named short for the long calls below
    for right in (False, True):
        for b, v in ((bounds, values), (bounds[0], values), (bounds[1], values[0, 0].item())):
            want = torch.searchsorted(torch.from_numpy(b), torch.from_numpy(v) if isinstance(v, np.ndarray) else v, right=right)
            got = gt.searchsorted(gt.from_numpy(b), gt.from_numpy(v) if isinstance(v, np.ndarray) else v, right=right)
            assert got.numpy().tobytes() == want.numpy().tobytes()
        shuffled = rng.permutation(bounds[0])
        sorter = np.argsort(shuffled, kind="stable")
        want = T.searchsorted(T.from_numpy(shuffled), T.from_numpy(values), side="right" if right else "left", sorter=T.from_numpy(sorter))
        got = gt.searchsorted(gt.from_numpy(shuffled), gt.from_numpy(values), side="right" if right else "left", sorter=gt.from_numpy(sorter))
        assert got.numpy().tobytes() == want.numpy().tobytes()
        want = T.bucketize(T.from_numpy(values), T.from_numpy(bounds[2]), right=right, out_int32=True)
        got = gt.bucketize(gt.from_numpy(values), gt.from_numpy(bounds[2]), right=right, out_int32=True)
        assert got.numpy().tobytes() == want.numpy().tobytes()
    if dtype != "float16":
        elements, tests = values.reshape(-1)[: int(rng.integers(1, 20))], bounds.reshape(-1)
        for unique in (False, True):
            for invert in (False, True):
                want = torch.isin(torch.from_numpy(elements), torch.from_numpy(tests), assume_unique=unique, invert=invert)
                got = gt.isin(gt.from_numpy(elements), gt.from_numpy(tests), assume_unique=unique, invert=invert)
                assert got.tolist() == want.tolist()
    counts = rng.integers(0, 9, size=int(rng.integers(1, 5000)))
    for wdtype in ("float32", "float64", "float16", "int32"):
        weights = (rng.normal(size=counts.size) * 1000).astype(wdtype)
        want = torch.bincount(torch.from_numpy(counts), torch.from_numpy(weights), 12)
        got = gt.bincount(gt.from_numpy(counts), gt.from_numpy(weights), 12)
        assert got.numpy().tobytes() == want.numpy().tobytes()


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16"])
def test_logspace_bits_match_torch(dtype):
    torch = pytest.importorskip("torch")
    for steps in (2, 3, 5, 7, 10, 17, 50, 257, 1000):
        for base in (10.0, 2.0, np.e, 0.5, 3.0, 1.5):
            for start, end in ((0, 1), (-2, 2), (0.5, 3.25), (-3.3, 1.7), (1, -1), (0.1, 0.7)):
                want = torch.logspace(start, end, steps, base, dtype=getattr(torch, dtype))
                got = gt.logspace(start, end, steps, base, dtype=getattr(gt, dtype))
                assert got.numpy().tobytes() == want.numpy().tobytes()


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf")])
def test_dist_bits_match_torch(dtype, p):
    """dist is torch's vector norm of the difference, bit for bit (torch.dist equals
    torch.linalg.vector_norm(a - b, p) at every length), p = 2 and inf as much as the others
    (session 11: ATen's order for the general p)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(str(p)))
    for n in (1, 7, 8, 9, 16, 31, 33, 100, 1000):
        a, b = rng.normal(size=(2, n)).astype(dtype)
        got = gt.dist(gt.from_numpy(a), gt.from_numpy(b), p)
        want = torch.dist(torch.from_numpy(a), torch.from_numpy(b), p)
        assert got.numpy().tobytes() == want.numpy().tobytes()


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
    # away from a zero difference, where the norm has no derivative (torch's is then 0)
    "dist": lambda a: gt.dist(a, a[1] * a[0] + 3, 2) * gt.dist(a[0] + 2, a, 3) * a.dist(a.flip(1) - 1, 1.5),
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
