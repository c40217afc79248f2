"""batch_norm and layer_norm rows: NativeBatchNormBackward0, NativeLayerNormBackward0.

The transforms follow torch's CPU kernels (aten/src/ATen/native/Normalization.cpp,
cpu/batch_norm_kernel.cpp, cpu/layer_norm_kernel.cpp): per channel (or row) a scale and a shift
in the tensor's dtype, then ``x * scale + shift``. The statistics are summed in float64 and
rounded once; torch sums them in vector lanes (batch norm in double, layer norm with float
Welford moments), so a mean or variance can differ from torch's in the last bit.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import nn_layer_double_backward as _double
from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.primitive import Primitive


def _channel_view(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def batch_stats(x, eps):
    """The batch's per-channel mean, 1/sqrt(biased var + eps), and unbiased var, all float64."""
    axes = (0,) + tuple(range(2, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes)
    var_sum = ((x64 - _channel_view(mean, x.ndim)) ** 2).sum(axis=axes)
    n = x.size // x.shape[1]
    invstd = 1 / np.sqrt(var_sum / n + eps)
    unbiased = var_sum / (n - 1) if n > 1 else np.full_like(var_sum, np.inf)
    return mean, invstd, unbiased


def _batch_norm_forward(x, w, b, mean, invstd, training):
    """mean and invstd are float64 statistics (the batch's, or from the running buffers)."""
    t = x.dtype.type
    mean_t, invstd_t = mean.astype(x.dtype), invstd.astype(x.dtype)
    w_t = np.ones(x.shape[1], x.dtype) if w is None else w.astype(x.dtype)
    b_t = np.zeros(x.shape[1], x.dtype) if b is None else b.astype(x.dtype)
    alpha = invstd_t * w_t
    beta = b_t - mean_t * invstd_t * w_t
    return (x * _channel_view(alpha, x.ndim) + _channel_view(beta, x.ndim)).astype(x.dtype)


def _batch_norm_backward(g, inputs, out, params, needs):
    x, w, b = inputs
    mean, invstd, training = params
    axes = (0,) + tuple(range(2, x.ndim))
    g64 = np.asarray(g).astype(np.float64)
    centred = x.astype(np.float64) - _channel_view(mean, x.ndim)
    w64 = np.ones(x.shape[1]) if w is None else w.astype(np.float64)
    sum_dy = g64.sum(axis=axes)
    dot = (g64 * centred).sum(axis=axes)
    grad_x = None
    if needs[0]:
        if training:
            n = x.size // x.shape[1]
            proj = _channel_view(dot / n * invstd * invstd, x.ndim)
            grad_x = (g64 - centred * proj - _channel_view(sum_dy / n, x.ndim)) \
                * _channel_view(invstd * w64, x.ndim)
        else:
            grad_x = g64 * _channel_view(invstd * w64, x.ndim)
        grad_x = grad_x.astype(x.dtype)
    grad_w = (dot * invstd).astype(w.dtype) if w is not None and needs[1] else None
    grad_b = sum_dy.astype(b.dtype) if b is not None and needs[2] else None
    return grad_x, grad_w, grad_b


# torch's one formula for all three inputs reads the input, the weight and the statistics it
# saved (save_mean, save_invstd): not the output
BATCH_NORM = Primitive("native_batch_norm", "NativeBatchNormBackward0", _batch_norm_forward,
                       twice(_batch_norm_backward, _double.batch_norm_recorded(_batch_norm_backward)),
                       inputs=("input", "weight", "bias"), params=("mean", "invstd", "training"),
                       saves=("input", "weight", "mean", "invstd"))


def _row_stats(x, n_dims, eps):
    axes = tuple(range(x.ndim - n_dims, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, 1 / np.sqrt(var + eps), axes


def _layer_norm_forward(x, w, b, n_dims, eps):
    mean, rstd, _ = _row_stats(x, n_dims, eps)
    scale = rstd.astype(x.dtype)
    shift = (-rstd * mean).astype(x.dtype)
    y = x * scale + shift
    if w is not None:
        y = y * w.astype(x.dtype)
    if b is not None:
        y = y + b.astype(x.dtype)
    return y.astype(x.dtype)


def _layer_norm_backward(g, inputs, out, params, needs):
    x, w, b = inputs
    n_dims, eps = params
    mean, rstd, axes = _row_stats(x, n_dims, eps)
    lead = tuple(range(x.ndim - n_dims))
    g64 = np.asarray(g).astype(np.float64)
    xhat = (x.astype(np.float64) - mean) * rstd
    grad_x = None
    if needs[0]:
        dxhat = g64 * (1.0 if w is None else w.astype(np.float64))
        m = int(np.prod([x.shape[a] for a in axes]))
        grad_x = (rstd / m) * (m * dxhat - dxhat.sum(axis=axes, keepdims=True)
                               - xhat * (dxhat * xhat).sum(axis=axes, keepdims=True))
        grad_x = grad_x.astype(x.dtype)
    grad_w = (g64 * xhat).sum(axis=lead).astype(w.dtype) if w is not None and needs[1] else None
    grad_b = g64.sum(axis=lead).astype(b.dtype) if b is not None and needs[2] else None
    return grad_x, grad_w, grad_b


LAYER_NORM = Primitive("native_layer_norm", "NativeLayerNormBackward0", _layer_norm_forward,
                       twice(_layer_norm_backward, _double.layer_norm_recorded(_layer_norm_backward)),
                       inputs=("input", "weight", "bias"), params=("normalized_dims", "eps"),
                       saves=("input", "weight", "bias"))
