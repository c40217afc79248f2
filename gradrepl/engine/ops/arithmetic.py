"""Arithmetic: + - * / ** and negation, one table row per torch overload.

Each row gives torch's grad_fn name, the numpy forward, and the derivative with respect to each
input before broadcasting is undone (``binary`` sums the gradient back to each input's shape).
The formulas keep torch's order of operations (FunctionsManual.cpp), since float rounding
depends on it.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.ops.promotion import elementwise, float_result, result_dtype


def binary(name, grad_fn_name, forward, d_first, d_second, saves=True, uses_output=False,
           fast=None, fast_ints=True):
    """A row for an op of two tensor arguments (either may be a Python number torch wraps).

    ``fast`` is the Python operator that computes the same thing when numpy's promotion already
    agrees with torch's (see primitive.apply_binary).
    """

    def backward(F, g, inputs, out, params, needs):
        a, b = inputs
        if F is arrays:
            # torch's formulas compute in the result's dtype (int64 / half is half); numpy would
            # promote mixed operands its own way (int64 / half is float64)
            dtype = g.dtype
            a_in = a if getattr(a, "dtype", dtype) == dtype else a.astype(dtype)
            b_in = b if getattr(b, "dtype", dtype) == dtype else b.astype(dtype)
        else:
            a_in, b_in = a, b
        return (
            F.sum_to(d_first(F, g, a_in, b_in, out), a) if needs[0] else None,
            F.sum_to(d_second(F, g, a_in, b_in, out), b) if needs[1] else None,
        )

    return Primitive(name, grad_fn_name, forward, backward, saves=saves, uses_output=uses_output,
                     fast=fast, fast_ints=fast_ints)


def _check_bool_subtraction(a, b):
    a_bool = getattr(a, "dtype", None) == np.bool_ or isinstance(a, bool)
    b_bool = getattr(b, "dtype", None) == np.bool_ or isinstance(b, bool)
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _sub(a, b):
    _check_bool_subtraction(a, b)
    return elementwise(np.subtract, a, b)


def _div(a, b):
    return elementwise(np.true_divide, a, b, result=float_result(result_dtype(a, b)))


def _pow(a, b):
    a_kind, b_kind = getattr(a, "dtype", np.dtype(float)).kind, getattr(b, "dtype", None)
    if type(b) is int and b < 0 and a_kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if a_kind == "b":
        if b_kind == np.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')
        # numpy raises bools to a power as int8; torch keeps bool ** bool a bool
        return elementwise(np.power, a, b, result=result_dtype(a, b))
    if a_kind in "iu" and b_kind is not None and b_kind.kind in "iu":
        return _integer_pow(a, b)
    if getattr(b, "dtype", None) is not None or isinstance(b, float) or getattr(a, "dtype", np.dtype(float)).kind == "f":
        return elementwise(np.power, a, b)
    # integer ** integer: numpy and torch both refuse negative exponents, torch in these words
    if isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return elementwise(np.power, a, b)


def _integer_pow(a, b):
    """Integer tensor ** integer tensor: torch allows negative exponents here (numpy raises),
    giving what integer division would: 1 for base 1, +-1 for base -1, else 0."""
    dtype = result_dtype(a, b)
    a, b = np.asarray(a).astype(dtype), np.asarray(b).astype(dtype)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        from gradrepl.engine.ops.promotion import raise_broadcast_error

        raise_broadcast_error(a, b)
    negative = b < 0
    if not negative.any():
        return np.power(a, b)
    out = np.power(a, np.where(negative, 0, b))
    odd = (b % 2) != 0
    tiny = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0)).astype(dtype)
    return np.where(negative, tiny, out).astype(dtype)


def _rpow(base, a):
    return elementwise(np.power, base, a)


def _pow_exponent_grad(F, g, base, exponent, out):
    # d(base**e)/de = out * log(base), defined as 0 where base == 0 and e >= 0 (torch's choice);
    # a scalar zero, not 0 * grad, since grad is nan or inf exactly there
    grad = g * (out * F.log(base))
    return F.where((base == 0) & (exponent >= 0), 0.0, grad)


def _fast_sub(a, b):
    if a.dtype.char == "?" or type(b) is bool:
        raise TypeError  # a bool on either side: the generic forward raises torch's error
    return a - b


ADD = binary("add", "AddBackward0", lambda a, b: elementwise(np.add, a, b),
             lambda F, g, a, b, out: g, lambda F, g, a, b, out: g, saves=False, fast=operator.add)
SUB = binary("sub", "SubBackward0", _sub,
             lambda F, g, a, b, out: g, lambda F, g, a, b, out: -g, saves=False, fast=_fast_sub)
MUL = binary("mul", "MulBackward0", lambda a, b: elementwise(np.multiply, a, b),
             lambda F, g, a, b, out: g * b, lambda F, g, a, b, out: g * a, fast=operator.mul)
DIV = binary("div", "DivBackward0", _div,
             lambda F, g, a, b, out: g / b, lambda F, g, a, b, out: -g * ((a / b) / b),
             fast=operator.truediv, fast_ints=False)
POW_TENSOR = binary(
    "pow", "PowBackward1", _pow,
    lambda F, g, a, b, out: F.where(b == 0, 0.0, g * (b * F.pow(a, b - 1))),
    lambda F, g, a, b, out: _pow_exponent_grad(F, g, a, b, out),
    uses_output=True, fast=operator.pow, fast_ints=False,
)


def _rsub_backward(F, g, inputs, out, params, needs):
    return (-g,)


def _scaled_in(a, b, alpha):
    """b * alpha computed in the dtype of a op b: alpha is a scalar argument and does not take
    part in promotion."""
    dtype = result_dtype(a, b)
    return dtype, np.multiply(np.asarray(b, dtype=dtype), alpha, dtype=dtype, casting="unsafe")


def _fused(a, b, alpha):
    """torch's float add kernel computes a + alpha * b as one fused multiply-add (ops/fused.py);
    None when the operands' dtypes differ or are not float32/float64."""
    dtype = result_dtype(a, b)
    if dtype.char not in "fd" or np.result_type(a) != dtype or np.result_type(b) != dtype:
        return None
    from gradrepl.engine.ops.fused import add_scaled

    return np.asarray(add_scaled(a, b, alpha), dtype=dtype)


def _add_alpha(a, b, alpha):
    fused = _fused(a, b, alpha)
    if fused is not None:
        return fused
    dtype, scaled = _scaled_in(a, b, alpha)
    return elementwise(np.add, a, scaled, result=dtype)


def _sub_alpha(a, b, alpha):
    _check_bool_subtraction(a, b)
    fused = _fused(a, b, -alpha)
    if fused is not None:
        return fused
    dtype, scaled = _scaled_in(a, b, alpha)
    return elementwise(np.subtract, a, scaled, result=dtype)


def _alpha_backward(sign):
    def backward(F, g, inputs, out, params, needs):
        a, b = inputs
        return (F.sum_to(g, a) if needs[0] else None,
                F.sum_to(g * (sign * params[0]), b) if needs[1] else None)
    return backward


# `torch.add(a, b, alpha=2)`: one node whose backward scales the second gradient by alpha
ADD_ALPHA = Primitive("add", "AddBackward0", _add_alpha, _alpha_backward(1), saves=False)
SUB_ALPHA = Primitive("sub", "SubBackward0", _sub_alpha, _alpha_backward(-1), saves=False)
# `torch.rsub(a, b)`: b - a with both as tensors
RSUB = binary("rsub", "RsubBackward0", lambda a, b: _sub(b, a),
              lambda F, g, a, b, out: -g, lambda F, g, a, b, out: g, saves=False)


def _pow_scalar_backward(F, g, inputs, out, params, needs):
    (a,), (exponent,) = inputs, params
    if exponent == 0:
        return (F.zeros(np.shape(a), a),)  # torch's zeros_like: no -0. from negative inputs
    return (g * (exponent * F.pow(a, exponent - 1)),)


def _rpow_backward(F, g, inputs, out, params, needs):
    (a,), (base,) = inputs, params
    # math.log gives a Python float, which (unlike np.float64) does not widen float32 data;
    # log(0) = -inf and log(negative) = nan, as torch computes them
    log_base = math.log(base) if base > 0 else -math.inf if base == 0 else math.nan
    grad = g * (out * log_base)
    return (F.where(a >= 0, 0.0, grad) if base == 0 else grad,)


# `1 - x`: torch's rsub takes the number as a scalar argument, not a wrapped tensor.
RSUB_SCALAR = Primitive("rsub", "RsubBackward1", lambda a, other: _sub(other, a), _rsub_backward,
                        saves=False)
# `x ** 2`: the exponent is a scalar argument, so next_functions has a single edge.
def _pow_scalar(a, exponent):
    if a.dtype.char in "fd" and type(exponent) is not bool:
        return kernels.pow_scalar(a, exponent)  # torch's special exponents, SLEEF and libm
    if a.dtype.char == "e" and type(exponent) is not bool:
        return a ** exponent  # a Python number keeps a float tensor's dtype (NEP 50)
    return _pow(a, exponent)


POW_SCALAR = Primitive("pow", "PowBackward0", _pow_scalar, _pow_scalar_backward)
# `2 ** x`
RPOW_SCALAR = Primitive("pow", "PowBackward2", lambda a, base: _rpow(base, a), _rpow_backward,
                        uses_output=True)


def _neg(a):
    if a.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return np.negative(a)


NEG = Primitive("neg", "NegBackward0", _neg, lambda F, g, i, o, p, n: (-g,), saves=False)
RECIPROCAL = Primitive(
    "reciprocal", "ReciprocalBackward0",
    lambda a: np.reciprocal(a if a.dtype.kind == "f" else a.astype(float_result(a.dtype))),
    lambda F, g, inputs, out, params, needs: (-g * (out * out),),
    uses_output=True,
)
