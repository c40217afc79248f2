"""layer_norm on float32 and float64 tensors as torch 2.13's CPU kernels compute it
(aten/src/ATen/native/cpu/layer_norm_kernel.cpp, moments_utils.h), the input seen as M rows of
N elements.

The kernels are registered without an AVX-512 build, so an AVX-512 CPU runs the AVX2 ones: a
vector is 8 floats (4 doubles).

Statistics (``RowwiseMoments``): Welford's algorithm in vector lanes over the row's whole
vectors, in chunks of 16 vectors (``m1 += delta * (1 / (j + 1))``, ``m2 += delta * (x - m1)``,
both fused), the chunks' moments merged by a cascade (a binary counter of partial moments,
``AddMomentsVec``), then the elements after the last whole vector one at a time (``m1 +=
delta / count``), and the lanes merged into them in order (``AddMoments``); ``var = m2 / N``.
``rstd = 1 / sqrt(var + eps)`` in the dtype. Output, measured: ``(x - mean) * rstd``, then
``fma(that, gamma, beta)`` with both, ``* gamma`` with gamma only, and ``fma(x - mean, rstd,
beta)`` with beta only.

Backward, per row: ``ds = sum(dy * x * gamma)`` and ``db = sum(dy * gamma)`` as
``vec::map*_reduce_all`` add them, then ``b = (db * mean - ds) * rstd^3 / N``,
``c = -b * mean - db * rstd / N`` and ``dx = rstd * dy * gamma + b * x + c``; gamma's and
beta's gradients add ``dy * (rstd * x - rstd * mean)`` and ``dy`` row by row into one buffer
per thread (the rows split as ``at::parallel_for`` splits them), then add the buffers.

Which multiply-adds the compiler fused, and how the merges' sums associate, was settled bit for
bit against torch 2.13 by trying each alternative (tests/torch_api/test_norm_numerics.py). Rows of
up to 16 vectors (128 floats) are exact by construction of those tests; longer rows, whose
chunk merges are fitted from measurements, agree on all but about 1 row in 40 (rstd 1 ulp off)
in the measured shapes.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.batch_norm import dot_lanes, fma
from gradrepl.engine.float_math.fused import may_have_rounded_twice, on_float32_midpoint
from gradrepl.engine.float_math.softmax import reduce_sum
from gradrepl.engine.ops.summation import THREADS

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (_F32, _F64)
_LANE_BYTES = 32  # the AVX2 kernel's vectors
_CHUNK = 16  # vectors per Welford chunk (kChunkSize)


def _merge_vectors(count_a, m1_a, m2_a, count_b, m1_b, m2_b):
    """AddMomentsVec: lane moments (count_b, ...) merged into (count_a, ...). Measured: nothing
    fused, and m2's three terms added as ``(m2_a + m2_b) + delta^2 * c * count_a``."""
    t = m1_a.dtype.type
    total = count_a + count_b
    c = t(0) if total == 0 else t(count_b) / t(total)
    delta = m1_b - m1_a
    return total, m1_a + c * delta, (m2_a + m2_b) + delta * delta * c * t(count_a)


def _merge_scalars(count_a, m1_a, m2_a, count_b, m1_b, m2_b, fma=fma):
    """AddMoments (a lane merged into the row's moments). Measured: both multiply-adds fused,
    ``m2_a + fma(delta^2 * c, count_a, m2_b)``."""
    t = m1_a.dtype.type
    total = count_a + count_b
    c = t(0) if total == 0 else t(count_b) / t(total)
    delta = m1_b - m1_a
    return total, fma(c, delta, m1_a), m2_a + fma(delta * delta * c, t(count_a), m2_b)


class _Recorded:
    """A float32 fused multiply-add in three numpy passes: in double (the product is exact
    there), rounded once to float, each double sum kept. Rounding that sum to float gives the
    fused result unless the double addition itself rounded and its result sits on a float32
    midpoint or below float32's normal range (float_math/fused.py). Structured values (a
    merge's ``c = 1/2``) land on midpoints often but exactly, so ``doubtful`` checks such sums
    for a rounding error (Knuth's two-sum) before the caller redoes its whole computation with
    the exact emulation. Cheap where a long chain of small calls (Welford's steps, a row-by-row
    buffer) would pay fused.fma32's checks at every step."""

    def __init__(self):
        self.steps = []

    def __call__(self, a, b, c):
        product = np.multiply(a, b, dtype=_F64)
        addend = np.asarray(c, _F64)
        wide = np.add(product, addend)
        if product.shape != wide.shape:
            product = np.broadcast_to(product, wide.shape)
        if addend.shape != wide.shape:
            addend = np.broadcast_to(addend, wide.shape)
        self.steps.append((product, addend, wide))
        return wide.astype(_F32)

    def doubtful(self) -> bool:
        if not self.steps:
            return False
        # every step at once: one pass over all the sums instead of a few per step, and the
        # products and addends gathered only when a sum is odd (most calls have none)
        wide = np.concatenate([step[2].ravel() for step in self.steps])
        if SCREEN_FIRST and not may_have_rounded_twice(wide):
            return False
        product, addend = (np.concatenate([step[i].ravel() for step in self.steps]) for i in range(2))
        odd = on_float32_midpoint(wide) | ((np.abs(wide) < np.finfo(_F32).tiny) & (wide != 0))
        if not odd.any():
            return False
        p, c, w = product[odd], addend[odd], wide[odd]
        back = w - c
        return bool(((p - back) + (c - (w - back)) != 0).any())


# True: _Recorded.doubtful screens the sums alone first (fused.may_have_rounded_twice flags the
# lanes its mask does) before gathering the products and addends; False: always gathers them
SCREEN_FIRST = True


def checked(compute, *args):
    """``compute(*args, fma=...)`` with the recorded multiply-add for float32, redone with the
    exact one if any step was doubtful."""
    if args[0].dtype != _F32:
        return compute(*args, fma=fma)
    recorded = _Recorded()
    result = compute(*args, fma=recorded)
    return compute(*args, fma=fma) if recorded.doubtful() else result


def moments(rows):
    """Each row's (mean, biased variance) as RowwiseMoments computes them."""
    return checked(_moments, rows)


def _moments(rows, fma):
    t = rows.dtype.type
    m, size = rows.shape
    lanes = _LANE_BYTES // rows.itemsize
    vectors = size // lanes
    chunks = -(-vectors // _CHUNK)
    depth = max(1, (chunks - 1).bit_length())
    zero = np.zeros((m, lanes), rows.dtype)
    stack = [[0, zero, zero] for _ in range(depth)]
    inverse = [t(1) / t(j + 1) for j in range(_CHUNK)]
    for i in range(chunks):
        m1 = m2 = zero
        count = min(_CHUNK, vectors - i * _CHUNK)
        for j in range(count):
            lo = (i * _CHUNK + j) * lanes
            x = rows[:, lo:lo + lanes]
            delta = x - m1
            m1 = fma(delta, inverse[j], m1)
            m2 = fma(delta, x - m1, m2)
        stack[0] = list(_merge_vectors(*stack[0], count, m1, m2))
        mask = i + 1
        level = 1
        while level < depth and mask & 1 == 0:
            stack[level] = list(_merge_vectors(*stack[level], *stack[level - 1]))
            stack[level - 1] = [0, zero, zero]
            mask >>= 1
            level += 1
    for level in range(1, depth):
        stack[0] = list(_merge_vectors(*stack[0], *stack[level]))
    lane_m1, lane_m2 = stack[0][1], stack[0][2]
    count = 0
    m1 = np.zeros(m, rows.dtype)
    m2 = np.zeros(m, rows.dtype)
    for k in range(vectors * lanes, size):
        x = rows[:, k]
        delta = x - m1
        count += 1
        m1 = m1 + delta / t(count)
        m2 = m2 + delta * (x - m1)  # measured: not fused
    for lane in range(lanes):
        count, m1, m2 = _merge_scalars(count, m1, m2, vectors, lane_m1[:, lane], lane_m2[:, lane],
                                       fma)
    return m1, m2 / t(size)


def forward(rows, gamma, beta, eps):
    """(y, mean, rstd) for (M, N) rows; gamma and beta of N elements or None."""
    t = rows.dtype.type
    mean, var = moments(rows)
    rstd = t(1) / np.sqrt(var + t(eps))
    centred = rows - mean[:, None]
    scale = rstd[:, None]
    if gamma is not None and beta is not None:
        y = fma(centred * scale, gamma.astype(rows.dtype), beta.astype(rows.dtype))
    elif beta is not None:  # measured: (x - mean) * rstd fused with + beta
        y = fma(centred, scale, beta.astype(rows.dtype))
    else:
        y = centred * scale if gamma is None else centred * scale * gamma.astype(rows.dtype)
    return y, mean, rstd


def backward(dy, rows, mean, rstd, gamma, needs):
    """(dx, dgamma, dbeta) for (M, N) rows as LayerNormBackwardKernel computes them."""
    t = rows.dtype.type
    m, n = rows.shape
    lanes = _LANE_BYTES // rows.itemsize
    a = rstd[:, None]
    dx = dgamma = dbeta = None
    if needs[0]:
        if gamma is None:
            ds = _dot(dy, rows, lanes)
            db = reduce_sum(dy, lanes)
        else:
            g = gamma.astype(rows.dtype)
            ds = _dot(dy * rows, np.broadcast_to(g, rows.shape), lanes)
            db = _dot(dy, np.broadcast_to(g, rows.shape), lanes)
        scale = t(1) / t(n)
        b = fma(db, mean, -ds) * rstd * rstd * rstd * scale
        c = fma(-b, mean, -(db * rstd * scale))
        first = a * dy if gamma is None else a * dy * gamma.astype(rows.dtype)
        dx = fma(b[:, None], rows, first) + c[:, None]
    if needs[1] or needs[2]:
        chunks = _thread_chunks(m)
        if needs[1]:
            shift = -rstd * mean
            normalised = fma(a, rows, shift[:, None])
            dgamma = checked(_thread_sums, dy, normalised, chunks)
        if needs[2]:
            dbeta = _thread_sums(dy, None, chunks)
    return dx, dgamma, dbeta


def _dot(u, v, lanes):
    """Each row's sum(u * v) as vec::map2_reduce_all adds it (batch_norm.dot_lanes)."""
    return dot_lanes(u, v, lanes)


def _thread_chunks(rows):
    if rows <= 1 or THREADS <= 1:
        return [(0, rows)]
    chunk = -(-rows // THREADS)
    return [(lo, min(rows, lo + chunk)) for lo in range(0, rows, chunk)]


def _thread_sums(dy, factor, chunks, fma=fma):
    """Each thread's running sum down its rows (``fma(dy, factor, acc)``, or ``acc + dy``) in
    the dtype, then the threads' sums added in the dtype."""
    total = np.zeros(dy.shape[1], dy.dtype)
    for lo, hi in chunks:
        acc = np.zeros(dy.shape[1], dy.dtype)
        for i in range(lo, hi):
            acc = acc + dy[i] if factor is None else fma(dy[i], factor[i], acc)
        total = total + acc
    return total
