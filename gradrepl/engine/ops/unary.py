"""Elementwise functions of one tensor: one row each, with the derivative torch uses."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.ops.promotion import as_float


def unary(name, grad_fn_name, forward, derivative, uses_output=False, saves=True):
    """A row for f(a): ``derivative(F, g, a, out)`` is the gradient flowing to a."""

    def backward(F, g, inputs, out, params, needs):
        return (derivative(F, g, inputs[0], out),)

    return Primitive(name, grad_fn_name, forward, backward, saves=saves, uses_output=uses_output)


def floating(np_func):
    """Integer inputs compute in the default float dtype, as torch's float functions do."""
    return lambda a: np_func(as_float(a))


def _sigmoid(a):
    a = as_float(a)
    if a.dtype == np.float16:  # torch computes half in float32 and rounds once
        return _sigmoid(a.astype(np.float32)).astype(np.float16)
    # 1 / (1 + exp(-a)) overflows to 0 / inf gracefully with numpy's warnings off
    return np.reciprocal(np.exp(np.negative(a)) + a.dtype.type(1))


def _relu(a):
    if a.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.maximum(a, a.dtype.type(0))


def _abs(a):
    if a.dtype == np.bool_:
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
    return np.abs(a)


EXP = unary("exp", "ExpBackward0", floating(np.exp), lambda F, g, a, out: g * out, uses_output=True)
LOG = unary("log", "LogBackward0", floating(np.log), lambda F, g, a, out: g / a)
SQRT = unary("sqrt", "SqrtBackward0", floating(np.sqrt),
             lambda F, g, a, out: g / (2 * out), uses_output=True)
SIN = unary("sin", "SinBackward0", floating(np.sin), lambda F, g, a, out: g * F.cos(a))
COS = unary("cos", "CosBackward0", floating(np.cos), lambda F, g, a, out: g * -F.sin(a))
TANH = unary("tanh", "TanhBackward0", floating(np.tanh),
             lambda F, g, a, out: F.tanh_backward(g, out), uses_output=True)
SIGMOID = unary("sigmoid", "SigmoidBackward0", _sigmoid,
                lambda F, g, a, out: F.sigmoid_backward(g, out), uses_output=True)
RELU = unary("relu", "ReluBackward0", _relu,
             lambda F, g, a, out: F.threshold_backward(g, out), uses_output=True)
ABS = unary("abs", "AbsBackward0", _abs, lambda F, g, a, out: g * F.sign(a))


# ---------------------------------------------------------------------------------------------
# The backward formulas torch runs as ops of their own: under create_graph=True their results
# show these names (TanhBackwardBackward0 ...) and differentiate by these rows.

def _two_grads(first, second):
    """A backward formula for (grad_output, output) inputs from one formula per input."""
    def backward(F, gg, inputs, out, params, needs):
        g, output = inputs
        return (first(F, gg, g, output) if needs[0] else None,
                second(F, gg, g, output) if needs[1] else None)
    return backward


TANH_BACKWARD = Primitive("tanh_backward", "TanhBackwardBackward0", arrays.tanh_backward, _two_grads(
    lambda F, gg, g, out: F.tanh_backward(gg, out), lambda F, gg, g, out: gg * (-2 * out * g)))
SIGMOID_BACKWARD = Primitive(
    "sigmoid_backward", "SigmoidBackwardBackward0", arrays.sigmoid_backward, _two_grads(
        lambda F, gg, g, out: F.sigmoid_backward(gg, out),
        lambda F, gg, g, out: gg * g * (-2 * out + 1)))
THRESHOLD_BACKWARD = Primitive(
    "threshold_backward", "ThresholdBackwardBackward0", arrays.threshold_backward, _two_grads(
        lambda F, gg, g, out: F.threshold_backward(gg, out),
        lambda F, gg, g, out: F.zeros(np.shape(out), out)))


def _zero_gradient(F, g, inputs, out, params, needs):
    return (F.zeros(np.shape(inputs[0]), inputs[0]),)


# abs's backward under create_graph: grad * sgn(x), and sgn's own gradient is zero
SIGN = Primitive("sgn", "SgnBackward0", np.sign, _zero_gradient, saves=False)
