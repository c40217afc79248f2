"""Small float64 matrix products summed in the order torch's MKL (``dgemm``/``dgemv``) sums them
on an Intel AVX-512 CPU (measured on torch 2.13, session 12, branch n-exact; docs/floats.md
"MKL's float64 kernels").

Found as the float32 orders were (``blas_order``): with 2**60 and -2**60 among ones, the ones
that survive an output name the partial sums the pair met in, which draws each output's sum
tree; then candidate kernels were run on random operands against torch
(``scripts/sweep_small_blas.py --dtype float64``). What MKL does, by layout (N: C-contiguous,
T: the transpose of a C-contiguous matrix) for m rows of ``a``, k inner and n columns:

- a matrix times one column (n = 1, ``a`` C-contiguous; ``mv``, ``nn.Linear(k, 1)``), and one
  row times a transposed matrix (NT, m = 1: gemv on the rows of ``b.T``): **gemv**: 8 lanes,
  lane l summing products l, l + 8, ... by fused multiply-adds from the first (rounded); with two
  whole vectors of 8 or more, the even vectors go to one accumulator, the odd ones to another,
  the two are added, and a leftover whole vector and the partial last one are fused in after;
  the lanes fold as ``((l0 + l2) + (l1 + l3)) + ((l4 + l6) + (l5 + l7))``.
- NT with 2 or 3 rows and 2 or more columns (``a @ a.t()`` of a few variables, cov's product):
  **dot**: the 8 lanes with one accumulator, folded ``((l0 + l4) + (l1 + l5)) + ((l2 + l6) +
  (l3 + l7))``.
- NT with 4 to 6 rows, 5 to 7 columns, more columns than rows and k no more than the columns:
  the same lanes (k < 8: one vector) folded ``((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 +
  l7))``.
- everything else measured: one fused multiply-add **chain** per output from the first product
  (as float32), up to k = 384 with two rows or more (NT from 4 rows: 192; NN/TN with 2 or 3
  rows measured to 800, admitted to 384), and up to k = 120 for one row.
- TT (from 2 rows): the chain where there are no more columns than rows or k exceeds the
  columns, else not mapped; TN with one column is the chain (no gemv).

Every result ends with an add of +0 (a BLAS sum starts from +0). The fused multiply-adds are
exact emulations (``vector_math.fma64``), so these kernels cost a few dozen numpy passes per k:
they are admitted only for lesson-sized products (``blas_order.SMALL_PRODUCT`` multiply-adds).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.vector_math import (
    _DEKKER_MAX, _DEKKER_MIN, _round_to_odd, _two_product_error, _two_sum_error, fma64)

_F64 = np.dtype(np.float64)
_LANES = 8  # MKL's AVX-512 double vector
_K_CHAIN = 384  # two rows or more: one chain up to this k (MKL blocks k beyond)
_K_CHAIN_NT = 192  # NT from 4 rows: one chain up to this k
_K_ROW = 120  # one row times a matrix: one chain up to this k (measured for n up to 256)

CHAIN, GEMV, ROW_GEMV, DOT, DOT_HALVES = "chain", "gemv", "row-gemv", "dot", "dot-halves"
# the lanes' fold: which lanes are added at each step (lane i + lane i ^ d, for d in order)
_GEMV_FOLD = (2, 1, 4)
_DOT_FOLD = (4, 1, 2)
_HALVES_FOLD = (4, 2, 1)


def kernel(a, b, transposed_b: bool):
    """The kernel MKL sums the float64 ``a @ b`` with (a name above), or None where the order
    is not known. ``transposed_b``: b is the transpose of a C-contiguous matrix
    (``blas_order._transposed``); the caller has checked the dtypes, dims and size."""
    m, k = a.shape
    n = b.shape[1]
    a_c = a.flags.c_contiguous
    a_t = not a_c and a.T.flags.c_contiguous
    if not (a_c or a_t):
        return None
    if m == 1 and n == 1 and not transposed_b:  # a row times a column: the chain
        return CHAIN if k <= _K_ROW else None
    if n == 1 and m > 1:
        if a_c:
            return GEMV
        return CHAIN if k <= _K_ROW else None  # a transposed matrix times a column
    if transposed_b:
        if m == 1:
            return ROW_GEMV
        if a_t:  # TT
            return CHAIN if (n <= m or k > n) and k <= _K_CHAIN_NT else None
        if m <= 3:
            return DOT
        if 5 <= n <= 7 and n > m and k <= n:
            return DOT_HALVES
        return CHAIN if k <= _K_CHAIN_NT else None
    if not b.flags.c_contiguous:
        return None
    if m == 1:
        return CHAIN if k <= _K_ROW else None
    return CHAIN if k <= _K_CHAIN else None


def product(a, b, name):
    """``a @ b`` by the kernel ``kernel`` named, +0 added at the end."""
    if name == CHAIN:
        total = chain(a, b)
    elif name == GEMV:
        total = lanes(a, b.T, _GEMV_FOLD, pairs=True)
    elif name == ROW_GEMV:
        total = lanes(b.T, a, _GEMV_FOLD, pairs=True).T
    else:
        total = lanes(a, b.T, _DOT_FOLD if name == DOT else _HALVES_FOLD, pairs=False)
    return np.add(total, 0.0, out=total)


# False: every chain step through fma64 itself (the tests compare)
SPLIT_ONCE = True


def chain(a, b):
    """Each output ``fma(a[i, t], b[t, j], total)`` down t from the first product."""
    if SPLIT_ONCE:
        total = _chain_split_once(a, b)
        if total is not None:
            return total
    total = np.multiply(a[:, 0:1], b[0:1, :], dtype=_F64)
    for t in range(1, a.shape[1]):
        total = fma64(a[:, t:t + 1], b[t:t + 1, :], total)
    return np.array(total, _F64)


def _chain_split_once(a, b):
    """``chain`` with fma64's steps taken apart: every product and its exact rounding error
    (Dekker) made once for all k, so each step is only fma64's sum (TwoSum, the low parts added
    with rounding to odd, one last rounding). None where fma64 would take its rare paths (a
    product near the subnormal range, a factor too large to split, a result not finite): the
    caller then runs fma64 itself."""
    at, bt = a.T[:, :, None], b[:, None, :]  # (k, m, 1) and (k, 1, n)
    with np.errstate(all="ignore"):
        products = at * bt
        if not (np.isfinite(products).all() and np.abs(a).max() <= _DEKKER_MAX
                and np.abs(b).max() <= _DEKKER_MAX
                and not ((np.abs(products) < _DEKKER_MIN) & (at != 0) & (bt != 0)).any()):
            return None
        errors = _two_product_error(at, bt, products)
        total = products[0]
        for product, error in zip(products[1:], errors[1:]):
            wide = total + product
            wide_error = _two_sum_error(total, product, wide)
            low = wide_error + error
            low = _round_to_odd(low, _two_sum_error(wide_error, error, low))
            # nothing left over: the sum is the result (a -0 kept, as fma64 keeps it)
            total = np.where(low == 0, wide, wide + low)
        if not np.isfinite(total).all():
            return None
    return np.array(total, _F64)


def lane_operands(x, w, width: int, dtype):
    """``x`` (m, k) and ``w`` (n, k) dealt to vectors of ``width`` lanes, as
    (vector, lane, m, 1) and (vector, lane, 1, n) arrays of ``dtype``, with the count of whole
    vectors and of all vectors. Zero past k: a zero product fused into a lane leaves it as it
    was (up to the sign of a zero, which the kernels' final + 0 settles). The float32 kernels
    (``blas_order``) share it."""
    m, k = x.shape
    n = w.shape[0]
    whole, part = divmod(k, width)
    vectors = whole + (part > 0)
    xs = np.zeros((m, vectors * width), dtype)
    xs[:, :k] = x
    ws = np.zeros((n, vectors * width), dtype)
    ws[:, :k] = w
    xs = xs.reshape(m, vectors, width).transpose(1, 2, 0)[..., None]
    ws = ws.reshape(n, vectors, width).transpose(1, 2, 0)[:, :, None, :]
    return xs, ws, whole, vectors


def lanes(x, w, fold, pairs):
    """``x @ w.T`` (x (m, k), w (n, k)) in MKL's 8 lanes: lane l sums the products l, l + 8,
    ... by fused multiply-adds from the first (rounded); with ``pairs`` and two whole vectors
    or more, the even whole vectors and the odd ones in two accumulators, added, and then the
    rest fused in; then the lanes folded: lane i + lane i ^ d for each d of ``fold``."""
    xs, ws, whole, vectors = lane_operands(x, w, _LANES, _F64)

    def accumulate(steps):
        total = xs[steps[0]] * ws[steps[0]]
        for t in steps[1:]:
            total = fma64(xs[t], ws[t], total)
        return total

    if pairs and whole >= 2:
        paired = whole // 2 * 2
        total = accumulate(range(0, paired, 2)) + accumulate(range(1, paired, 2))
        for t in range(paired, vectors):
            total = fma64(xs[t], ws[t], total)
    else:
        total = accumulate(range(vectors))
    index = np.arange(_LANES)
    for d in fold:
        total = total + total[index ^ d]
    return np.array(total[0], _F64)
