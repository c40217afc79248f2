"""Elementwise functions of one tensor: one row each, with the derivative torch uses."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.promotion import as_float
from gradrepl.engine.ops.registry import UNARY, register
from gradrepl.engine.tensor import Tensor


def unary(name, grad_fn_name, forward, derivative, saves=None):
    """A row for f(self): ``derivative`` names what it reads (``grad``, ``self``, ``result``)."""
    return Primitive(name, grad_fn_name, forward, inputs=("self",),
                     derivatives={"self": derivative}, saves=saves)


def floating(np_func):
    """Integer inputs compute in the default float dtype, as torch's float functions do."""
    return lambda a: np_func(as_float(a))


def mkl_invalid_nan(kernel):
    """A float function torch computes with MKL's VML: +NaN for a negative input (kernels.
    positive_nan_where_negative), where the kernel's numpy or SLEEF stand-in gives -NaN."""
    def forward(a):
        a = as_float(a)
        return kernels.positive_nan_where_negative(a, kernel(a))
    return forward


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


EXP = unary("exp", "ExpBackward0", floating(kernels.exp), lambda grad, result: grad * result)
LOG = unary("log", "LogBackward0", mkl_invalid_nan(kernels.log), lambda grad, self: grad / self)
SQRT = unary("sqrt", "SqrtBackward0", floating(kernels.sqrt), lambda grad, result: grad / (2 * result))
SIN = unary("sin", "SinBackward0", floating(kernels.sin), lambda F, grad, self: grad * F.cos(self))
COS = unary("cos", "CosBackward0", floating(kernels.cos), lambda F, grad, self: grad * -F.sin(self))
TANH = unary("tanh", "TanhBackward0", floating(kernels.tanh),
             lambda F, grad, result: F.tanh_backward(grad, result))
SIGMOID = unary("sigmoid", "SigmoidBackward0", _sigmoid,
                lambda F, grad, result: F.sigmoid_backward(grad, result))
RELU = unary("relu", "ReluBackward0", _relu,
             lambda F, grad, result: F.threshold_backward(grad, result))
ABS = unary("abs", "AbsBackward0", _abs, lambda F, grad, self: grad * F.sign(self))


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
    """float32 through float64, rounded once: for functions whose torch kernel is not reproduced
    bit for bit yet (tan, the inverse and hyperbolic functions), the correctly rounded value is
    the closest stand-in for torch's own (SLEEF's or the C library's are within an ulp of it)."""
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
             lambda F, grad, result: _times(F, grad * result, _LN2))
LOG2 = unary("log2", "Log2Backward0", mkl_invalid_nan(kernels.log2),
             lambda F, grad, self: grad / _times(F, self, _LN2))
LOG10 = unary("log10", "Log10Backward0", mkl_invalid_nan(kernels.log10),
              lambda F, grad, self: grad / _times(F, self, _LN10))
LOG1P = unary("log1p", "Log1PBackward0", floating(kernels.log1p),
              lambda grad, self: grad / (self + 1))
EXPM1 = unary("expm1", "Expm1Backward0", floating(kernels.expm1),
              lambda grad, result: grad * (result + 1))
RSQRT = unary("rsqrt", "RsqrtBackward0", floating(kernels.rsqrt),
              lambda F, grad, result: -0.5 * grad * F.pow(result, 3))


def _zero_like_grad(F, grad):
    return F.zeros(np.shape(grad), grad)


# piecewise constant: torch records them, with gradient zero everywhere (zeros_like(grad))
SIGN_OP = unary("sign", "SignBackward0", _sign, _zero_like_grad)
FLOOR = unary("floor", "FloorBackward0", _no_bool(np.floor, "floor"), _zero_like_grad)
CEIL = unary("ceil", "CeilBackward0", _no_bool(np.ceil, "ceil"), _zero_like_grad)
ROUND = unary("round", "RoundBackward0", _no_bool(np.round, "round"), _zero_like_grad)
ROUND_DECIMALS = Primitive("round", "RoundBackward1", _round_decimals, inputs=("self",),
                           params=("decimals",), derivatives={"self": _zero_like_grad})

# ---------------------------------------------------------------------------------------------
# The backward formulas torch runs as ops of their own: under create_graph=True their results
# show these names (TanhBackwardBackward0 ...) and differentiate by these rows.

def _backward_row(name, grad_fn_name, forward, d_grad_output, d_output):
    """A row for f(grad_output, output), torch's names for these two inputs."""
    return Primitive(name, grad_fn_name, forward, inputs=("grad_output", "output"),
                     derivatives={"grad_output": d_grad_output, "output": d_output})


TANH_BACKWARD = _backward_row(
    "tanh_backward", "TanhBackwardBackward0", arrays.tanh_backward,
    lambda F, grad, output: F.tanh_backward(grad, output),
    lambda grad, grad_output, output: grad * (-2 * output * grad_output))
SIGMOID_BACKWARD = _backward_row(
    "sigmoid_backward", "SigmoidBackwardBackward0", arrays.sigmoid_backward,
    lambda F, grad, output: F.sigmoid_backward(grad, output),
    lambda grad, grad_output, output: grad * grad_output * (-2 * output + 1))
THRESHOLD_BACKWARD = _backward_row(
    "threshold_backward", "ThresholdBackwardBackward0", arrays.threshold_backward,
    lambda F, grad, output: F.threshold_backward(grad, output),
    lambda F, output: F.zeros(np.shape(output), output))

# abs's backward under create_graph: grad * sgn(x), and sgn's own gradient is zero
SIGN = unary("sgn", "SgnBackward0", np.sign, _zero_like_grad)


# ---------------------------------------------------------------------------------------------
# The registry entries: torch.exp(x), x.exp(), x.exp_() (and torch.exp_ where torch has it)


def elementwise_op(row, *, aliases=(), operators=None, summary="", out=False, inplace_row=None,
                   out_dtype="cast"):
    """Register a one-tensor elementwise op with its function, method and in-place forms."""
    def function(input):
        try:
            return apply_unary(row, input)
        except AttributeError:  # no tensor: torch's argument parser says so (free on the hot path)
            if not isinstance(input, Tensor):
                raise TypeError(f"{row.name}(): argument 'input' (position 1) must be Tensor, "
                                f"not {python_type_name(input)}") from None
            raise

    def inplace(self):
        return apply_inplace(inplace_row or row, self)

    function.__name__, inplace.__name__ = row.name, row.name + "_"
    rows = (row,) if inplace_row is None else (row, inplace_row)
    register(row.name, function, section="elementwise", rows=rows, inplace=inplace,
             aliases=aliases, operators=operators, summary=summary, out=out, out_dtype=out_dtype)
    return function


for _row in (EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, EXP2, LOG2, LOG10, LOG1P, EXPM1, RSQRT):
    elementwise_op(_row, out=True)
for _row in (SIGN_OP, FLOOR, CEIL):  # the result keeps the input's dtype: out must have it too
    elementwise_op(_row, out=True, out_dtype="same")
elementwise_op(RELU)  # torch.relu takes no out=
elementwise_op(ABS, aliases=("absolute",), operators={"__abs__": UNARY}, out=True, out_dtype="same")


def round(input, *, decimals=0):
    """round half to even, optionally to ``decimals`` places"""
    if decimals:
        return apply_unary(ROUND_DECIMALS, input, (decimals,))
    return apply_unary(ROUND, input)


def round_(self, *, decimals=0):
    if decimals:
        return apply_inplace(ROUND_DECIMALS, self, (), (decimals,))
    return apply_inplace(ROUND, self)


register("round", round, section="elementwise", rows=(ROUND, ROUND_DECIMALS), inplace=round_, out=True, out_dtype="same")
