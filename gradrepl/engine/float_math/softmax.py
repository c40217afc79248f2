"""softmax and log_softmax of float32 and float64 tensors as torch 2.13's CPU kernels compute
them (aten/src/ATen/native/cpu/SoftMaxKernel.cpp, LogSoftmaxKernelImpl.h, vec/functional_base.h).

The input is made contiguous and viewed as (outer, dim, inner).

- Along the last dim, row by row: the max, ``exp(x - max)`` by SLEEF on every
  element, the sum by ``vec::reduce_all`` (whole vectors added lane by lane, the partial last
  vector into the first lanes, then the lanes: a butterfly of halves for float, in order for
  double; rows shorter than a vector are added in order), then softmax multiplies by ``1 / sum``
  and log_softmax subtracts SLEEF's log of it: ``(x - max) - log(sum)``.
- Along another dim, per column of the (dim, inner) block: the sum runs down the dim in order
  from 0. softmax divides by it; its columns go through SLEEF in runs of whole vectors and
  through the C library's exp where a run is cut short (at the end of a row of inner, and at the
  split between torch's two threads). log_softmax works in chunks of inner whose last ``size %
  lanes`` columns use the C library's exp, and takes SLEEF's log of every sum.

The backward kernels (``backward``) follow the same layout. Along the last dim: softmax's
``(g - sum(g * y)) * y`` with the sum as reduce_all adds it; log_softmax's ``g - exp(y) * sum(g)``
fused into one multiply-add, exp by SLEEF. Along another dim the sums run down the dim in order,
softmax's fusing each ``g * y`` into the running sum, and log_softmax's ``g - exp(y) * sum`` is
fused, exp by SLEEF or the C library by column as in its forward. (Which steps the compiler fused
was settled bit for bit against torch 2.13.)

float16 along another dim computes in float32 with 32-half steps and rounds once to half
(softmax's one-at-a-time columns round their exp to half first); its last-dim softmax and all its
backward kernels follow the reduced-precision kernels too. Other cases (float16 last-dim
log_softmax among them) keep the caller's own computation (``forward(fallback)``, ``backward(fallback)``).
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.cpu_capability import vector_lanes
from gradrepl.engine.float_math import blocks, libm, sleef, sleef_double, sleef_single
from gradrepl.engine.float_math.blocks import in_blocks
from gradrepl.engine.float_math import fused
from gradrepl.engine.float_math.fused import deferred_checks, fma32 as fma, sums_rounded_once
from gradrepl.engine.ops.summation import THREADS
from gradrepl.engine.vector_math import fma64

_EXP = {np.dtype(np.float32): sleef.expf, np.dtype(np.float64): sleef.exp}
_LOG = {np.dtype(np.float32): sleef_single.logf, np.dtype(np.float64): sleef_double.log}
_FMA = {np.dtype(np.float32): in_blocks(fma), np.dtype(np.float64): in_blocks(fma64)}
_BLOCK_BYTES = 128 * 1024  # log_softmax's chunk of inner: about 128 KB of input per chunk
LEAN = True  # float32 rows' backward made in float64 here, not through fma32 (tests compare both)


def forward(fallback, log=False):
    """The forward of softmax (or log_softmax) for ``(a, dim)``: torch's kernels for float32 and
    float64 tensors of at least one dimension, ``fallback`` for the rest."""
    def compute(a, dim):
        half = a.dtype == np.float16 and a.size and a.ndim and (dim < a.ndim - 1 or not log)
        if (a.dtype not in _EXP or a.ndim == 0 or a.size == 0) and not half:
            return fallback(a, dim)
        x = np.ascontiguousarray(a)
        outer, size = math.prod(a.shape[:dim]), a.shape[dim]
        blocks = x.reshape(outer, size, -1)
        if half and dim == a.ndim - 1:
            out = _softmax_half_rows(blocks.reshape(outer, size))
        elif half:
            out = _log_softmax_half_blocks(blocks) if log else _softmax_half_blocks(blocks)
        elif dim == a.ndim - 1:
            rows = blocks.reshape(outer, size)
            out = _log_softmax_rows(rows) if log else _softmax_rows(rows)
        else:
            out = _log_softmax_blocks(blocks) if log else _softmax_blocks(blocks)
        return out.reshape(a.shape)
    return compute


def _screened_once(kernel):
    """``kernel`` with all of its fused steps (exp's, log's, the backward's multiply-add)
    screened in one check at its end when its first array fits in one block (each SLEEF call
    would screen its own otherwise; larger arrays keep that, block by block, so the kept float64
    sums stay small)."""
    deferred = deferred_checks(kernel)

    def run(*args):
        return (deferred if args[0].size <= blocks.BLOCK else kernel)(*args)
    return run


# ---------------------------------------------------------------------------------------------
# along the last dim

def reduce_sum(rows: np.ndarray, lanes: int | None = None) -> np.ndarray:
    """Each row's sum as ``vec::reduce_all`` adds it (``lanes``: the kernel's vector width,
    this CPU's by default)."""
    lanes = lanes or vector_lanes(rows.itemsize)
    n = rows.shape[1]
    if n < lanes:
        return _in_order(rows)
    # lane by lane in a transposed copy: each lane's values one contiguous row, so that every
    # ufunc call below runs numpy's contiguous loop (strided column views take its buffered
    # iterator: several times the call's cost on a few hundred elements)
    whole = n // lanes * lanes
    if whole == lanes and KEEP_LANES and rows.dtype == np.float32 \
            and rows.size <= _KEPT_LANE_ELEMENTS:
        return _one_vector_sum(rows, lanes)
    columns = rows.T.copy()
    if whole == lanes:  # one whole vector (AVX2's 8 lanes of a row of 10): no running sum
        acc = columns[:lanes]
    else:  # np.add.accumulate adds strictly in order: vector by vector, lane by lane
        acc = np.add.accumulate(columns[:whole].reshape(-1, lanes, len(rows)), axis=0)[-1]
    if whole < n:  # the partial last vector into the first lanes
        acc[:n - whole] += columns[whole:]
    if rows.dtype == np.float32:
        return _butterfly(acc)
    return _in_order(acc.T)  # double has no SIMD specialisation: lane by lane


# float32 rows of one whole vector and a partial one (W8's rows of 10 on AVX2's 8 lanes, the
# forward's sums of exps and the backward's sums of g): the transposed copy, the halves of the
# butterfly and the views each step reads are kept per (rows, row length, lanes), so that a call
# is the copy and the adds alone (making a view costs ~1.4 k instructions, a third of an add on
# 32 lanes: 40 k -> 23 k a call, callgrind). The same adds in the same order as below, into the
# same float32 lanes. A call takes its set out of the memo while it runs (another thread makes
# its own); the sum it returns is a fresh array. False: made at each call (the tests compare).
KEEP_LANES = True
_KEPT_LANE_ELEMENTS = 4096  # rows of at most this many elements keep their work arrays
_KEPT_LANE_SETS = 16  # sets kept at most (the memo starts afresh beyond)
_kept_lanes: dict = {}


def _lane_work(count: int, n: int, lanes: int):
    """``(columns, partial adds, butterfly steps, last pair)`` for ``count`` rows of ``n``
    float32 values (lanes <= n < 2 lanes): each a view made once."""
    columns = np.empty((n, count), np.float32)
    partial = (columns[:n - lanes], columns[lanes:]) if n > lanes else None
    steps, acc, half = [], columns[:lanes], lanes // 2
    while half > 1:
        out = np.empty((half, count), np.float32)
        steps.append((acc[:half], acc[half:2 * half], out))
        acc, half = out, half // 2
    return columns, partial, steps, (acc[0], acc[1])


def _one_vector_sum(rows, lanes):
    """``reduce_sum`` of float32 rows with ``lanes <= n < 2 lanes`` in kept work arrays."""
    count, n = rows.shape
    key = (count, n, lanes)
    work = _kept_lanes.pop(key, None)
    if work is None:
        work = _lane_work(count, n, lanes)
    columns, partial, steps, (first, second) = work
    columns[...] = rows.T
    if partial is not None:  # the partial last vector into the first lanes
        np.add(partial[0], partial[1], out=partial[0])
    for lower, upper, out in steps:  # the butterfly: the upper half onto the lower
        np.add(lower, upper, out=out)
    total = np.add(first, second)  # lane 0 plus lane 1: a fresh array
    if len(_kept_lanes) >= _KEPT_LANE_SETS:
        _kept_lanes.clear()
    _kept_lanes[key] = work
    return total


def _butterfly(acc):
    """VecReduceAllSIMD<float> of lanes laid out as the rows of ``acc``: lane i plus lane
    i ^ (lanes / 2), then i ^ (lanes / 4) ... 1, lane 0 the sum. Only the lower half of each
    step's lanes reaches lane 0, and there i ^ half is i + half: each step adds the upper half
    to the lower, in that operand order."""
    half = len(acc) // 2
    while half:
        acc = np.add(acc[:half], acc[half:2 * half])
        half //= 2
    return acc[0]


def reduce_sum_half(products):
    """Each row's sum as the float16 ``map2_reduce_all`` adds its float products: two float
    accumulators per step of 2L halves (L float lanes), the partial step into their first lanes,
    the two added, then the butterfly; rows shorter than 2L add their (at most L) lanes in
    order."""
    lanes = vector_lanes(4)
    step = 2 * lanes
    count, n = products.shape
    if n < step:
        if n <= lanes:
            return _in_order(products)
        first = products[:, :lanes].copy()
        first[:, :n - lanes] += products[:, lanes:]
        return _in_order(first)
    whole = n // step * step
    acc = np.add.accumulate(products[:, :whole].reshape(count, -1, step), axis=1)[:, -1].copy()
    rest = n - whole
    acc[:, :rest] += products[:, whole:]  # the first accumulator's lanes, then the second's
    return _butterfly((acc[:, :lanes] + acc[:, lanes:]).T)


def _in_order(rows):
    return np.add.accumulate(rows, axis=1)[:, -1]


@_screened_once
def _softmax_rows(rows):
    e = _EXP[rows.dtype](rows - sleef._highest(rows, axis=1, keepdims=True))
    inverse = rows.dtype.type(1) / reduce_sum(e)
    return e * inverse[:, None]


@_screened_once
def _log_softmax_rows(rows):
    shifted = rows - sleef._highest(rows, axis=1, keepdims=True)
    if NONPOSITIVE_ROWS and rows.dtype == np.float32 and rows.size <= sleef._LEAN_SIZE:
        # shifted is <= 0 or nan, so its exps' row sums are in [1, 1.42 n] or nan: the kernels
        # skip the range bounds that always hold (tests/engine/test_mlp_step_paths.py)
        log_sum = sleef_single.logf_of_row_sums(reduce_sum(sleef.expf_of_nonpositive(shifted)))
    else:
        log_sum = _LOG[rows.dtype](reduce_sum(_EXP[rows.dtype](shifted)))
    return shifted - log_sum[:, None]


# False: float32 rows through expf's and logf's own range checks (the tests compare both)
NONPOSITIVE_ROWS = True


# ---------------------------------------------------------------------------------------------
# along another dim

def softmax_vector_columns(outer: int, inner: int, lanes: int,
                           threads: int = THREADS) -> np.ndarray:
    """Which (outer, inner) columns ``_vec_softmax`` runs through whole vectors: its loop over
    outer * inner positions (split between torch's threads) takes ``lanes`` at a time while they
    stay within one row of inner and one thread's range, and the rest one by one."""
    total = outer * inner
    threads = min(threads, total)
    chunk = -(-total // threads)
    position = np.arange(total)
    row_start = position // inner * inner
    thread_start = position // chunk * chunk
    start = np.maximum(row_start, thread_start)
    end = np.minimum(row_start + inner, thread_start + chunk)
    whole = (end - start) // lanes * lanes
    return ((position - start) < whole).reshape(outer, inner)


def _exp_where(shifted, vector_columns):
    """SLEEF's exp in the columns torch vectorises, the C library's in the others."""
    e = _EXP[shifted.dtype](shifted)
    scalar = np.broadcast_to(~vector_columns[:, None, :], shifted.shape)
    if scalar.any():
        e[scalar] = libm.call("exp", shifted[scalar])
    return e


def _sum_down(e):
    """Sums down the dim (axis 1) in order from 0, keeping that axis."""
    return np.add.accumulate(e, axis=1)[:, -1:]


def _softmax_blocks(blocks):
    outer, _, inner = blocks.shape
    vector_columns = softmax_vector_columns(outer, inner, vector_lanes(blocks.itemsize))
    e = _exp_where(blocks - blocks.max(axis=1, keepdims=True), vector_columns)
    return e / _sum_down(e)


def log_softmax_vector_columns(outer: int, size: int, inner: int, itemsize: int) -> np.ndarray:
    """Which columns ``serial_vec_logsoftmax_range`` runs through whole vectors: in each chunk
    of inner all but the last ``chunk % lanes``."""
    lanes = vector_lanes(itemsize)
    chunk = max(_BLOCK_BYTES // size // itemsize, lanes) // lanes * lanes
    chunk = min(chunk, inner)
    column = np.arange(inner)
    chunk_start = column // chunk * chunk
    chunk_size = np.minimum(chunk, inner - chunk_start)
    vector = (column - chunk_start) < chunk_size // lanes * lanes
    return np.broadcast_to(vector, (outer, inner))


def _log_softmax_blocks(blocks):
    outer, size, inner = blocks.shape
    shifted = blocks - blocks.max(axis=1, keepdims=True)
    columns = log_softmax_vector_columns(outer, size, inner, blocks.itemsize)
    log_sum = _LOG[blocks.dtype](_sum_down(_exp_where(shifted, columns)))
    return shifted - log_sum


# float16 along another dim: float32 arithmetic in 32-half steps

def _softmax_half_rows(rows):
    """The reduced-precision last-dim kernel: float32 whole vectors through SLEEF and summed lane
    by lane, then the rest one at a time through the C library, added in order to that sum."""
    x = rows.astype(np.float32)
    shifted = x - x.max(axis=1, keepdims=True)
    lanes = vector_lanes(4)
    whole = x.shape[1] // lanes * lanes
    e = np.empty_like(shifted)
    e[:, :whole] = sleef.expf(shifted[:, :whole])
    total = reduce_sum(e[:, :whole]) if whole else np.zeros(len(x), np.float32)
    for i in range(whole, x.shape[1]):
        e[:, i] = libm.call("exp", shifted[:, i])
        total = total + e[:, i]
    return (e * (np.float32(1) / total)[:, None]).astype(np.float16)


def _softmax_half_blocks(blocks):
    """As ``_softmax_blocks`` in float32, rounding once to half; but a column torch computes one
    at a time divides the exp it already stored as half (rounded twice)."""
    outer, _, inner = blocks.shape
    vector_columns = softmax_vector_columns(outer, inner, vector_lanes(2))
    x = blocks.astype(np.float32)
    e = _exp_where(x - x.max(axis=1, keepdims=True), vector_columns)
    total = _sum_down(e)
    stored = np.where(vector_columns[:, None, :], e, e.astype(np.float16).astype(np.float32))
    return (stored / total).astype(np.float16)


def _log_softmax_half_blocks(blocks):
    outer, size, inner = blocks.shape
    x = blocks.astype(np.float32)
    shifted = x - x.max(axis=1, keepdims=True)
    columns = log_softmax_vector_columns(outer, size, inner, 2)
    log_sum = sleef_single.logf(_sum_down(_exp_where(shifted, columns)))
    return (shifted - log_sum).astype(np.float16)


# ---------------------------------------------------------------------------------------------
# backward

def backward(fallback, log=False):
    """The backward of softmax (or log_softmax) in the engine's ``(F, g, inputs, out, params,
    needs)`` form: torch's kernels when it runs on float32 or float64 arrays, ``fallback`` for
    the rest (other dtypes, and the differentiable form under create_graph)."""
    def compute(F, g, inputs, out, params, needs):
        if not isinstance(g, np.ndarray) or g.dtype != out.dtype or out.ndim == 0 \
                or out.size == 0:
            return fallback(F, g, inputs, out, params, needs)
        if g.dtype not in _EXP and g.dtype != np.float16:
            return fallback(F, g, inputs, out, params, needs)
        dim = params[0]
        if g.shape != out.shape:
            g = np.broadcast_to(g, out.shape)
        g, y = np.ascontiguousarray(g), np.ascontiguousarray(out)
        outer, size = math.prod(out.shape[:dim]), out.shape[dim]
        if g.dtype == np.float16:  # the reduced-precision kernels: float32 inside, one rounding
            g, y = g.astype(np.float32), y.astype(np.float32)
        if dim == out.ndim - 1:
            rows = (g.reshape(outer, size), y.reshape(outer, size))
            half = out.dtype == np.float16
            if log:
                grad = _log_softmax_grad_rows(*rows, reduce_sum_half if half else reduce_sum)
            else:
                grad = _softmax_grad_rows(*rows, reduce_sum_half if half else reduce_sum)
        else:
            blocks = (g.reshape(outer, size, -1), y.reshape(outer, size, -1))
            grad = (_log_softmax_grad_blocks(*blocks, out.itemsize) if log
                    else _softmax_grad_blocks(*blocks))
        return (grad.reshape(out.shape).astype(out.dtype, copy=False),)
    return compute


def _softmax_grad_rows(g, y, summed):
    return (g - summed(g * y)[:, None]) * y


def _log_softmax_grad_rows(g, y, summed):
    if LEAN and g.dtype == np.float32 and g.size <= blocks.BLOCK and fused.DEFERRED \
            and not fused.EXACT_EVERYWHERE:
        grad = _log_softmax_grad_rows_float32(g, y, summed(g))
        if grad is not None:
            return grad
    return _log_softmax_grad_rows_fused(g, y, summed)


def _log_softmax_grad_rows_float32(g, y, total):
    """float32 rows' ``fma(-exp(y), sum(g), g)`` as ``fused.fma32`` makes it (the same float64
    operations in the same order), screened here on its own float64 sums: None if one may have
    rounded twice (the caller then takes the fused path). The one-hot gradient of a picked
    log-probability puts exact sums on float32 midpoints on many rows: accepted as exact.
    Skips fma32's conversions, the broadcast of the sums and the deferred step list, which cost
    more than the arithmetic on a few hundred elements."""
    e = _EXP[y.dtype](y)
    if POWER_OF_TWO_SUMS:
        grad = _log_softmax_grad_power_of_two_sums(g, e, total)
        if grad is not None:
            return grad
    product = (-e).astype(np.float64)
    np.multiply(product, total.astype(np.float64)[:, None], out=product)
    g = g.astype(np.float64)
    wide = product + g
    if not sums_rounded_once(product, g, wide):
        return None
    return wide.astype(np.float32)


# row sums of g that are powers of two (a picked log-probability's mean: -1 / batch on every row)
# make the product exact in float32 (tests/engine/test_mlp_step_paths.py compares both paths)
POWER_OF_TWO_SUMS = True
_FEW_SUMS = 4  # distinct row sums looked at in Python floats; more: the float64 path
_TINY32 = float(np.finfo(np.float32).tiny)
_MAX32 = float(np.finfo(np.float32).max)


def _log_softmax_grad_power_of_two_sums(g, e, total):
    """``fma(-e, total, g)`` in float32 where each row's ``total`` is a normal power of two and
    every ``e * total`` is a normal float32 (e = exp(y) is >= 0): the product is then exact in
    float32, so the fused result is the float32 sum of the product and g, rounded once. None
    where the bounds do not show it (a nan, an exp of 0, a product outside the normal range, a
    sum that could overflow)."""
    sums = set(total.tolist())  # one value on every row, as a rule (-1 / batch)
    if len(sums) > _FEW_SUMS:
        return None
    for value in sums:  # normal powers of two (frexp's fraction is 1/2): no zero, inf or nan
        if abs(math.frexp(value)[0]) != 0.5 or not _TINY32 <= abs(value) <= _MAX32:
            return None
    magnitudes = [abs(value) for value in sums]
    low, high = float(sleef._lowest(e, axis=None)), float(sleef._highest(e, axis=None))
    largest = high * max(magnitudes)  # the products' bounds are exact in float64
    g_low, g_high = float(sleef._lowest(g, axis=None)), float(sleef._highest(g, axis=None))
    # a nan fails every comparison; g's bound keeps the float32 sum from overflowing (whose
    # warning would not be the float64 path's)
    if not (low * min(magnitudes) >= _TINY32 and largest <= _MAX32
            and largest + max(-g_low, g_high) <= _MAX32 / 2):
        return None
    if len(sums) == 1:  # a Python float times a float32 array: float32 (NEP 50), -sum exact
        grad = np.multiply(e, -sums.pop())
    else:
        grad = np.multiply(e, np.negative(total)[:, None])
    return np.add(grad, g, out=grad)


@_screened_once
def _log_softmax_grad_rows_fused(g, y, summed):
    total = np.broadcast_to(summed(g)[:, None], g.shape)
    return _FMA[g.dtype](-_EXP[y.dtype](y), total, g)


def _softmax_grad_blocks(g, y):
    fused = _FMA[g.dtype]
    total = np.zeros_like(g[:, 0])
    for d in range(g.shape[1]):
        total = fused(g[:, d], y[:, d], total)
    return y * (g - total[:, None])


def _log_softmax_grad_blocks(g, y, itemsize):
    outer, size, inner = y.shape
    columns = log_softmax_vector_columns(outer, size, inner, itemsize)
    total = np.broadcast_to(_sum_down(g), g.shape)
    return _FMA[g.dtype](-_exp_where(y, columns), total, g)
