"""Small float64 matrix products in MKL's order (engine/ops/blas_order_double.py): bit for bit
against live torch on every kernel's region and its edges, and each vectorised kernel against
its rule written as a loop over exact rationals (no torch)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.ops import blas_order
from gradrepl.engine.ops import blas_order_double as double
from tests.cpu_vendor import UNMEASURED, needs_measured_mkl

# (m, k, n) and the layouts (a transposed, b transposed) where the named kernel sums them
REGIONS = [
    ((2, 7, 2), "NT", double.DOT), ((3, 40, 9), "NT", double.DOT), ((2, 107, 3), "NT", double.DOT),
    ((4, 5, 6), "NT", double.DOT_HALVES), ((6, 7, 7), "NT", double.DOT_HALVES),
    ((4, 8, 7), "NT", double.CHAIN), ((12, 7, 12), "NT", double.CHAIN),
    ((16, 192, 2), "NT", double.CHAIN), ((1, 6, 1), "NT", double.ROW_GEMV),
    ((1, 33, 5), "NT", double.ROW_GEMV), ((5, 7, 1), "NT", double.GEMV),
    ((3, 15, 1), "NN", double.GEMV), ((5, 16, 1), "NN", double.GEMV),
    ((2, 29, 1), "NN", double.GEMV), ((4, 47, 1), "NN", double.GEMV),
    ((3, 64, 1), "NN", double.GEMV), ((1, 120, 1), "NN", double.CHAIN),
    ((1, 120, 64), "NN", double.CHAIN), ((4, 384, 8), "NN", double.CHAIN),
    ((7, 9, 5), "NN", double.CHAIN), ((5, 7, 12), "TN", double.CHAIN),
    ((40, 120, 1), "TN", double.CHAIN), ((3, 5, 1), "TT", double.CHAIN),
    ((5, 3, 4), "TT", double.CHAIN), ((2, 6, 5), "TT", double.CHAIN),
    ((1, 9, 4), "TT", double.ROW_GEMV),
]
# measured to differ from the chain just past these edges: left on numpy's BLAS
UNMAPPED = [((4, 385, 8), "NN"), ((1, 121, 8), "NN"), ((4, 193, 4), "NT"),
            ((2, 5, 6), "TT"), ((40, 121, 1), "TN")]


def _operands(lib, a, b, layout):
    """``a`` and ``b`` with the layout's memory order: T is a transposed view of a copy (its
    strides say so even where a dim has one element)."""
    def one(x, transposed):
        return lib.from_numpy(x.T.copy()).t() if transposed else lib.from_numpy(x)
    return one(a, layout[0] == "T"), one(b, layout[1] == "T")


def test_kernels_are_chosen_by_the_map():
    rng = np.random.default_rng(0)
    for (m, k, n), layout, name in REGIONS:
        a, b = _operands(gt, rng.standard_normal((m, k)), rng.standard_normal((k, n)), layout)
        assert double.kernel(a._data, b._data, blas_order._transposed(b._data)) == name, \
            ((m, k, n), layout)
    for (m, k, n), layout in UNMAPPED:
        a, b = _operands(gt, rng.standard_normal((m, k)), rng.standard_normal((k, n)), layout)
        assert double.kernel(a._data, b._data, blas_order._transposed(b._data)) is None


@pytest.mark.torch
@needs_measured_mkl
@pytest.mark.parametrize("shape,layout,name", REGIONS)
def test_float64_products_match_torch_bit_for_bit(real_torch, shape, layout, name):
    if real_torch.get_num_threads() != 2 and shape[0] == 1:
        pytest.skip("measured with torch's two threads")
    m, k, n = shape
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    a[0, 0] = 0.0  # a zero product among them
    ours = _operands(gt, a, b, layout)
    if not blas_order.follows_torch(ours[0]._data, ours[1]._data):
        pytest.skip(f"float64 orders were measured on Intel's AVX-512 MKL. {UNMEASURED}")
    want = real_torch.mm(*_operands(real_torch, a, b, layout)).numpy()
    got = (ours[0] @ ours[1]).numpy()
    assert got.tobytes() == want.tobytes()


@pytest.mark.torch
@needs_measured_mkl
def test_float64_linear_and_cov_match_torch(real_torch):
    """nn.Linear's forward and gradients (k = 1 rounds the bias in once), cov and corrcoef"""
    rng = np.random.default_rng(3)
    for m, k, n in ((4, 1, 3), (2, 7, 5), (5, 12, 1), (1, 9, 4), (8, 33, 7)):
        x, w, bias, g = (rng.standard_normal(s) for s in ((m, k), (n, k), (n,), (m, n)))
        results = []
        for lib in (gt, real_torch):
            xs, ws, bs = (lib.tensor(v, requires_grad=True) for v in (x, w, bias))
            out = lib.nn.functional.linear(xs, ws, bs)
            out.backward(lib.tensor(g))
            results.append([v.numpy().tobytes() for v in (out.detach(), xs.grad, ws.grad, bs.grad)])
        assert results[0] == results[1], (m, k, n)
    for rows in (2, 3, 5):
        y = rng.standard_normal((rows, 9)) * 3 + 1
        for name in ("cov", "corrcoef"):
            got = getattr(gt, name)(gt.from_numpy(y)).numpy()
            assert got.tobytes() == getattr(real_torch, name)(real_torch.from_numpy(y)).numpy().tobytes()


def _fma(a: float, b: float, c: float) -> float:
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _lanes_loop(x_row, w_row, fold, pairs):
    """The lanes' rule for one output, one fused multiply-add at a time."""
    k = len(x_row)
    whole = k // 8

    def vector_lanes(vectors):
        lanes = [None] * 8
        for v in vectors:
            for lane in range(8):
                t = v * 8 + lane
                p = (x_row[t], w_row[t]) if t < k else (0.0, 0.0)
                lanes[lane] = p[0] * p[1] if lanes[lane] is None else _fma(*p, lanes[lane])
        return lanes

    vectors = whole + (k % 8 > 0)
    if pairs and whole >= 2:
        paired = whole // 2 * 2
        lanes = [e + o for e, o in zip(vector_lanes(range(0, paired, 2)),
                                       vector_lanes(range(1, paired, 2)))]
        for v in range(paired, vectors):
            for lane in range(8):
                t = v * 8 + lane
                if t < k:
                    lanes[lane] = _fma(x_row[t], w_row[t], lanes[lane])
    else:
        lanes = vector_lanes(range(vectors))
    for d in fold:
        lanes = [lanes[i] + lanes[i ^ d] for i in range(8)]
    return lanes[0] + 0.0


_values = st.one_of(st.floats(-4, 4, allow_subnormal=False), st.sampled_from([0.0, -0.0, 1.0]))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), m=st.integers(1, 3), n=st.integers(1, 3), k=st.integers(1, 35),
       kernel=st.sampled_from([(double._GEMV_FOLD, True), (double._DOT_FOLD, False),
                               (double._HALVES_FOLD, False)]))
def test_lanes_are_the_stated_loop(data, m, n, k, kernel):
    x = np.array(data.draw(st.lists(_values, min_size=m * k, max_size=m * k))).reshape(m, k)
    w = np.array(data.draw(st.lists(_values, min_size=n * k, max_size=n * k))).reshape(n, k)
    got = double.lanes(x, w, *kernel) + 0.0
    want = [[_lanes_loop(list(x[i]), list(w[j]), *kernel) for j in range(n)] for i in range(m)]
    assert got.tobytes() == np.array(want).tobytes()


@settings(max_examples=15, deadline=None)
@given(data=st.data(), m=st.integers(1, 3), n=st.integers(1, 3), k=st.integers(1, 12))
def test_chain_is_the_stated_loop(data, m, n, k):
    a = np.array(data.draw(st.lists(_values, min_size=m * k, max_size=m * k))).reshape(m, k)
    b = np.array(data.draw(st.lists(_values, min_size=n * k, max_size=n * k))).reshape(k, n)
    got = double.product(a, b, double.CHAIN)
    for i in range(m):
        for j in range(n):
            total = a[i, 0] * b[0, j]
            for t in range(1, k):
                total = _fma(a[i, t], b[t, j], total)
            assert got[i, j].tobytes() == np.float64(total + 0.0).tobytes()


@settings(max_examples=25, deadline=None)
@given(data=st.data(), m=st.integers(1, 3), n=st.integers(1, 3), k=st.integers(2, 20),
       scale=st.sampled_from([1.0, 1e-150, 1e150, 2.0 ** -1000, 1e300]))
def test_chain_split_once_is_fma64s(data, m, n, k, scale):
    """the products split once for all k against fma64 step by step (scales reach its rare
    paths: tiny products, overflow)"""
    a = np.array(data.draw(st.lists(_values, min_size=m * k, max_size=m * k))).reshape(m, k)
    b = np.array(data.draw(st.lists(_values, min_size=n * k, max_size=n * k))).reshape(k, n)
    a = a * scale
    with np.errstate(all="ignore"):
        fast = double.chain(a, b)
        double.SPLIT_ONCE = False
        try:
            slow = double.chain(a, b)
        finally:
            double.SPLIT_ONCE = True
    assert fast.tobytes() == slow.tobytes()
