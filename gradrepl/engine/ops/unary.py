"""Elementwise functions of one tensor: one row each, with the derivative torch uses."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math import kernels
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
    return kernels.sigmoid(a)  # 1 / (1 + exp(-a)) as torch splits it between SLEEF and libm


def _relu(a):
    if a.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return np.maximum(a, a.dtype.type(0))


def _abs(a):
    if a.dtype == np.bool_:
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
    return np.abs(a)


EXP = unary("exp", "ExpBackward0", floating(kernels.exp), lambda F, g, a, out: g * out, uses_output=True)
LOG = unary("log", "LogBackward0", floating(kernels.log), lambda F, g, a, out: g / a)
SQRT = unary("sqrt", "SqrtBackward0", floating(np.sqrt),
             lambda F, g, a, out: g / (2 * out), uses_output=True)
SIN = unary("sin", "SinBackward0", floating(kernels.sin), lambda F, g, a, out: g * F.cos(a))
COS = unary("cos", "CosBackward0", floating(kernels.cos), lambda F, g, a, out: g * -F.sin(a))
TANH = unary("tanh", "TanhBackward0", floating(kernels.tanh),
             lambda F, g, a, out: F.tanh_backward(g, out), uses_output=True)
SIGMOID = unary("sigmoid", "SigmoidBackward0", _sigmoid,
                lambda F, g, a, out: F.sigmoid_backward(g, out), uses_output=True)
RELU = unary("relu", "ReluBackward0", _relu,
             lambda F, g, a, out: F.threshold_backward(g, out), uses_output=True)
ABS = unary("abs", "AbsBackward0", _abs, lambda F, g, a, out: g * F.sign(a))


_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))


def _no_bool(np_func, kernel):
    def forward(a):
        if a.dtype == np.bool_:
            raise NotImplementedError(f'"{kernel}_vml_cpu" not implemented for \'Bool\'')
        # floor, ceil and round of integers are the integers themselves
        return np_func(a) if a.dtype.kind == "f" else a.copy()
    return forward


def _sign(a):
    if a.dtype == np.bool_:
        return a.copy()
    out = np.sign(a)
    return np.where(np.isnan(a), a.dtype.type(0), out) if a.dtype.kind == "f" else out


def _float64_rounded(np_func):
    """float32 through float64, rounded once: closer to torch's SLEEF results than numpy's own
    float32 loops (exp2: 54 of 1000 values differ in the last bit instead of 206)."""
    def forward(a):
        a = as_float(a)
        if a.dtype == np.float32:
            return np_func(a.astype(np.float64)).astype(np.float32)
        return np_func(a)
    return forward


def _times(F, x, c):
    """``x * c`` for a Python float c: torch multiplies half by a scalar in float32, rounding once."""
    if F is arrays and x.dtype == np.float16:
        return (x.astype(np.float32) * np.float32(c)).astype(np.float16)
    return x * c


def _round_decimals(a, decimals):
    if a.dtype.kind != "f":
        return _no_bool(np.round, "round")(a)
    # torch: nearbyint(x * 10^d) / 10^d, in the tensor's dtype
    scale = a.dtype.type(10.0 ** decimals)
    return np.round(a * scale) / scale


EXP2 = unary("exp2", "Exp2Backward0", floating(kernels.exp2),
             lambda F, g, a, out: _times(F, g * out, _LN2), uses_output=True)
LOG2 = unary("log2", "Log2Backward0", floating(kernels.log2),
             lambda F, g, a, out: g / _times(F, a, _LN2))
LOG10 = unary("log10", "Log10Backward0", floating(kernels.log10),
              lambda F, g, a, out: g / _times(F, a, _LN10))
LOG1P = unary("log1p", "Log1PBackward0", floating(kernels.log1p),
              lambda F, g, a, out: g / (a + 1))
EXPM1 = unary("expm1", "Expm1Backward0", floating(kernels.expm1),
              lambda F, g, a, out: g * (out + 1), uses_output=True)
RSQRT = unary("rsqrt", "RsqrtBackward0", floating(kernels.rsqrt),
              lambda F, g, a, out: -0.5 * g * F.pow(out, 3), uses_output=True)


def _zero_like_input(F, g, inputs, out, params, needs):
    return (F.zeros(np.shape(inputs[0]), g),)


# piecewise constant: torch records them, with gradient zero everywhere
SIGN_OP = Primitive("sign", "SignBackward0", _sign, _zero_like_input, saves=False)
FLOOR = Primitive("floor", "FloorBackward0", _no_bool(np.floor, "floor"), _zero_like_input,
                  saves=False)
CEIL = Primitive("ceil", "CeilBackward0", _no_bool(np.ceil, "ceil"), _zero_like_input, saves=False)
ROUND = Primitive("round", "RoundBackward0", _no_bool(np.round, "round"), _zero_like_input,
                  saves=False)
ROUND_DECIMALS = Primitive("round", "RoundBackward1", _round_decimals, _zero_like_input,
                           saves=False)

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
