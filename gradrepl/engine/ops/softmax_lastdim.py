"""softmax and log_softmax of float32 along the last dim, as ATen's vectorised CPU kernels compute
them (aten/src/ATen/native/cpu/SoftMaxKernel.cpp, ``_vec_log_softmax_lastdim``,
``_vec_softmax_lastdim`` and their backward kernels).

Per row: the max; ``exp(x - max)`` with SLEEF's expf (``Vectorized::exp``); their sum reduced as
``vec::map_reduce_all`` reduces (a row shorter than a vector: lane by lane in order; longer: one
accumulator vector, the tail added into its first lanes, then halves folded onto each other); then
``(x - max) - log(sum)`` with the C library's logf, or ``e * (1 / sum)``. Measured against torch
2.13 (tests/torch_api/test_softmax_lastdim.py): bit for bit except where ATen's vectorised logf
(SLEEF's) and glibc's differ in the last bit (a row in a few dozen), and softmax's backward on
rows of 16 or more elements, whose vector accumulation is not reproduced yet.
"""

from __future__ import annotations

import numpy as np

_F32 = np.float32


def lane_sum(values: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D float32 array in map_reduce_all's order (keeps a trailing dim)."""
    from gradrepl.engine.cpu_capability import vector_lanes

    lanes = vector_lanes(4)
    size = values.shape[-1]
    if size < lanes:
        total = values[:, 0].copy()
        for j in range(1, size):
            total += values[:, j]
        return total[:, None]
    accumulator = values[:, :lanes].copy()
    start = lanes
    while start + lanes <= size:
        accumulator += values[:, start:start + lanes]
        start += lanes
    if start < size:
        accumulator[:, :size - start] += values[:, start:]
    width = lanes
    while width > 1:
        width //= 2
        accumulator = accumulator[:, :width] + accumulator[:, width:2 * width]
    return accumulator


def applies(a, dim) -> bool:
    return a.dtype == _F32 and a.ndim >= 1 and dim == a.ndim - 1 and a.shape[-1] > 0 and a.size > 0


def _rows(a):
    return a.reshape(-1, a.shape[-1])


def _exp(x):
    from gradrepl.engine.float_math.sleef import expf

    return expf(x)


def _log(x):
    from gradrepl.engine.float_math import libm

    return libm.call("log", x.ravel()).reshape(x.shape)


def log_softmax(a):
    rows = _rows(a)
    shifted = rows - rows.max(axis=1, keepdims=True)
    return (shifted - _log(lane_sum(_exp(shifted)))).reshape(a.shape)


def softmax(a):
    rows = _rows(a)
    e = _exp(rows - rows.max(axis=1, keepdims=True))
    return (e * (_F32(1) / lane_sum(e))).reshape(a.shape)


def log_softmax_backward(g, out):
    """grad - exp(output) * sum(grad), per row, the subtraction fused (vfnmadd)."""
    from gradrepl.engine.vector_math import fma

    g_rows, out_rows = _rows(g), _rows(out)
    total = np.broadcast_to(lane_sum(g_rows), g_rows.shape)
    return fma(-_exp(out_rows), total, g_rows).reshape(out.shape)


def softmax_backward(g, out):
    """output * (grad - sum(grad * output)), per row."""
    g_rows, out_rows = _rows(g), _rows(out)
    return (out_rows * (g_rows - lane_sum(g_rows * out_rows))).reshape(out.shape)
