"""Elementwise functions lessons call that the catalogue lacked: deg2rad, rad2deg, logaddexp and
copysign. One row per torch overload, with derivatives.yaml's formula in its order of operations.

- deg2rad/rad2deg multiply by the constant as torch's ``mul`` by a Python number does: in the
  float dtype (integers and bools in the default one), float16 in float32 rounded once.
- logaddexp follows ATen's CPU loop: ``max(a, b) + log1p(exp(-|a - b|))``, an input itself where
  both are the same infinity; SLEEF's exp and log1p on whole vectors, the C library's on the
  rest (``float_math.loops``); float16 in float. Identical to torch on 10^5 random values of
  each float dtype (float32, float64, float16).
- copysign: |self| with the sign of other, in the promoted float dtype.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.errors import python_type_name
from gradrepl.engine.keywords import InvalidArguments, Unmatched, torch_parsed
from gradrepl.engine.float_math import libm, loops, sleef, sleef_double, sleef_single
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
_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)
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
# logaddexp(a, b) = log(exp(a) + exp(b)), without overflow

def _logaddexp_of(exp, log1p):
    def kernel(a, b):
        with np.errstate(all="ignore"):
            out = np.maximum(a, b) + log1p(exp(-np.abs(a - b)))
            return np.where((a == b) & (np.abs(a) == np.inf), a, out)
    return kernel


_VECTOR = {_F32: _logaddexp_of(sleef.expf, sleef_single.log1pf),
           np.dtype(np.float64): _logaddexp_of(sleef.exp, sleef_double.log1p)}
_SCALAR = _logaddexp_of(lambda x: libm.call("exp", x), lambda x: libm.call("log1p", x))


def _logaddexp(a, b):
    dtype = result_dtype(a, b)
    if dtype.kind != "f":
        raise NotImplementedError(f'"logaddexp_cpu" not implemented for '
                                  f"'{scalar_type_name(dtype)}'")
    compute = _F32 if dtype == _F16 else dtype
    a, b = (np.asarray(x).astype(compute, copy=False) for x in (a, b))
    try:
        out = loops.elementwise_pair(a, b, _VECTOR[compute], _SCALAR)
    except ValueError:
        raise_broadcast_error(a, b)
    return out.astype(dtype, copy=False)


def _one_over_one_plus_exp(F, grad, x, y):
    # derivatives.yaml: grad / (1 + exp(y - x)); torch's sub refuses a bool operand there
    if np.dtype(np.bool_) in (np.asarray(_data(x)).dtype, np.asarray(_data(y)).dtype):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    if F is arrays:  # torch's promotion, not numpy's (a 0-d float64 other leaves half as it is)
        dtype = result_dtype(x, y)
        x, y = x.astype(dtype, copy=False), y.astype(dtype, copy=False)
    return grad / (F.exp(y - x) + 1)


# not ``broadcasts=True``: that would cast the inputs to the result's dtype first, where torch's
# formula subtracts them as they are (and refuses a bool one)
LOGADDEXP = Primitive(
    "logaddexp", "LogaddexpBackward0", _logaddexp, inputs=("self", "other"),
    derivatives={
        "self": lambda F, grad, self, other:
            F.sum_to(_one_over_one_plus_exp(F, grad, self, other), self),
        "other": lambda F, grad, self, other:
            F.sum_to(_one_over_one_plus_exp(F, grad, other, self), other)})


def _two_tensors(name, input, other):
    for position, (argument, value) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be "
                            f"Tensor, not {python_type_name(value)}")


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed without overflow"""
    _two_tensors("logaddexp", input, other)
    return apply(LOGADDEXP, (input, other))


# torch has no Tensor.logaddexp_
register("logaddexp", logaddexp, section=_S, rows=(LOGADDEXP,), out=True)


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
