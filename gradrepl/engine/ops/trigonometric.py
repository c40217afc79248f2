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


def floating(np_func):
    """float32 through float64, rounded once: nearer torch's float32 kernels than numpy's own
    float32 loops (cosh(4.3): 74.2100 as torch prints it, not 74.2099)."""
    return _float64_rounded(np_func)


def _rsqrt(F, x):
    return F.apply(RSQRT, (x,))


SINH = unary("sinh", "SinhBackward0", floating(np.sinh),
             lambda F, grad, self: grad * F.apply(COSH, (self,)))
COSH = unary("cosh", "CoshBackward0", floating(np.cosh),
             lambda F, grad, self: grad * F.apply(SINH, (self,)))
TAN = unary("tan", "TanBackward0", floating(np.tan),
            lambda F, grad, result: grad * (1 + F.pow(result, 2)))
ASIN = unary("asin", "AsinBackward0", floating(np.arcsin),
             lambda F, grad, self: grad * _rsqrt(F, -self * self + 1))
ACOS = unary("acos", "AcosBackward0", floating(np.arccos),
             lambda F, grad, self: grad * -_rsqrt(F, -self * self + 1))
ATAN = unary("atan", "AtanBackward0", floating(np.arctan),
             lambda grad, self: grad / (self * self + 1))
ASINH = unary("asinh", "AsinhBackward0", floating(np.arcsinh),
              lambda F, grad, self: grad * _rsqrt(F, F.pow(self, 2) + 1))
ACOSH = unary("acosh", "AcoshBackward0", floating(np.arccosh),
              lambda F, grad, self: grad * _rsqrt(F, self * self - 1))
def _atanh_vector(x):
    """SLEEF's atanh, as torch's vector loop runs it: -NaN for a NaN input of either sign (the
    C library returns the input's own NaN), and in float32 +NaN below -1 (the C library, and
    numpy, give -NaN there; beyond +1 both give -NaN; float64's vector gives -NaN too)."""
    out = np.arctanh(x)
    if x.dtype == np.float32:
        out[x < -1] = np.nan
    out[np.isnan(x)] = -np.nan
    return out


def _atanh(a):
    a = as_float(a)
    out = np.arctanh(a)
    if a.dtype.kind == "f" and a.dtype.itemsize >= 4 and a.ndim and (
            np.isnan(a).any() or a.dtype == np.float32 and (a < -1).any()):
        # the NaN signs of torch's vector loop where it takes whole vectors, the C library's in
        # its scalar tail (float_math/loops); float16 (not followed) steps 64 halves at a time
        return loops.elementwise(a, _atanh_vector, np.arctanh)
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
