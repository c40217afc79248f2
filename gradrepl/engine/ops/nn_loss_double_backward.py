"""Loss gradients that differentiate again (create_graph=True): the backward rows of smooth_l1,
huber and binary_cross_entropy under torch's names (``SmoothL1LossBackwardBackward0`` ...), and
binary_cross_entropy_with_logits's gradients, which torch itself computes with recorded ops.

Each row's forward is the loss's own first backward on numpy arrays (so a gradient taken with
create_graph=True has the bits of an ordinary one); its backward follows derivatives.yaml and
FunctionsManual.cpp (pytorch/pytorch) and is written on the backend ``F``.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import scalar_arith as _scaled
from gradrepl.engine.ops import unary as _un
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.tensor import data_of

_EPS = 1e-12


def pointwise_loss_backward(name, grad_fn_name, knob, second):
    """For a regression loss whose numpy backward is ``first(g, (self, target), out, params,
    needs)``: returns ``make(first)``, the ``twice=`` of that loss's row. The row recorded is
    ``<loss>_backward(grad_output, self, target, reduction, knob)``: linear in grad_output (its
    gradient is the row again on grad, summed back to grad_output's shape, as torch's engine
    reduces a gradient to its input's shape); self's is ``second(F, grad * grad_output, self,
    target, reduction, knob)`` and target's its negation."""
    def make(first):
        def forward(g, a, t, *values):
            return np.asarray(first(g, (a, t), None, values, (True, False))[0])

        def backward(F, gg, inputs, out, values, needs):
            g, a, t = inputs
            grad_g = F.sum_to(F.apply(row, (gg, a, t), values), g) if needs[0] else None
            grad_a = second(F, gg * g, a, t, *values) if needs[1] or needs[2] else None
            return grad_g, grad_a if needs[1] else None, -grad_a if needs[2] else None

        row = Primitive(f"{name}_backward", grad_fn_name, forward, backward,
                        inputs=("grad_output", "self", "target"), params=("reduction", knob),
                        saves=("grad_output", "self", "target"))

        def recorded(F, g, inputs, out, values, needs):
            # torch's formulas: self's gradient is the backward on (self, target), target's
            # the same on (target, self)
            a, t = inputs
            return (apply(row, (g, a, t), values) if needs[0] else None,
                    apply(row, (g, t, a), values) if needs[1] else None)
        recorded.row = row
        return recorded
    return make


def _within(a, t, limit):
    """Where |self - target| < limit, as a 0/1 array in self's dtype (a mask is never
    differentiated)."""
    a, t = data_of(a), data_of(t)
    dtype = np.result_type(a, t)
    return (np.abs(a - t) < limit).astype(dtype)


def _mean(F, grad, a, reduction):
    return grad / np.size(data_of(a)) if reduction == "mean" else grad


def smooth_l1_double_backward(F, grad, a, t, reduction, beta):
    # smooth_l1_loss_double_backward: grad * (|d| < beta) / beta (zero for beta 0), / numel
    if beta == 0:
        return F.zeros(np.shape(data_of(a)), grad)
    return _mean(F, grad * _within(a, t, beta) / beta, a, reduction)


def huber_double_backward(F, grad, a, t, reduction, delta):
    # huber_loss_double_backward: grad * (|d| < delta), / numel
    return _mean(F, grad * _within(a, t, delta), a, reduction)


# binary_cross_entropy ---------------------------------------------------------------------------

def _weighted(grad, weight, a, reduction):
    if weight is not None:
        grad = grad * weight
    return grad / np.size(data_of(a)) if reduction == "mean" else grad


def bce_backward_row(first):
    """The row of binary_cross_entropy's input gradient, ``first`` its numpy formula."""
    def forward(g, a, t, weight, reduction):
        return first(g, (a, t), None, (weight, reduction), (True, False))[0]

    def backward(F, gg, inputs, out, values, needs):
        g, a, t = inputs
        weight, reduction = values
        grad_g = grad_a = grad_t = None
        if needs[0]:
            # binary_cross_entropy_double_backward_grad_output
            ratio = (a - t) / ((a + _EPS) * (1 - a + _EPS)) * gg
            grad_g = F.sum_to(_weighted(ratio, weight, a, reduction), g)
        if needs[1]:
            # binary_cross_entropy_double_backward: d/dx of (x - t) / (x (1 - x))
            curve = (a * a - a * 2 * t + t) / (
                F.pow(a + _EPS, 2) * F.pow(1 - a + _EPS, 2))
            grad_a = _weighted(curve * (gg * g), weight, a, reduction)
        if needs[2]:
            # binary_cross_entropy_double_backward_target: -grad * grad_output / (x (1 - x)),
            # the denominator clamped at eps outside the graph (torch clamps it in place under
            # no_grad, so its gradient is the unclamped one's)
            product = -(gg * g)
            if weight is not None:
                product = product * weight
            denominator = (1 - a) * a
            value = data_of(denominator)
            if (value < _EPS).any():
                denominator = denominator + (np.maximum(value, _EPS) - value)
            grad_t = product / denominator
            if reduction == "mean":
                grad_t = grad_t / np.size(data_of(t))
        return grad_g, grad_a, grad_t

    row = Primitive("binary_cross_entropy_backward", "BinaryCrossEntropyBackwardBackward0",
                    forward, backward, inputs=("grad_output", "self", "target"),
                    params=("weight", "reduction"), saves=("grad_output", "self", "target",
                                                           "weight"))
    return row


def bce_target_backward(g, a, weight, reduction):
    """binary_cross_entropy_target_backward on tensors: -logit(self) * grad, weighted, / numel,
    each step recorded as torch records it under create_graph=True."""
    from gradrepl.engine.ops.special import LOGIT

    return _reduce(-apply(LOGIT, (a,), (None,)) * g, weight, a, reduction)


# binary_cross_entropy_with_logits: torch's backward is made of recorded ops ---------------------

def bce_logits_backward(g, a, t, weight, pos_weight, reduction, needs):
    """binary_cross_entropy_with_logits_backward and its target backward, on tensors (the
    create_graph form: every step recorded, as torch's grad-mode branch)."""
    grad_a = grad_t = None
    if needs[0]:
        sigmoid = apply(_un.SIGMOID, (a,))
        if pos_weight is not None:
            scaled = t * pos_weight
            grad_a = (scaled + 1 - t) * sigmoid - scaled
        else:
            grad_a = sigmoid - t
        grad_a = _reduce(grad_a * g, weight, a, reduction)
    if needs[1]:
        if pos_weight is not None:
            # log_sigmoid(-x) - log_sigmoid(x) * pos_weight
            grad_t = _log_sigmoid(-a) - _log_sigmoid(a) * pos_weight
        else:
            grad_t = -a
        grad_t = _reduce(grad_t * g, weight, a, reduction)
    return grad_a, grad_t


def _log_sigmoid(x):
    # torch's log_sigmoid, min(x, 0) - log1p(exp(-|x|)), with recorded ops
    data = data_of(x)
    negative_part = x * (data < 0).astype(data.dtype)
    return negative_part - apply(_un.LOG1P, (apply(_un.EXP, (-apply(_un.ABS, (x,)),)),))


def _reduce(grad, weight, a, reduction):
    if weight is not None:
        grad = grad * weight
    if reduction == "mean":
        grad = _scaled.div_scalar(grad, np.size(data_of(a)))
    return grad
