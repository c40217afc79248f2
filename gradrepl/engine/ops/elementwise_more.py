"""Elementwise functions lessons call that the catalogue lacked: deg2rad, rad2deg, logaddexp,
logaddexp2 and copysign. One row per torch overload, with derivatives.yaml's formula in its
order of operations.

- deg2rad/rad2deg multiply by the constant as torch's ``mul`` by a Python number does: in the
  float dtype (integers and bools in the default one), float16 in float32 rounded once.
- logaddexp follows ATen's CPU loop: ``max(a, b) + log1p(exp(-|a - b|))``, an input itself where
  both are the same infinity; SLEEF's exp and log1p on whole vectors, the C library's on the
  rest (``float_math.loops``); float16 in float. Identical to torch on 10^5 random values of
  each float dtype (float32, float64, float16). logaddexp2 is the same loop with exp2 and the
  log1p scaled by 1 / ln 2 in one multiply-add with the max (the compiler fuses it in both
  loops: an unfused multiply and add differ from torch on ~2% of values).
- copysign: |self| with the sign of other, in the promoted float dtype.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.errors import python_type_name
from gradrepl.engine.keywords import InvalidArguments, Unmatched, torch_parsed
from gradrepl.engine.float_math import libm, loops, sleef, sleef_double, sleef_single
from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops import fused as _fused
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply, apply_unary, operand
from gradrepl.engine.ops.promotion import (
    as_float, elementwise, float_result, raise_broadcast_error, result_dtype,
)
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.unary import _times, elementwise_op, unary
from gradrepl.engine.tensor import Tensor, data_of as _data

_S = "elementwise"
_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_DEG_TO_RAD, _RAD_TO_DEG = math.pi / 180, 180 / math.pi


def _scaled(factor):
    """``a * factor`` as torch's mul by a Python float: in a's float dtype, half via float."""
    def forward(a):
        a = as_float(a)
        if a.dtype == _F16:
            return (a.astype(_F32) * np.float32(factor)).astype(_F16)
        return a * a.dtype.type(factor)
    return forward


DEG2RAD = unary("deg2rad", "Deg2RadBackward0", _scaled(_DEG_TO_RAD),
                lambda F, grad: _times(F, grad, _DEG_TO_RAD))
RAD2DEG = unary("rad2deg", "Rad2DegBackward0", _scaled(_RAD_TO_DEG),
                lambda F, grad: _times(F, grad, _RAD_TO_DEG))
for _row in (DEG2RAD, RAD2DEG):
    elementwise_op(_row, out=True)


# ---------------------------------------------------------------------------------------------
# logaddexp(a, b) = log(exp(a) + exp(b)) and logaddexp2(a, b) = log2(2**a + 2**b), without
# overflow: max(a, b) + log1p(exp(-|a - b|)), for base 2 with exp2 and the log1p scaled by
# 1 / ln 2, a multiply the compiler fuses with the add (both loops: measured against torch)

_INV_LN2 = 1.0 / math.log(2.0)


def _logaddexp_of(exp, log1p, base2=False):
    def kernel(a, b):
        with np.errstate(all="ignore"):
            larger = np.maximum(a, b)
            tail = np.asarray(log1p(exp(-np.abs(a - b))), larger.dtype)
            if base2:
                out = _fused.fma(tail, np.full_like(tail, _INV_LN2), larger)
            else:
                out = larger + tail
            return np.where((a == b) & (np.abs(a) == np.inf), a, out)
    return kernel


def _libm(name):
    return lambda x: libm.call(name, x)


_KERNELS = {  # (vector, scalar) by base and compute dtype
    (False, _F32): (_logaddexp_of(sleef.expf, sleef_single.log1pf),
                    _logaddexp_of(_libm("exp"), _libm("log1p"))),
    (False, _F64): (_logaddexp_of(sleef.exp, sleef_double.log1p),
                    _logaddexp_of(_libm("exp"), _libm("log1p"))),
    (True, _F32): (_logaddexp_of(sleef_single.exp2f, sleef_single.log1pf, base2=True),
                   _logaddexp_of(_libm("exp2"), _libm("log1p"), base2=True)),
    (True, _F64): (_logaddexp_of(sleef_double.exp2, sleef_double.log1p, base2=True),
                   _logaddexp_of(_libm("exp2"), _libm("log1p"), base2=True)),
}


def _logaddexp_kernel(name, base2):
    def forward(a, b):
        dtype = result_dtype(a, b)
        if dtype.kind != "f":
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{scalar_type_name(dtype)}'")
        compute = _F32 if dtype == _F16 else dtype
        a, b = (np.asarray(x).astype(compute, copy=False) for x in (a, b))
        try:
            out = loops.elementwise_pair(a, b, *_KERNELS[base2, compute])
        except ValueError:
            raise_broadcast_error(a, b)
        return out.astype(dtype, copy=False)
    return forward


def _share_of(exponential):
    """derivatives.yaml's ``grad / (1 + exp(y - x))`` (exp2 for logaddexp2: ``pow(2, y - x)``),
    the share of x in the sum."""
    def share(F, grad, x, y):
        # torch's sub refuses a bool operand there
        if np.dtype(np.bool_) in (np.asarray(_data(x)).dtype, np.asarray(_data(y)).dtype):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        if F is arrays:  # torch's promotion, not numpy's (a 0-d float64 other leaves half as it is)
            dtype = result_dtype(x, y)
            x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
            return grad / (exponential(F, y - x) + 1)
        from gradrepl.engine.ops.distance import ADD_SCALAR

        # C++'s ``1 + tensor`` is add(Tensor, Scalar): AddBackward1, one edge
        return grad / apply_unary(ADD_SCALAR, exponential(F, y - x), (1,))
    return share


def _pow2(F, exponent):
    if F is arrays:
        return kernels.power(2, np.asarray(exponent))
    from gradrepl.engine.ops.arithmetic_functions import pow as tensor_pow

    return tensor_pow(2, exponent)  # pow(Scalar, Tensor): PowBackward2


def _logaddexp_row(name, grad_fn_name, base2):
    share = _share_of(_pow2 if base2 else (lambda F, d: F.exp(d)))
    # not ``broadcasts=True``: that would cast the inputs to the result's dtype first, where
    # torch's formula subtracts them as they are (and refuses a bool one)
    return Primitive(
        name, grad_fn_name, _logaddexp_kernel(name, base2), inputs=("self", "other"),
        derivatives={
            "self": lambda F, grad, self, other: F.sum_to(share(F, grad, self, other), self),
            "other": lambda F, grad, self, other: F.sum_to(share(F, grad, other, self), other)})


LOGADDEXP = _logaddexp_row("logaddexp", "LogaddexpBackward0", base2=False)
LOGADDEXP2 = _logaddexp_row("logaddexp2", "Logaddexp2Backward0", base2=True)


def _two_tensors(name, input, other):
    for position, (argument, value) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be "
                            f"Tensor, not {python_type_name(value)}")


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed without overflow"""
    _two_tensors("logaddexp", input, other)
    return apply(LOGADDEXP, (input, other))


def logaddexp2(input, other):
    """log2(2 ** input + 2 ** other), computed without overflow"""
    _two_tensors("logaddexp2", input, other)
    return apply(LOGADDEXP2, (input, other))


# torch has no Tensor.logaddexp_ or logaddexp2_
register("logaddexp", logaddexp, section=_S, rows=(LOGADDEXP,), out=True)
register("logaddexp2", logaddexp2, section=_S, rows=(LOGADDEXP2,), out=True)


# ---------------------------------------------------------------------------------------------
# copysign(self, other): |self| with other's sign; a Python number other is torch's second row

def _copysign(a, b):
    return elementwise(np.copysign, a, b, result=float_result(result_dtype(a, b)))


def _copysign_self(F, grad, self, result):
    # torch's copysign_tensor_self_backward: grad * (result / self), 0 where self is 0
    ratio = F.where(_data(self) == 0, 0.0, result / self)
    return grad * ratio


def _zeros_like_grad(F, grad):
    return F.zeros(np.shape(grad), grad)


COPYSIGN = Primitive("copysign", "CopysignBackward0", _copysign, inputs=("self", "other"),
                     broadcasts=True,
                     derivatives={"self": _copysign_self, "other": _zeros_like_grad})
COPYSIGN_NUMBER = Primitive("copysign", "CopysignBackward1", _copysign, inputs=("self",),
                            params=("other",), derivatives={"self": _copysign_self})


def _copysign_other(input, other):
    if not isinstance(input, Tensor):  # only torch.copysign can get here: the function's words
        raise InvalidArguments("copysign", (input, other), {}, method=False)
    try:
        other = operand(other)
    except TypeError:
        raise Unmatched from None
    if not isinstance(other, (Tensor, bool, int, float)):
        raise Unmatched
    return other


@torch_parsed("copysign")
def copysign(input, other):
    """the magnitude of input with the sign of other (a tensor or a number)"""
    other = _copysign_other(input, other)
    if isinstance(other, Tensor):
        return apply(COPYSIGN, (input, other))
    return apply_unary(COPYSIGN_NUMBER, input, (other,))


@torch_parsed("copysign_")
def copysign_(self, other):
    other = _copysign_other(self, other)
    if isinstance(other, Tensor):
        return apply_inplace(COPYSIGN, self, (other,))
    return apply_inplace(COPYSIGN_NUMBER, self, (), (other,))


register("copysign", copysign, section=_S, rows=(COPYSIGN, COPYSIGN_NUMBER), inplace=copysign_,
         out=True)
