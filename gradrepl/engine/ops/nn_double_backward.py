"""Backward rows of nn rows, so that ``create_graph=True`` gives a gradient that is itself
differentiable, recorded under torch's name (``MseLossBackwardBackward0``,
``LeakyReluBackwardBackward0``). Each forward is the first backward's numpy formula; each
backward follows tools/autograd/derivatives.yaml and is written on the tensor backend ``F``.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.ops import unary as _un
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.nn_common import mean_norm
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.tensor import data_of


# mse_loss -----------------------------------------------------------------------------------

def _mse_backward_forward(g, a, t, reduction):
    norm = mean_norm(reduction, a.size, a.dtype, 2.0)
    return np.broadcast_to(norm * (a - t) * np.asarray(g, dtype=a.dtype), a.shape).copy()


def _mse_backward_backward(F, gg, inputs, out, params, needs):
    # derivatives.yaml: grad_output: mse_loss_double_backward_grad_output; self: 2 * grad *
    # grad_output / n (mean); target: its negation
    g, a, t = inputs
    (reduction,) = params
    a_data = data_of(a)
    norm = float(mean_norm(reduction, a_data.size, a_data.dtype, 2.0))
    grad_g = F.sum_to((a - t) * norm * gg, g) if needs[0] else None
    grad_a = None
    if needs[1] or needs[2]:
        # mse_loss_double_backward(grad * grad_output): 2 * (...), then / numel for a mean
        grad_a = (gg * g) * 2
        if reduction == "mean":
            grad_a = grad_a / a_data.size
    return grad_g, grad_a if needs[1] else None, -grad_a if needs[2] else None


# whole-op: self's and target's gradients share one product; derivatives.yaml's formulas read
# grad_output, self and target for grad_output, and grad_output with self (target) for the others
MSE_LOSS_BACKWARD = Primitive("mse_loss_backward", "MseLossBackwardBackward0",
                              _mse_backward_forward, _mse_backward_backward,
                              inputs=("grad_output", "self", "target"), params=("reduction",),
                              saves={"grad_output": ("grad_output", "self", "target"),
                                     "self": ("grad_output",), "target": ("grad_output",)})


def mse_loss_tensor_backward(F, g, inputs, out, params, needs):
    """mse_loss's gradients as recorded rows: ``mse_loss_backward(grad, self, target)`` and, for
    the target, the same with self and target swapped (torch's formula)."""
    a, t = inputs
    reduction = params[0]
    return (apply(MSE_LOSS_BACKWARD, (g, a, t), (reduction,)) if needs[0] else None,
            apply(MSE_LOSS_BACKWARD, (g, t, a), (reduction,)) if needs[1] else None)


# leaky_relu ---------------------------------------------------------------------------------

def _leaky_backward_forward(g, a, slope):
    g = np.asarray(g, dtype=a.dtype)
    return np.where(a > 0, g, g * a.dtype.type(slope)).astype(a.dtype, copy=False)


def _leaky_grad_output(F, grad, self, negative_slope):
    # derivatives.yaml: grad_output: leaky_relu_backward(grad, self, negative_slope, false)
    if F is arrays:
        return _leaky_backward_forward(grad, self, negative_slope)
    return leaky_relu_backward(grad, self, negative_slope)


LEAKY_RELU_BACKWARD = Primitive(
    "leaky_relu_backward", "LeakyReluBackwardBackward0", _leaky_backward_forward,
    inputs=("grad_output", "self"), params=("negative_slope",),
    derivatives={"grad_output": _leaky_grad_output,
                 "self": lambda F, grad: F.zeros(np.shape(grad), grad)})  # zeros_like(grad)


def leaky_relu_backward(grad, self, negative_slope):
    """leaky_relu's gradient as a recorded (differentiable) LeakyReluBackwardBackward0."""
    return apply(LEAKY_RELU_BACKWARD, (grad, self), (negative_slope,))


# backward rows linear in grad_output ------------------------------------------------------------

def linear_in_grad(name, grad_fn_name, first_backward, again, params, saves=("self",),
                   self_is_input=True):
    """The row of a first backward that is linear in grad_output and reads ``self`` only for its
    shape or positions (nll_loss, pooling, padding, embedding, upsampling). Its forward is the
    first backward's numpy formula, ``first_backward(g, (self,), None, params, needs)``; as in
    derivatives.yaml, grad_output's gradient is ``again(F, grad, self, *params)`` (the forward
    op applied to grad) and self's is zeros_like(self). Where torch's backward takes only the
    input's size, not the input (upsampling: ``self_is_input=False``), the row has grad_output
    alone as input and a stand-in of self's shape and dtype goes to ``first_backward``."""
    def forward(g, *values):
        if self_is_input:
            a, values = values[0], values[1:]
        else:
            values, (shape, dtype) = values[:-1], values[-1]
            a = np.empty(shape, dtype=dtype)
        return first_backward(g, (a,), None, values, (True,))[0]

    def backward(F, gg, inputs, out, values, needs):
        if not self_is_input:
            return (again(F, gg, None, *values[:-1]),)
        a = inputs[1]
        return (again(F, gg, a, *values) if needs[0] else None,
                F.zeros(np.shape(a), a) if needs[1] else None)

    inputs = ("grad_output", "self") if self_is_input else ("grad_output",)
    row = Primitive(name, grad_fn_name, forward, backward, inputs=inputs,
                    params=params if self_is_input else tuple(params) + ("self_sizes",),
                    saves=saves)

    def recorded(F, g, inputs, out, values, needs):
        if self_is_input:
            grad = F.apply(row, (g, inputs[0]), values)
        else:
            a = data_of(inputs[0])
            grad = F.apply(row, (g,), tuple(values) + ((a.shape, a.dtype),))
        return (grad,) + (None,) * (len(inputs) - 1)
    return row, recorded


# activations: backward(grad_output, self) rows, elementwise --------------------------------------

def activation_backward(name, grad_fn_name, first, second, params=()):
    """The row of an activation's backward ``first(self, grad_output, *params)`` (numpy, the
    first backward's own formula). It is linear in grad_output, whose gradient is therefore the
    same row on grad; self's is ``second(F, grad, grad_output, self, *params)``, derivatives.yaml's
    ``*_double_backward``. Returns ``record(grad_output, self, *params)``, the recorded call."""
    def forward(g, a, *values):
        return first(a, np.asarray(g, dtype=a.dtype), *values).astype(a.dtype, copy=False)

    def backward(F, gg, inputs, out, values, needs):
        g, a = inputs
        return (F.apply(row, (gg, a), values) if needs[0] else None,
                second(F, gg, g, a, *values) if needs[1] else None)

    row = Primitive(name, grad_fn_name, forward, backward, inputs=("grad_output", "self"),
                    params=params, saves={"grad_output": ("self",),
                                          "self": ("grad_output", "self")})

    def record(grad_output, self, *values):
        return apply(row, (grad_output, self), values)
    record.row = row
    return record


def gelu_double_backward(F, grad, grad_output, self, approximate):
    if approximate == "tanh":
        # gelu'(x) = (1 + t) / 2 + x (1 - t^2) u' / 2 with t = tanh(u), u = b (x + k x^3):
        # its derivative is (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2)
        beta, kappa = _SQRT_2_OVER_PI, 0.044715
        inner = (self + self * self * self * kappa) * beta
        t = F.tanh(inner)
        sech2 = 1 - t * t
        du = (self * self * (3 * kappa) + 1) * beta
        d2u = self * (6 * kappa * beta)
        return grad * grad_output * (sech2 * (du + self * (d2u - t * du * du * 2) * 0.5))
    # gelu'(x) = cdf(x) + x pdf(x): its derivative is pdf(x) (2 - x^2)
    square = self * self
    pdf = F.exp(square * -0.5) * _INV_SQRT_2PI
    return grad * grad_output * (pdf * 2 - square * pdf)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def elu_double_backward(F, grad, grad_output, self, alpha):
    # elu_backward = grad_output * alpha * exp(x) where x <= 0 (scale and input_scale are 1):
    # its derivative in x is the same expression times grad, zero where x > 0
    negative = data_of(self) <= 0
    slope = grad * grad_output * alpha * F.exp(self)
    return F.where(negative, slope, F.zeros((), slope))


def softplus_double_backward(F, grad, grad_output, self, beta, threshold):
    # softplus_double_backward(grad * grad_output): sigmoid_backward(grad, sigmoid(x beta)) * beta
    # where x beta < threshold (the linear part above it has no curvature)
    scaled = self * beta
    curve = F.sigmoid_backward(grad * grad_output, F.apply(_un.SIGMOID, (scaled,))) * beta
    return F.where(data_of(scaled) < threshold, curve, F.zeros((), curve))


# prelu: _prelu_kernel_backward(grad_output, self, weight) -> (grad_self, grad_weight) ------------

def _prelu_double_backward(F, grads, inputs, out, params, needs):
    # derivatives.yaml's three formulas; grads[0] / grads[1] reach the two outputs (or not)
    g, a, w = inputs
    gg_a, gg_w = grads
    positive = data_of(a) >= 0
    zero = F.zeros((), g)
    grad_g = grad_a = grad_w = None
    if needs[0]:
        if gg_a is not None:
            negative = gg_a * w if gg_w is None else gg_a * w + gg_w * a
            grad_g = F.where(positive, F.expand(gg_a, np.shape(negative)), negative)
        else:
            grad_g = F.where(positive, zero, gg_w * a)
        grad_g = F.sum_to(grad_g, g)
    if needs[1]:
        grad_a = (F.where(positive, zero, g * gg_w) if gg_w is not None
                  else F.zeros(np.shape(data_of(a)), a))
        grad_a = F.sum_to(grad_a, a)
    if needs[2]:
        grad_w = (F.where(positive, zero, g * gg_a) if gg_a is not None
                  else F.zeros(np.shape(data_of(a)), a))
        grad_w = F.sum_to(grad_w, w)  # the weight is the broadcast (1, C, 1 ...) view
    return grad_g, grad_a, grad_w


PRELU_KERNEL_BACKWARD = Primitive(
    "_prelu_kernel_backward", "PreluKernelBackwardBackward0", None, _prelu_double_backward,
    inputs=("grad_output", "self", "weight"), saves=("grad_output", "self", "weight"),
    n_outputs=2)
