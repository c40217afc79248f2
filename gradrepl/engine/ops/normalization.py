"""batch_norm and layer_norm rows: NativeBatchNormBackward0, NativeLayerNormBackward0.

float32 and float64 batch norm runs torch's CPU kernels step for step
(``engine/float_math/batch_norm.py``: the same accumulation dtypes, orders and fused
multiply-adds), forward, backward and running statistics. Other dtypes keep the general
version here: per channel (or row) a scale and a shift in the tensor's dtype, then
``x * scale + shift``, with statistics summed in float64 and rounded once.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math import batch_norm as torch_kernel
from gradrepl.engine.float_math import layer_norm as layer_kernel
from gradrepl.engine.ops import nn_layer_double_backward as _double
from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.primitive import Primitive, apply


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


def follows_torch_kernels(x, running_mean, running_var) -> bool:
    """Whether batch norm of ``x`` runs torch's kernels (float32 and float64, buffers alike)."""
    return x.dtype in torch_kernel.DTYPES and x.ndim >= 2 and all(
        buffer is None or buffer._data.dtype == x.dtype for buffer in (running_mean, running_var))


def batch_norm_as_torch(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """The batch norm node with torch's statistics; the running buffers updated in place."""
    x = np.ascontiguousarray(input._data)
    if training:
        mean, invstd = torch_kernel.train_stats(
            x, eps, momentum, None if running_mean is None else running_mean._data,
            None if running_var is None else running_var._data)
        grad_invstd = invstd
    else:
        mean = running_mean._data
        invstd = torch_kernel.eval_invstd(running_var._data, eps)
        grad_invstd = torch_kernel.backward_invstd(running_var._data, eps)
    return apply(BATCH_NORM, (input, weight, bias), (mean, invstd, bool(training), grad_invstd))


def _batch_norm_forward(x, w, b, mean, invstd, training, grad_invstd):
    """mean and invstd: the statistics (the batch's, or from the running buffers); float64
    unless torch's kernels run (float32 and float64 input)."""
    if x.dtype in torch_kernel.DTYPES:
        return torch_kernel.transform(np.ascontiguousarray(x), mean, invstd, w, b)
    t = x.dtype.type
    mean_t, invstd_t = mean.astype(x.dtype), invstd.astype(x.dtype)
    w_t = np.ones(x.shape[1], x.dtype) if w is None else w.astype(x.dtype)
    b_t = np.zeros(x.shape[1], x.dtype) if b is None else b.astype(x.dtype)
    alpha = invstd_t * w_t
    beta = b_t - mean_t * invstd_t * w_t
    return (x * _channel_view(alpha, x.ndim) + _channel_view(beta, x.ndim)).astype(x.dtype)


def _batch_norm_backward(g, inputs, out, params, needs):
    x, w, b = inputs
    mean, invstd, training, grad_invstd = params
    if x.dtype in torch_kernel.DTYPES:
        grads = torch_kernel.backward(np.ascontiguousarray(g, dtype=x.dtype),
                                      np.ascontiguousarray(x), w, mean, grad_invstd, training,
                                      needs)
        return tuple(None if grad is None else grad.astype(like.dtype)
                     for grad, like in zip(grads, (x, x if w is None else w, x if b is None else b)))
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
                       inputs=("input", "weight", "bias"),
                       params=("mean", "invstd", "training", "grad_invstd"),
                       saves=("input", "weight", "mean", "invstd"))


def _row_stats(x, n_dims, eps):
    axes = tuple(range(x.ndim - n_dims, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, 1 / np.sqrt(var + eps), axes


def _as_rows(x, n_dims):
    return np.ascontiguousarray(x).reshape(-1, int(np.prod(x.shape[x.ndim - n_dims:])))


def _flat(v, dtype):
    return None if v is None else np.ascontiguousarray(v, dtype=dtype).reshape(-1)


def _layer_norm_forward(x, w, b, n_dims, eps):
    if x.dtype in layer_kernel.DTYPES and x.size:
        y, _, _ = layer_kernel.forward(_as_rows(x, n_dims), _flat(w, x.dtype), _flat(b, x.dtype),
                                       eps)
        return y.reshape(x.shape)
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
    if x.dtype in layer_kernel.DTYPES and x.size:
        # torch saves the forward's mean and rstd; recomputing them gives the same bits
        rows = _as_rows(x, n_dims)
        mean, var = layer_kernel.moments(rows)
        rstd = x.dtype.type(1) / np.sqrt(var + x.dtype.type(eps))
        dx, dw, db = layer_kernel.backward(_as_rows(np.asarray(g, dtype=x.dtype), n_dims), rows,
                                           mean, rstd, _flat(w, x.dtype),
                                           (needs[0], needs[1] and w is not None,
                                            needs[2] and b is not None))
        return (None if dx is None else dx.reshape(x.shape),
                None if dw is None else dw.reshape(w.shape).astype(w.dtype),
                None if db is None else db.reshape(b.shape).astype(b.dtype))
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
