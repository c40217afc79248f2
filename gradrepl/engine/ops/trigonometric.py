"""Trigonometric and hyperbolic functions: tan, the inverse functions, sinh/cosh and their
inverses, atan2. One row each, with derivatives.yaml's formula in its order of operations.

Integer and bool inputs compute in the default float dtype, as torch's float functions do.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.float_math import loops
from gradrepl.engine.ops.arithmetic import RECIPROCAL
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.promotion import as_float, elementwise, float_result, result_dtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.unary import RSQRT, _float64_rounded, elementwise_op, unary
from gradrepl.engine.tensor import Tensor


def floating(np_func, half_through_float: bool = False):
    """float32 through float64, rounded once: nearer torch's float32 kernels than numpy's own
    float32 loops (cosh(4.3): 74.2100 as torch prints it, not 74.2099).

    ``half_through_float``: float16 too, rounded to float32 first and then to half, as torch
    computes half in float and rounds its float result: tan, cosh and atan then agree with
    torch on all 65,536 halves (numpy's half loops: 2 off each; sin and asin keep numpy's, which
    agree where this would put 2 off)."""
    forward = _float64_rounded(np_func)
    if not half_through_float:
        return forward

    def with_half(a):
        a = as_float(a)
        if a.dtype == np.float16:
            return forward(a.astype(np.float32)).astype(np.float16)
        return forward(a)
    return with_half


def _rsqrt(F, x):
    return F.apply(RSQRT, (x,))


SINH = unary("sinh", "SinhBackward0", floating(np.sinh),
             lambda F, grad, self: grad * F.apply(COSH, (self,)))
COSH = unary("cosh", "CoshBackward0", floating(np.cosh, half_through_float=True),
             lambda F, grad, self: grad * F.apply(SINH, (self,)))
TAN = unary("tan", "TanBackward0", floating(np.tan, half_through_float=True),
            lambda F, grad, result: grad * (1 + F.pow(result, 2)))
ASIN = unary("asin", "AsinBackward0", floating(np.arcsin),
             lambda F, grad, self: grad * _rsqrt(F, -self * self + 1))
ACOS = unary("acos", "AcosBackward0", floating(np.arccos),
             lambda F, grad, self: grad * -_rsqrt(F, -self * self + 1))
ATAN = unary("atan", "AtanBackward0", floating(np.arctan, half_through_float=True),
             lambda grad, self: grad / (self * self + 1))
ASINH = unary("asinh", "AsinhBackward0", floating(np.arcsinh),
              lambda F, grad, self: grad * _rsqrt(F, F.pow(self, 2) + 1))
ACOSH = unary("acosh", "AcoshBackward0", floating(np.arccosh),
              lambda F, grad, self: grad * _rsqrt(F, self * self - 1))
# SLEEF's atanh ors an all-ones comparison mask into its result where it is NaN, so torch's vector
# loop answers with NaNs whose payload bits are all ones (measured on torch 2.13, Intel Xeon):
# float32 (and float16, computed in float) beyond +1, +inf and NaN of either sign give -NaN
# 0xffffffff, below -1 and -inf +NaN 0x7fffffff; float64 gives 0xffffffffffffffff to all of them
_ALL_ONES = {np.dtype(np.float64): (np.uint64(2**64 - 1), np.uint64(2**64 - 1)),
             np.dtype(np.float32): (np.uint32(2**32 - 1), np.uint32(2**31 - 1)),
             np.dtype(np.float16): (np.uint16(2**16 - 1), np.uint16(2**15 - 1))}


def _atanh_vector(x):
    """SLEEF's atanh, as torch's vector loop runs it (the finite results numpy's, the NaNs
    SLEEF's: see _ALL_ONES). The scalar tail (the C library, as numpy) gives -NaN 0xffc00000
    beyond +-1 and the input's own NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.arctanh(x)
    above, below = _ALL_ONES[x.dtype]
    bits = out.view(above.dtype)
    bits[np.isnan(x) | (x > 1)] = above
    bits[x < -1] = below
    return out


def _atanh(a):
    a = as_float(a)
    out = np.arctanh(a)
    if a.dtype.kind == "f" and a.ndim and (np.isnan(a).any() or (np.abs(a) > 1).any()):
        # NaN bits from torch's vector loop where it takes whole vectors, the C library's in its
        # scalar tail (float_math/loops); float16 steps 64 halves (two Vectorized<Half>)
        return loops.elementwise(a, _atanh_vector, np.arctanh,
                                 lane_bytes=2 if a.dtype == np.float16 else None)
    return out


ATANH = unary("atanh", "AtanhBackward0", _atanh,
              lambda F, grad, self: grad * 1 / (1 - F.pow(self, 2)))

_S = "elementwise"
for _row in (TAN, SINH, COSH):
    elementwise_op(_row, out=True)
for _row in (ASIN, ACOS, ATAN):
    elementwise_op(_row, aliases=("arc" + _row.name[1:],), out=True)


def _no_inplace_derivative(row):
    """derivatives.yaml gives asinh_, acosh_ and atanh_ rows of their own that are
    not_implemented: the in-place forms record <...Backward1>, and backward through them fails."""
    def backward(F, grad, inputs, result, params, needs):
        raise NotImplementedError(
            f"the derivative for 'inplace version of {row.name}' is not implemented.")
    return Primitive(row.name + "_", row.grad_fn_name[:-1] + "1", row.forward, backward,
                     inputs=("self",), saves=())


for _row in (ASINH, ACOSH, ATANH):
    elementwise_op(_row, aliases=("arc" + _row.name[1:],), out=True,
                   inplace_row=_no_inplace_derivative(_row))


# ---------------------------------------------------------------------------------------------
# atan2(self, other): the angle of the point (other, self)

def _atan2_forward(a, b):
    return elementwise(np.arctan2, a, b, result=float_result(result_dtype(a, b)))


def _atan2_recip(F, self, other):
    # torch's atan2_backward: one reciprocal of self^2 + other^2, shared by both gradients
    return F.apply(RECIPROCAL, (self * self + other * other,))


# not ``broadcasts=True``: that would cast the inputs to the result's dtype first, where torch
# squares a float32 input in float32 even when the other is float64
ATAN2 = Primitive(
    "atan2", "Atan2Backward0", _atan2_forward, inputs=("self", "other"),
    derivatives={
        "self": lambda F, grad, self, other:
            F.sum_to(grad * other * _atan2_recip(F, self, other), self),
        "other": lambda F, grad, self, other:
            F.sum_to(grad * -self * _atan2_recip(F, self, other), other)})


def _check_tensor(name, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{python_type_name(other)}")


def atan2(input, other):
    """the angle of the point (other, input), in (-pi, pi]"""
    _check_tensor("atan2", other)
    return apply(ATAN2, (input, other))


def atan2_(self, other):
    _check_tensor("atan2_", other)
    return apply_inplace(ATAN2, self, (other,))


register("atan2", atan2, section=_S, rows=(ATAN2,), inplace=atan2_, aliases=("arctan2",),
         out=True)
