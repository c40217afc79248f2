"""Loss rows with torch's kernels' arithmetic: mse, smooth_l1, huber, nll (1-d and 2-d),
binary_cross_entropy and binary_cross_entropy_with_logits.

Sources (pytorch/pytorch): aten/src/ATen/native/Loss.cpp, LossNLL.cpp, LossNLL2d.cpp and the
pointwise kernels in native/cpu/BinaryOpsKernel.cpp and PointwiseOpsKernel.cpp. A loss is an
elementwise kernel followed by torch's loss reduction (its cascade sum, then one division); the
backward kernels take ``norm = k / numel`` as one scalar rounded to the tensor's dtype.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import nn_double_backward as _double
from gradrepl.engine.ops import nn_loss_double_backward as _loss_double
from gradrepl.engine.ops.nn_common import arrays_only, mean_norm, reduce_loss
from gradrepl.engine.ops.nn_common import twice as _twice
from gradrepl.engine.ops.primitive import Primitive

# ---------------------------------------------------------------------------------------------
# Regression losses: loss(input, target) elementwise, both inputs differentiable


def _common(a, t):
    dtype = np.result_type(a, t)
    return a.astype(dtype, copy=False), t.astype(dtype, copy=False)


# False: every pointwise loss gradient through np.broadcast_to (the tests compare the two)
SAME_SHAPE_GRADIENT = True


def _pointwise_loss(name, grad_fn_name, loss, grad, knob, scale=1.0, twice=None):
    """A row for ``reduce(loss(a, t, k))`` whose input gradient is ``grad(a, t, g, norm, k)``
    with ``norm = scale / numel`` for a mean and ``k`` the loss's own parameter (torch's name:
    ``knob``); the target's gradient is its negation (the kernels are odd in a - t). Under
    create_graph=True, ``twice`` (a backward on the tensor backend) records the gradients as
    differentiable ops (given the numpy backward, it returns that recorded form), or the row says
    it is not supported."""
    def forward(a, t, reduction, k):
        a, t = _common(a, t)
        return reduce_loss(loss(a, t, a.dtype.type(k)), reduction)

    def backward(g, inputs, out, params, needs):
        a, t = _common(*inputs)
        reduction, k = params
        norm = mean_norm(reduction, a.size, a.dtype, scale)
        grad_a = grad(a, t, np.asarray(g, dtype=a.dtype), norm, a.dtype.type(k))
        if not (SAME_SHAPE_GRADIENT and type(grad_a) is np.ndarray and grad_a.shape == a.shape):
            grad_a = np.broadcast_to(grad_a, a.shape)
        # (short path: a gradient of the input's shape already is the fresh array torch's
        # kernel writes; a broadcast would only make it a read-only view, and .grad a copy)
        return (grad_a if needs[0] else None, -grad_a if needs[1] else None)

    whole = arrays_only(name, backward) if twice is None else _twice(backward, twice(backward))
    return Primitive(name, grad_fn_name, forward, whole,
                     inputs=("self", "target"), params=("reduction", knob),
                     saves=("self", "target"))


def _mse(a, t, _):
    diff = a - t
    return diff * diff


def _mse_grad(a, t, g, norm, _):
    return norm * (a - t) * g


def _smooth_l1(a, t, beta):
    z = np.abs(a - t)
    half = a.dtype.type(0.5)
    return np.where(z < beta, half * z * z / beta, z - half * beta)


def _smooth_l1_grad(a, t, g, norm, beta):
    x = a - t
    return np.where(x <= -beta, -norm * g, np.where(x >= beta, norm * g, norm * x * g / beta))


def _huber(a, t, delta):
    z = np.abs(a - t)
    half = a.dtype.type(0.5)
    return np.where(z < delta, half * z * z, delta * (z - half * delta))


def _huber_grad(a, t, g, norm, delta, delta_double):
    """huber_backward_cpu_kernel: whole vectors compute ``norm * clip(x, -delta, delta) * grad``
    with delta in the tensor's dtype; the scalar tail multiplies by the double delta last."""
    from gradrepl.engine.float_math.loops import scalar_elements

    x = a - t
    g = np.broadcast_to(g, x.shape)
    clipped = np.where(np.abs(x) >= delta, np.where(x > 0, delta, -delta), x)
    grad = (norm * clipped) * g
    if x.dtype.kind != "f" or not x.ndim:
        return grad
    flat_x, flat_g, flat_grad = x.ravel(), g.ravel(), grad.reshape(-1)
    for part in scalar_elements(x.size, x.itemsize):
        xs, gs = flat_x[part], flat_g[part]
        outer = (norm * gs).astype(np.float64) * delta_double
        flat_grad[part] = np.where(xs <= -delta_double, -outer,
                                   np.where(xs >= delta_double, outer, norm * xs * gs))
    return grad


def _huber_backward(g, inputs, out, params, needs):
    a, t = _common(*inputs)
    reduction, delta = params
    norm = mean_norm(reduction, a.size, a.dtype)
    grad_a = _huber_grad(a, t, np.asarray(g, dtype=a.dtype), norm, a.dtype.type(delta),
                         float(delta))
    return (grad_a if needs[0] else None, -grad_a if needs[1] else None)


# differentiable twice (create_graph=True): the gradients are recorded MseLossBackwardBackward0,
# SmoothL1LossBackwardBackward0 ... nodes
MSE_LOSS = _pointwise_loss("mse_loss", "MseLossBackward0", _mse, _mse_grad, "no_param",
                           scale=2.0, twice=lambda first: _double.mse_loss_tensor_backward)
SMOOTH_L1_LOSS = _pointwise_loss(
    "smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1, _smooth_l1_grad, "beta",
    twice=_loss_double.pointwise_loss_backward(
        "smooth_l1_loss", "SmoothL1LossBackwardBackward0", "beta",
        _loss_double.smooth_l1_double_backward))


def _huber_forward(a, t, reduction, delta):
    a, t = _common(a, t)
    return reduce_loss(_huber(a, t, a.dtype.type(delta)), reduction)


# its own backward (not _pointwise_loss's): the scalar tail needs delta as the double it was given
_huber_recorded = _loss_double.pointwise_loss_backward(
    "huber_loss", "HuberLossBackwardBackward0", "delta", _loss_double.huber_double_backward)
HUBER_LOSS = Primitive("huber_loss", "HuberLossBackward0", _huber_forward,
                       _twice(_huber_backward, _huber_recorded(_huber_backward)),
                       inputs=("self", "target"),
                       params=("reduction", "delta"), saves=("self", "target"))


# ---------------------------------------------------------------------------------------------
# nll_loss: the picked log-probabilities, summed by torch's 8-level cascade


_LEVELS = 8


def _picked(a, target, classes_axis):
    """input[b, target[b], ...] for every position, and a mask of the positions not ignored."""
    index = np.expand_dims(np.where(target < 0, 0, target), classes_axis)
    return np.take_along_axis(a, index, axis=classes_axis).squeeze(classes_axis)


def _nll_forward(a, target, weight, reduction, ignore_index):
    classes_axis = 0 if a.ndim == 1 else 1
    n_classes = a.shape[classes_axis]
    kept = target != ignore_index
    bad = kept & ((target < 0) | (target >= n_classes))
    if bad.any():
        raise IndexError(f"Target {target[bad].flat[0]} is out of bounds.")
    safe_target = np.where(kept, target, 0)
    picked = _picked(a, safe_target, classes_axis)
    w = None if weight is None else weight[safe_target]
    if reduction == "none":
        loss = -picked if w is None else -(picked * w)
        return np.where(kept, loss, a.dtype.type(0)).astype(a.dtype, copy=False)
    # the kernel walks positions in memory order, skipping ignored ones; its level flushes
    # follow each position's linear index, so ignored positions still count there
    flat_kept = kept.reshape(-1)
    contributions = (picked if w is None else picked * w).reshape(-1)
    total_loss, total_weight = _nll_cascade(contributions, None if w is None else w.reshape(-1),
                                            flat_kept, a.dtype)
    if w is None:
        total_weight = a.dtype.type(int(flat_kept.sum()))
    if reduction == "mean":
        total_loss = a.dtype.type(total_loss / total_weight)
    return np.asarray(total_loss, dtype=a.dtype)


def _nll_cascade(values, weights, kept, dtype):
    dtype = np.dtype(dtype).type
    n = len(values)
    power = max(4, (1 if n <= 2 else (n - 1).bit_length()) // 4)
    mask = (1 << power) - 1
    loss = [dtype(0)] * _LEVELS
    weight = [dtype(0)] * _LEVELS
    for index in range(n):
        if not kept[index]:
            continue
        loss[0] = dtype(loss[0] - values[index])
        if weights is not None:
            weight[0] = dtype(weight[0] + weights[index])
        for j in range(_LEVELS - 1):
            if index & (mask << (j * power)):
                break
            loss[j + 1] = dtype(loss[j + 1] + loss[j])
            weight[j + 1] = dtype(weight[j + 1] + weight[j])
            loss[j] = weight[j] = dtype(0)
    total_loss = total_weight = dtype(0)
    for j in range(_LEVELS):  # std::accumulate from 0, level by level
        total_loss = dtype(total_loss + loss[j])
        total_weight = dtype(total_weight + weight[j])
    return total_loss, total_weight


def _nll_backward(g, inputs, out, params, needs):
    (a,) = inputs
    target, weight, reduction, ignore_index = params
    classes_axis = 0 if a.ndim == 1 else 1
    kept = target != ignore_index
    safe_target = np.where(kept, target, 0)
    g = np.asarray(g, dtype=a.dtype)
    if reduction == "none":
        grad = -g if weight is None else -weight[safe_target] * g
    else:
        if reduction == "mean":
            total = _nll_total_weight(weight, safe_target, kept, a.dtype)
            g = g / total
        grad = -g if weight is None else weight[safe_target] * -g
        grad = np.broadcast_to(grad, target.shape)
    grad = np.where(kept, grad, a.dtype.type(0))
    out_grad = np.zeros_like(a)
    np.put_along_axis(out_grad, np.expand_dims(safe_target, classes_axis),
                      np.expand_dims(grad.astype(a.dtype, copy=False), classes_axis),
                      axis=classes_axis)
    return (out_grad,)


def _nll_total_weight(weight, safe_target, kept, dtype):
    if weight is None:
        return np.dtype(dtype).type(int(kept.sum()))
    w = weight[safe_target].reshape(-1)
    return _nll_cascade(np.zeros_like(w), w, kept.reshape(-1), dtype)[1]


# torch saves the input, the target, the class weights and total_weight (its second output)
_NLL = dict(inputs=("self",), params=("target", "weight", "reduction", "ignore_index"),
            saves=("self", "target", "weight", "indices"))
# derivatives.yaml: nll_loss_backward's grad_output gets nll_loss(grad, ...), self zeros
NLL_LOSS_BACKWARD, _nll_recorded = _double.linear_in_grad(
    "nll_loss_backward", "NllLossBackwardBackward0", _nll_backward,
    lambda F, gg, a, *params: F.apply(NLL_LOSS, (gg,), params), _NLL["params"],
    saves=("self", "target", "weight"))
NLL_LOSS2D_BACKWARD, _nll2d_recorded = _double.linear_in_grad(
    "nll_loss2d_backward", "NllLoss2DBackwardBackward0", _nll_backward,
    lambda F, gg, a, *params: F.apply(NLL_LOSS_2D, (gg,), params), _NLL["params"],
    saves=("self", "target", "weight"))
NLL_LOSS = Primitive("nll_loss", "NllLossBackward0", _nll_forward,
                     _twice(_nll_backward, _nll_recorded), **_NLL)
NLL_LOSS_2D = Primitive("nll_loss2d", "NllLoss2DBackward0", _nll_forward,
                        _twice(_nll_backward, _nll2d_recorded), **_NLL)

# ---------------------------------------------------------------------------------------------
# Binary cross entropy, on probabilities and on logits

_EPSILON = 1e-12


def _libm(np_func):
    """A scalar libm call of torch's (unvectorised) bce kernel: glibc's logf and log1pf round
    correctly (nearly always), which float64 rounded once to float32 reproduces."""
    def call(x):
        with np.errstate(divide="ignore"):
            if x.dtype == np.float32:
                return np_func(x.astype(np.float64)).astype(np.float32)
            return np_func(x)
    return call


_libm_log, _libm_log1p = _libm(np.log), _libm(np.log1p)


def _bce_forward(a, t, weight, reduction):
    t = t.astype(a.dtype, copy=False)
    if not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ((t >= 0) & (t <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    one, floor = a.dtype.type(1), a.dtype.type(-100)
    # torch 2.13 takes log1p(-x) for log(1 - x)
    loss = (t - one) * np.maximum(_libm_log1p(-a), floor) - t * np.maximum(_libm_log(a), floor)
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss.astype(a.dtype, copy=False), reduction)


def _bce_backward(g, inputs, out, params, needs):
    a, t = inputs
    weight, reduction = params
    one = a.dtype.type(1)
    g = np.asarray(g, dtype=a.dtype)
    grad = grad_t = None
    if needs[0]:
        grad = g * (a - t) / np.maximum((one - a) * a, a.dtype.type(_EPSILON))
        grad = _weighted_mean(grad, weight, reduction, a)
    if needs[1]:
        # binary_cross_entropy_target_backward: -logit(self) * grad, weighted, / numel
        from gradrepl.engine.ops.special import LOGIT

        with np.errstate(divide="ignore"):
            grad_t = _weighted_mean(-LOGIT.forward(a, None) * g, weight, reduction, a)
    return grad, grad_t


def _weighted_mean(grad, weight, reduction, a):
    if weight is not None:
        grad = grad * weight
    if reduction == "mean":
        grad = grad / a.dtype.type(a.size)
    return np.broadcast_to(grad, a.shape).astype(a.dtype, copy=False)


BINARY_CROSS_ENTROPY_BACKWARD = _loss_double.bce_backward_row(_bce_backward)


def _bce_recorded(F, g, inputs, out, params, needs):
    a, t = inputs
    weight, reduction = params
    return (F.apply(BINARY_CROSS_ENTROPY_BACKWARD, (g, a, t), params) if needs[0] else None,
            _loss_double.bce_target_backward(g, a, weight, reduction) if needs[1] else None)


BINARY_CROSS_ENTROPY = Primitive("binary_cross_entropy", "BinaryCrossEntropyBackward0",
                                 _bce_forward, _twice(_bce_backward, _bce_recorded),
                                 inputs=("self", "target"), params=("weight", "reduction"),
                                 saves=("self", "target", "weight"))


def _log_sigmoid(x):
    # torch's log_sigmoid kernel: min(x, 0) - log1p(exp(-|x|)), every element (the last partial
    # vector too) through SLEEF's exp and log1p
    if x.dtype in (np.float32, np.float64):
        from gradrepl.engine.float_math import kernels, sleef

        exp = sleef.expf if x.dtype == np.float32 else sleef.exp
        with np.errstate(over="ignore", invalid="ignore"):
            return np.minimum(x, x.dtype.type(0)) - kernels.log1p(exp(-np.abs(x)))
    return np.minimum(x, x.dtype.type(0)) - np.log1p(np.exp(-np.abs(x)))


def _bce_logits_forward(a, t, weight, pos_weight, reduction):
    t = t.astype(a.dtype, copy=False)
    one = a.dtype.type(1)
    log_sig = _log_sigmoid(a)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - one) * t + one)
    loss = (one - t) * a - log_sig
    if weight is not None:
        loss = loss * weight
    return reduce_loss(loss.astype(a.dtype, copy=False), reduction)


def _sigmoid(a):
    if a.dtype in (np.float32, np.float64):
        from gradrepl.engine.float_math import kernels

        return kernels.sigmoid(a)  # torch's sigmoid kernel (SLEEF / glibc), as its formula calls
    return np.reciprocal(np.exp(-a) + a.dtype.type(1))


def _bce_logits_backward(g, inputs, out, params, needs):
    a, t = inputs
    weight, pos_weight, reduction = params
    g = np.asarray(g, dtype=a.dtype)
    grad = grad_t = None
    if needs[0]:
        if pos_weight is not None:
            pt = pos_weight * t
            grad = ((pt + a.dtype.type(1)) - t) * _sigmoid(a) - pt
            grad = grad * g
        else:
            grad = (_sigmoid(a) - t) * g
        grad = _weighted_mean(grad, weight, reduction, a)
    if needs[1]:
        # binary_cross_entropy_with_logits_target_backward
        if pos_weight is not None:
            grad_t = _log_sigmoid(-a) - _log_sigmoid(a) * pos_weight
        else:
            grad_t = -a
        grad_t = _weighted_mean(grad_t * g, weight, reduction, a)
    return grad, grad_t


def _bce_logits_recorded(F, g, inputs, out, params, needs):
    # torch writes this backward with ops, recorded one by one under create_graph=True
    return _loss_double.bce_logits_backward(g, *inputs, *params, needs)


BINARY_CROSS_ENTROPY_WITH_LOGITS = Primitive(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
    _bce_logits_forward,
    _twice(_bce_logits_backward, _bce_logits_recorded),
    inputs=("self", "target"), params=("weight", "pos_weight", "reduction"),
    saves=("self", "target", "weight", "pos_weight"))
