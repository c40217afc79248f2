"""batch_norm on float32 and float64 tensors as torch 2.13's CPU kernels compute it
(aten/src/ATen/native/Normalization.cpp, cpu/batch_norm_kernel.cpp), for contiguous input.

Training statistics (``batch_norm_cpu_collect_stats``), per channel:
- input with spatial dims (image size > 1): the sum of the channel's elements in memory order,
  sample by sample, in double; ``mean = sum / N`` rounded to the dtype; then the sum, in double,
  of the dtype's ``(x - mean) * (x - mean)``, rounded to the dtype (``var_sum``).
- (N, C) input (image size 1, a "channels last" layout): the rows are split between torch's
  threads (``at::parallel_for``: chunks of ceil(N / threads) rows) when there are more rows than
  threads; each thread adds its rows into its own row of a buffer in the dtype, and the buffer
  rows are added in double. The variance buffer adds ``(x - mean) * (x - mean)`` with one fused
  multiply-add per row.
``save_invstd = 1 / sqrt(var_sum / N + eps)``: the division in the dtype, the rest in double,
rounded once. The running buffers blend with the momentum rounded to the dtype:
``momentum * mean + (1 - momentum) * running_mean`` in the dtype; the variance's
``momentum * (var_sum / (N - 1))`` in double plus ``(1 - momentum) * running_var`` rounded to the
dtype, the sum rounded once (Normalization.cpp, compiled without FMA).

The transform (``batch_norm_cpu_collect_linear_and_constant_terms``): ``alpha = invstd * weight``
and ``beta = bias - mean * alpha`` in the dtype (the compiler fuses the latter into one multiply-add),
then ``x * alpha + beta`` fused; in eval mode ``invstd = 1 / sqrt(running_var + eps)`` in the dtype.

The backward (``batch_norm_cpu_backward``), image size > 1: per sample, the channel's gradient
sum by ``vec::reduce_all`` and ``sum((x - mean) * dy)`` by ``vec::map2_reduce_all`` (in the
AVX2 kernel's 8 float lanes; only the partial last vector's products are fused into the lanes),
both added in double; ``k = dotp * invstd * invstd / N`` and ``grad_mean = sum / N`` in the
dtype, ``dx = (dy - grad_mean - (x - mean) * k) * invstd * w`` with the inner multiply-subtract
fused. (N, C) input: thread buffers as in the forward (the dot's products fused), the buffers'
sums rounded to the dtype, and the multiply-subtract fused on the channels of whole vectors
only. In eval mode the backward's invstd is ``1 / sqrt(running_var + eps)`` in double. Which
steps the compiler fused was settled bit for bit against torch 2.13 (each alternative breaks
some shape in tests/torch_api/test_norm_numerics.py).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.fused import fma32, on_float32_midpoint
from gradrepl.engine.float_math.softmax import reduce_sum
from gradrepl.engine.ops.summation import THREADS
from gradrepl.engine.vector_math import fma64

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (_F32, _F64)
# ATen registers these kernels without an AVX-512 build (REGISTER_DISPATCH): an AVX-512 CPU runs
# the AVX2 one, whose vectors are 32 bytes (measured: the gradient sums run in 8 float lanes)
_LANE_BYTES = 32


def fma(a, b, c):
    """a * b + c rounded once, in the operands' dtype."""
    if np.result_type(a, b, c) == _F64:
        return fma64(*np.broadcast_arrays(np.asarray(a, _F64), np.asarray(b, _F64),
                                           np.asarray(c, _F64)))
    return fma32(a, b, c)


def _channels(x):
    """(C, N, image) view of an (N, C, ...) array."""
    n, c = x.shape[:2]
    return x.reshape(n, c, -1).transpose(1, 0, 2)


def in_order(values):
    """The sum down axis 0 of a 2-D array, in double, adding the rows strictly in order.

    numpy reduces axis 0 of a C-ordered array of two or more columns row by row into one
    accumulator per column (its pairwise summation only splits the contiguous inner axis);
    a single column is that inner axis, so it is accumulated explicitly.
    tests/engine/test_norm_kernels.py checks both against a loop."""
    values = np.ascontiguousarray(values, dtype=_F64)
    if values.shape[1] > 1:
        return np.add.reduce(values, axis=0)
    return np.add.accumulate(values, axis=0)[-1]


def _thread_chunks(rows: int, threads: int = THREADS):
    """at::parallel_for's split of ``rows`` (grain 1) between threads."""
    if rows <= 1 or threads <= 1:
        return [(0, rows)]
    chunk = -(-rows // min(threads, rows))
    return [(lo, min(rows, lo + chunk)) for lo in range(0, rows, chunk)]


def _buffered_sums(rows, factors=None):
    """Per column: each thread's running sum of its rows in the dtype (with ``factors``, the
    fused ``acc = fma(rows[i], factors[i], acc)``), then the threads' sums added in double: the
    channels-last two-pass reduction."""
    total = np.zeros(rows.shape[1], _F64)
    for lo, hi in _thread_chunks(len(rows)):
        if factors is None:
            total += np.add.accumulate(rows[lo:hi], axis=0)[-1]
        else:
            total += _fma_chain(rows[lo:hi], factors[lo:hi])
    return total


def _fma_chain(a, b):
    """``acc = fma(a[i], b[i], acc)`` down the rows from 0. float32: each step in double (the
    product is exact there), rounded once; the rare step whose double sum could round twice (a
    float32 midpoint, or a result below float32's normal range) sends the whole chain through
    the exact emulation."""
    acc = np.zeros(a.shape[1], a.dtype)
    if a.dtype == _F32:
        products = a.astype(_F64) * b
        wide = np.empty_like(products)
        for i, product in enumerate(products):
            np.add(product, acc, out=wide[i])
            acc = wide[i].astype(_F32)
        tiny = (np.abs(wide) < np.finfo(_F32).tiny) & (wide != 0)
        if not on_float32_midpoint(wide).any() and not tiny.any():
            return acc
        acc = np.zeros(a.shape[1], a.dtype)
    for i in range(len(a)):
        acc = fma(a[i], b[i], acc)
    return acc


def collect_stats(x):
    """(mean, var_sum) per channel, in x's dtype."""
    t = x.dtype.type
    n_total = x.size // x.shape[1]
    if x.size // (x.shape[0] * x.shape[1]) > 1:
        # one row per (sample, position), in memory order down the rows: summing down axis 0
        # is numpy's fast way to add in order
        values = x.reshape(x.shape[0], x.shape[1], -1).transpose(0, 2, 1).reshape(-1, x.shape[1])
        mean = (in_order(values) / n_total).astype(x.dtype)
        centred = values - mean
        return mean, in_order(centred * centred).astype(x.dtype)
    rows = x.reshape(x.shape[0], x.shape[1])
    if len(rows) > THREADS:
        mean = (_buffered_sums(rows) / n_total).astype(x.dtype)
        centred = rows - mean
        var_sum = _buffered_sums(centred, centred)
        return mean, var_sum.astype(x.dtype)
    mean = (in_order(rows) / n_total).astype(x.dtype)
    centred = rows - mean
    var_sum = np.zeros(rows.shape[1], _F64)
    for row in centred:  # at most THREADS rows: in double, each product rounded to the dtype
        var_sum += (row * row).astype(_F64)
    return mean, var_sum.astype(x.dtype)


def train_stats(x, eps, momentum, running_mean=None, running_var=None):
    """(save_mean, save_invstd) in x's dtype; the running buffers (arrays) updated in place."""
    mean, var_sum = collect_stats(x)
    n = x.size // x.shape[1]
    t = x.dtype.type
    invstd = (1.0 / np.sqrt((var_sum / t(n)).astype(_F64) + eps)).astype(x.dtype)
    # Normalization.cpp is compiled without FMA: nothing here is fused
    m = t(momentum)
    if running_mean is not None:
        running_mean[...] = m * mean + (t(1) - m) * running_mean.astype(x.dtype)
    if running_var is not None:
        unbiased = (var_sum / t(n - 1)).astype(_F64)  # the division in the dtype
        kept = ((t(1) - m) * running_var.astype(x.dtype)).astype(_F64)
        running_var[...] = (_F64.type(m) * unbiased + kept).astype(running_var.dtype)
    return mean, invstd


def eval_invstd(running_var, eps):
    """The forward's 1 / sqrt(var + eps), in the buffer's dtype."""
    t = running_var.dtype.type
    return t(1) / np.sqrt(running_var + t(eps))


def transform(x, mean, invstd, weight, bias):
    """``x * alpha + beta`` per channel (see the module docstring)."""
    t = x.dtype.type
    c = x.shape[1]
    w = np.ones(c, x.dtype) if weight is None else weight.astype(x.dtype)
    b = np.zeros(c, x.dtype) if bias is None else bias.astype(x.dtype)
    alpha = invstd.astype(x.dtype) * w
    mean = mean.astype(x.dtype)
    beta = fma(-mean, alpha, b)
    shape = (1, c) + (1,) * (x.ndim - 2)
    alpha, beta = alpha.reshape(shape), beta.reshape(shape)
    return fma(x, alpha, beta)


def backward_invstd(running_var, eps):
    """The backward's eval-mode invstd: ``1 / std::sqrt(var + eps)`` with eps a double."""
    return (1.0 / np.sqrt(running_var.astype(_F64) + eps)).astype(running_var.dtype)


def dot_lanes(centred, dy, lanes=None):
    """Each row's ``sum(centred * dy)`` as ``vec::map2_reduce_all`` adds it: the first vector's
    products, then each whole vector's added lane by lane, the partial last vector's fused into
    the first lanes, then the butterfly."""
    rows, size = centred.shape
    lanes = lanes or _LANE_BYTES // centred.itemsize
    if size < lanes:
        return np.add.accumulate(centred * dy, axis=1)[:, -1]
    acc = centred[:, :lanes] * dy[:, :lanes]
    whole = size // lanes * lanes
    for lo in range(lanes, whole, lanes):  # not fused in the main loop (measured)
        acc = acc + centred[:, lo:lo + lanes] * dy[:, lo:lo + lanes]
    if whole < size:  # the partial last vector's products are fused into the first lanes
        rest = size - whole
        acc[:, :rest] = fma(centred[:, whole:], dy[:, whole:], acc[:, :rest])
    return reduce_sum(acc, lanes)


def backward(dy, x, weight, mean, invstd, train, needs):
    """(grad_input, grad_weight, grad_bias) as torch's contiguous kernels compute them; ``mean``
    and ``invstd`` are the saved statistics (train) or the running mean and ``backward_invstd``."""
    t = x.dtype.type
    c = x.shape[1]
    n_total = x.size // c
    w = np.ones(c, x.dtype) if weight is None else weight.astype(x.dtype)
    mean, invstd = mean.astype(x.dtype), invstd.astype(x.dtype)
    if x.size // (x.shape[0] * c) > 1:
        grad_sum, dotp = _plane_sums(dy, x, mean)
        k = dotp.astype(x.dtype) * invstd * invstd / t(n_total)
        grad_mean = (grad_sum / n_total).astype(x.dtype)
    else:
        rows, grads = x.reshape(x.shape[0], c), dy.reshape(x.shape[0], c)
        grad_sum = _buffered_sums(grads).astype(x.dtype)
        centred = rows - mean
        dotp = _buffered_sums(centred, grads)
        dotp = dotp.astype(x.dtype)
        k = dotp * invstd * invstd / t(n_total)
        grad_mean = grad_sum / t(n_total)
    grad_x = None
    if needs[0]:
        shape = (1, c) + (1,) * (x.ndim - 2)
        scale = (invstd.reshape(shape), w.reshape(shape))
        if train:
            centred = x - mean.reshape(shape)
            base = dy - grad_mean.reshape(shape)
            inner = fma(-centred, k.reshape(shape), base)
            whole = c // (_LANE_BYTES // x.itemsize) * (_LANE_BYTES // x.itemsize)
            if x.size // (x.shape[0] * c) == 1 and whole < c:
                # (N, C): the channels after the whole vectors are computed unfused (measured)
                tail = (slice(None), slice(whole, None))
                inner[tail] = base[tail] - centred[tail] * k.reshape(shape)[tail]
            grad_x = inner * scale[0] * scale[1]
        else:
            grad_x = dy * scale[0] * scale[1]
    grad_w = (dotp * invstd.astype(dotp.dtype)).astype(x.dtype) if needs[1] else None
    grad_b = grad_sum.astype(x.dtype) if needs[2] else None
    return grad_x, grad_w, grad_b


def _plane_sums(dy, x, mean):
    """Per channel, in double: the gradient's sum and sum((x - mean) * dy), each sample's share
    reduced in vector lanes first."""
    planes = _channels(x)
    grads = _channels(dy)
    c, n, size = planes.shape
    centred = (planes - mean[:, None, None]).reshape(c * n, size)
    per_sample = reduce_sum(np.ascontiguousarray(grads).reshape(c * n, size),
                            _LANE_BYTES // dy.itemsize)
    dots = dot_lanes(centred, np.ascontiguousarray(grads).reshape(c * n, size))
    return in_order(per_sample.reshape(c, n).T), in_order(dots.reshape(c, n).T)
