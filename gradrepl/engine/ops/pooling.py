"""2-d pooling rows: max_pool2d, avg_pool2d, adaptive_avg_pool2d, over the last two dims.

torch's CPU kernels for contiguous NCHW input (aten/src/ATen/native/cpu/MaxPoolKernel.cpp,
AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp) walk each window row by row: max keeps the first
largest value (a NaN wins), averages add the window's values one by one in the tensor's dtype
and divide once. The same order is kept here, vectorised over all windows at once.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.nn_double_backward import linear_in_grad
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.tensor import data_of


def pooled_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _offsets(kernel):
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _windows(shape, kernel, stride, padding, dilation, out_size):
    """For each kernel offset, the input row and column every output position reads (may lie in
    the padding: then out of range)."""
    rows = np.arange(out_size[0]) * stride[0] - padding[0]
    cols = np.arange(out_size[1]) * stride[1] - padding[1]
    for i, j in _offsets(kernel):
        yield rows + i * dilation[0], cols + j * dilation[1]


def _take(x, r, c, fill):
    """x[..., r, c] on the grid of r x c, with ``fill`` where a position lies outside."""
    h, w = x.shape[-2:]
    rv = (r >= 0) & (r < h)
    cv = (c >= 0) & (c < w)
    vals = x[..., np.clip(r, 0, h - 1)[:, None], np.clip(c, 0, w - 1)[None, :]]
    inside = rv[:, None] & cv[None, :]
    return np.where(inside, vals, fill), inside


def _max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    out_size = tuple(pooled_size(x.shape[-2 + a], kernel[a], stride[a], padding[a], dilation[a],
                                 ceil_mode) for a in range(2))
    best = np.full(x.shape[:-2] + out_size, -np.inf, dtype=x.dtype)
    best_index = np.full(best.shape, -1, dtype=np.int64)
    w = x.shape[-1]
    for r, c in _windows(x.shape, kernel, stride, padding, dilation, out_size):
        vals, inside = _take(x, r, c, -np.inf)
        take = inside & ((vals > best) | np.isnan(vals)) & ~np.isnan(best)
        best = np.where(take, vals, best)
        best_index = np.where(take, (r[:, None] * w + c[None, :]), best_index)
    return best.astype(x.dtype), best_index


def _max_pool_backward(g, inputs, out, params, needs):
    (x,) = inputs
    _, index = _max_pool_forward(x, *params)
    grad = np.zeros(x.shape[:-2] + (x.shape[-2] * x.shape[-1],), dtype=x.dtype)
    flat_index = index.reshape(index.shape[:-2] + (-1,))
    flat_g = np.asarray(g, dtype=x.dtype).reshape(flat_index.shape)
    lead = np.indices(flat_index.shape[:-1])
    lead = tuple(np.broadcast_to(a[..., None], flat_index.shape) for a in lead)
    np.add.at(grad, lead + (flat_index,), flat_g)
    return (grad.reshape(x.shape),)


def _max_pool_double_backward(F, gg, a, *params):
    # max_pool_double_backward: each output takes grad at its maximum's position (a gather)
    index = _max_pool_forward(data_of(a), *params)[1]
    flat_index = index.reshape(index.shape[:-2] + (-1,))
    lead = tuple(np.broadcast_to(i[..., None], flat_index.shape)
                 for i in np.indices(flat_index.shape[:-1]))
    flat = F.reshape(gg, tuple(np.shape(gg)[:-2]) + (-1,))
    return F.reshape(F.index(flat, lead + (flat_index,)), index.shape)


_WINDOW = ("kernel_size", "stride", "padding")
_MAX_PARAMS = _WINDOW + ("dilation", "ceil_mode")
MAX_POOL2D_BACKWARD, _max_recorded = linear_in_grad(
    "max_pool2d_with_indices_backward", "MaxPool2DWithIndicesBackwardBackward0",
    _max_pool_backward, _max_pool_double_backward, _MAX_PARAMS)
# torch saves the input and the indices of the maxima (its second output)
MAX_POOL2D = Primitive("max_pool2d", "MaxPool2DWithIndicesBackward0",
                       lambda x, *p: _max_pool_forward(x, *p)[0],
                       twice(_max_pool_backward, _max_recorded), inputs=("self",),
                       params=_MAX_PARAMS, saves=("self", "indices"))


def _avg_divisors(x_shape, kernel, stride, padding, out_size, count_include_pad, divisor):
    """Each window's divisor: torch counts the padded window clipped to the padded input, or the
    positions inside the input when count_include_pad is False."""
    if divisor:
        return np.full(out_size, divisor, dtype=np.int64)
    counts = []
    for a in range(2):
        start = np.arange(out_size[a]) * stride[a] - padding[a]
        end = np.minimum(start + kernel[a], x_shape[-2 + a] + padding[a])
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, x_shape[-2 + a]) - np.maximum(start, 0)
        counts.append(size)
    return counts[0][:, None] * counts[1][None, :]


def _avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    out_size = tuple(pooled_size(x.shape[-2 + a], kernel[a], stride[a], padding[a], 1, ceil_mode)
                     for a in range(2))
    total = np.zeros(x.shape[:-2] + out_size, dtype=x.dtype)
    for r, c in _windows(x.shape, kernel, stride, padding, (1, 1), out_size):
        vals, _ = _take(x, r, c, x.dtype.type(0))
        total = total + vals  # one by one, in the window's row-major order
    divisors = _avg_divisors(x.shape, kernel, stride, padding, out_size, count_include_pad,
                             divisor)
    return (total / divisors.astype(x.dtype)).astype(x.dtype)


def _avg_pool_backward(g, inputs, out, params, needs):
    (x,) = inputs
    kernel, stride, padding, ceil_mode, count_include_pad, divisor = params
    g = np.asarray(g, dtype=x.dtype)
    out_size = g.shape[-2:]
    share = g / _avg_divisors(x.shape, kernel, stride, padding, out_size, count_include_pad,
                              divisor).astype(x.dtype)
    grad = np.zeros(x.shape, dtype=x.dtype)
    h, w = x.shape[-2:]
    for r, c in _windows(x.shape, kernel, stride, padding, (1, 1), out_size):
        rv, cv = (r >= 0) & (r < h), (c >= 0) & (c < w)
        np.add.at(grad, (Ellipsis, r[rv][:, None], c[cv][None, :]), share[..., rv, :][..., cv])
    return (grad,)


_AVG_PARAMS = _WINDOW + ("ceil_mode", "count_include_pad", "divisor_override")
# derivatives.yaml: avg_pool2d_backward's grad_output gets avg_pool2d(grad, ...)
AVG_POOL2D_BACKWARD, _avg_recorded = linear_in_grad(
    "avg_pool2d_backward", "AvgPool2DBackwardBackward0", _avg_pool_backward,
    lambda F, gg, a, *params: F.apply(AVG_POOL2D, (gg,), params), _AVG_PARAMS)
AVG_POOL2D = Primitive("avg_pool2d", "AvgPool2DBackward0", _avg_pool_forward,
                       twice(_avg_pool_backward, _avg_recorded), inputs=("self",),
                       params=_AVG_PARAMS, saves=("self",))


def _adaptive_bounds(size, out):
    return [(math.floor(i * size / out), math.ceil((i + 1) * size / out)) for i in range(out)]


def _adaptive_forward(x, out_size):
    rows = _adaptive_bounds(x.shape[-2], out_size[0])
    cols = _adaptive_bounds(x.shape[-1], out_size[1])
    out = np.empty(x.shape[:-2] + tuple(out_size), dtype=x.dtype)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            total = np.zeros(x.shape[:-2], dtype=x.dtype)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    total = total + x[..., r, c]
            out[..., i, j] = total / x.dtype.type((r1 - r0) * (c1 - c0))
    return out


def _adaptive_backward(g, inputs, out, params, needs):
    (x,) = inputs
    (out_size,) = params
    g = np.asarray(g, dtype=x.dtype)
    grad = np.zeros(x.shape, dtype=x.dtype)
    rows = _adaptive_bounds(x.shape[-2], out_size[0])
    cols = _adaptive_bounds(x.shape[-1], out_size[1])
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            share = g[..., i, j] / x.dtype.type((r1 - r0) * (c1 - c0))
            grad[..., r0:r1, c0:c1] += share[..., None, None]
    return (grad,)


ADAPTIVE_AVG_POOL2D_BACKWARD, _adaptive_recorded = linear_in_grad(
    "_adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0", _adaptive_backward,
    lambda F, gg, a, size: F.apply(ADAPTIVE_AVG_POOL2D, (gg,), (size,)), ("output_size",))
ADAPTIVE_AVG_POOL2D = Primitive("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
                                _adaptive_forward, twice(_adaptive_backward, _adaptive_recorded),
                                inputs=("self",), params=("output_size",), saves=("self",))
