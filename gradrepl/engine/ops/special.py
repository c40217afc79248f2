"""Special and piecewise functions: erf, erfc, erfinv, trunc, frac, logit, sgn, nan_to_num, and
the two-argument xlogy, fmod, hypot, heaviside. One row per torch overload, each with
derivatives.yaml's formula in its order of operations.

numpy has no erf: erf and erfc come from Python's math module (correctly rounded to a few ulps in
float64, then rounded once to float32), erfinv from Newton steps on it. Values may differ from
torch's own kernels in the last bit of float32 (docs/ops.md).
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.cpu_capability import AVX2, capability
from gradrepl.engine.float_math import loops

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.ops.arithmetic import DIV_ROUNDED
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply, apply_unary, operand
from gradrepl.engine.ops.promotion import (
    as_float, elementwise, float_result, raise_broadcast_error, result_dtype,
)
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.arithmetic import _not_implemented
from gradrepl.engine.ops.unary import _no_bool, _sign, _times, _zero_like_grad, elementwise_op, unary
from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.tensor import Tensor, data_of as _data

_S = "elementwise"
_SQRT_PI = math.sqrt(math.pi)


def _through_float64(scalar_function):
    """A float function of Python's math module over an array: computed in float64 and rounded
    once to the input's float dtype (integers compute in the default float dtype)."""
    vectorised = np.frompyfunc(scalar_function, 1, 1)

    def forward(a):
        a = as_float(a)
        return np.asarray(vectorised(a.astype(np.float64)), dtype=np.float64).astype(a.dtype)[()]
    return forward


def _erfinv64(y):
    """erfinv in float64: Giles' single-precision approximation, then two Newton steps on erf."""
    y = np.asarray(y, dtype=np.float64)
    w = -np.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(np.where(small, 5.0, w)) - 3.0
    ps = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                     0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], ws)
    pl = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                     0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)
    x = np.where(small, ps, pl) * y
    erf = np.frompyfunc(math.erf, 1, 1)
    for _ in range(2):
        finite = np.isfinite(x)
        err = np.asarray(erf(np.where(finite, x, 0.0)), dtype=np.float64) - y
        x = np.where(finite, x - err / (2.0 / _SQRT_PI * np.exp(-x * x)), x)
    x = np.where(np.abs(y) == 1.0, np.copysign(np.inf, y), x)
    return np.where(np.abs(y) > 1.0, np.nan, x)


def _erfinv(a):
    a = as_float(a)
    out = _erfinv64(a).astype(a.dtype)
    out = np.where(np.isnan(a), a, out)  # a NaN comes back as it went in
    if a.dtype == np.float32:  # torch's float kernel answers |y| > 1 with -NaN, its double one +NaN
        out = np.where(np.abs(a) > 1, _NEGATIVE_NAN32, out)
    return out[()]


_NEGATIVE_NAN32 = -np.float32(np.nan)


def _exp_neg_square(F, self):
    return F.exp(-F.pow(self, 2))


# a Python number times a half tensor is computed in float32 and rounded once (_times)
_F32 = np.float32
# Abramowitz and Stegun's 7.1.26, the constants of ATen's Vectorized<float>::erf
_AS_P, _AS_1, _AS_2, _AS_3, _AS_4, _AS_5 = (_F32(v) for v in (
    0.3275911, 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429))


def _erf_float_vector(x):
    """ATen's Vectorized<float>::erf, which float16's vector loop runs (in float, then rounded
    to half): ``1 - r(t) * t * exp(-x*x)`` with ``t = 1 / (1 + p|x|)``, r a quartic in t
    evaluated by fused multiply-adds, SLEEF's expf, the sign of x put back; about 1e-7 off erf,
    so float16 results differ from the correctly rounded erf on 6,586 of the 65,536 halves."""
    from gradrepl.engine.float_math.fused import fma32
    from gradrepl.engine.float_math.sleef import expf

    x = x.astype(_F32)
    t = _F32(1) / fma32(_AS_P, np.abs(x), _F32(1))
    r = fma32(fma32(fma32(fma32(_AS_5, t, _AS_4), t, _AS_3), t, _AS_2), t, _AS_1)
    with np.errstate(over="ignore", invalid="ignore"):
        out = fma32(-expf(-(x * x)) * t, r, _F32(1))
    return np.where(np.signbit(x), -np.abs(out), out).astype(_F32)


_erf_through_float64 = _through_float64(math.erf)


def _erf(a):
    a = as_float(a)
    if a.dtype != np.float16:
        return _erf_through_float64(a)
    vector = lambda h: _erf_float_vector(np.asarray(h)).astype(np.float16)  # noqa: E731
    if capability() == AVX2:
        # torch's AVX2 build gives the vector erf's bits to every half, 0-d, tails and strided
        # views included (measured on an AMD EPYC: 0 of 63,488 finite halves differ, where
        # the C library's erff differs on 6,584; docs/floats.md "q-amdfloat")
        return vector(a)
    if not np.ndim(a):
        return _erf_through_float64(a)
    # AVX512: whole vectors through ATen's vector erf in float, the scalar tail through the C
    # library's erff (float64's erf rounded to float), each rounded once to half
    return loops.elementwise(a, vector,
                             lambda h: _erf_through_float64(h.astype(_F32)).astype(np.float16))


ERF = unary("erf", "ErfBackward0", _erf,
            lambda F, grad, self: _times(F, _exp_neg_square(F, self), 2.0 / _SQRT_PI) * grad)
ERFC = unary("erfc", "ErfcBackward0", _through_float64(math.erfc),
             lambda F, grad, self: _times(F, _exp_neg_square(F, self), -2.0 / _SQRT_PI) * grad)
ERFINV = unary("erfinv", "ErfinvBackward0", _erfinv,
               lambda F, grad, self:
               _times(F, F.exp(F.pow(F.apply(ERFINV, (self,)), 2)), 0.5 * _SQRT_PI) * grad)
TRUNC = unary("trunc", "TruncBackward0", _no_bool(np.trunc, "trunc"), _zero_like_grad)


def _frac(a):
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"frac_cpu" not implemented for \'{scalar_type_name(a.dtype)}\'')
    return a - np.trunc(a)


FRAC = unary("frac", "FracBackward0", _frac, lambda grad: grad)


def _sgn_backward(F, self, result):
    return F.zeros(np.shape(self), self)  # real inputs: sgn is piecewise constant


SGN = unary("sgn", "SgnBackward0", _sign, _sgn_backward)  # sgn(nan) is 0, as sign's

for _row in (ERF, ERFC, ERFINV):
    elementwise_op(_row, out=True)
for _row in (FRAC, SGN):  # the result keeps the input's dtype: out must have it too
    elementwise_op(_row, out=True, out_dtype="same")
elementwise_op(TRUNC, aliases=("fix",), out=True, out_dtype="same")


# ---------------------------------------------------------------------------------------------
# logit(x, eps): log(x / (1 - x)), x first clamped to [eps, 1 - eps]

def _logit(a, eps):
    a = as_float(a)
    if eps is not None:
        a = np.clip(a, a.dtype.type(eps), a.dtype.type(1 - eps))
    return np.log(a / (1 - a))


def _logit_backward(F, grad, self, eps):
    if F is not arrays:
        # under create_graph torch uses its infinitely differentiable form
        out = grad / (self * (1 - self))
        x = _data(self)
        if eps is None:
            return F.where((x < 0) | (x > 1), float("nan"), out)
        return F.where((x < eps) | (x > 1 - eps), 0.0, out)
    x = self
    out = grad / (x * (1 - x))
    outside = (x < eps) | (x > 1 - eps) if eps is not None else (x < 0) | (x > 1)
    return np.where(outside, out.dtype.type(0 if eps is not None else np.nan), out)


LOGIT = Primitive("logit", "LogitBackward0", _logit, inputs=("self",), params=("eps",),
                  derivatives={"self": _logit_backward})


def logit(input, eps=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given"""
    return apply_unary(LOGIT, input, (eps,))


def logit_(self, eps=None):
    return apply_inplace(LOGIT, self, (), (eps,))


register("logit", logit, section=_S, rows=(LOGIT,), inplace=logit_, out=True)


# ---------------------------------------------------------------------------------------------
# nan_to_num: nan, +inf and -inf replaced by numbers

def _nan_to_num(a, nan, posinf, neginf):
    if a.dtype.kind != "f":
        return a.copy()
    return np.nan_to_num(a, nan=0.0 if nan is None else nan, posinf=posinf, neginf=neginf)


NAN_TO_NUM = Primitive(
    "nan_to_num", "NanToNumBackward0", _nan_to_num, inputs=("self",),
    params=("nan", "posinf", "neginf"),
    derivatives={"self": lambda grad, self: grad * np.isfinite(_data(self))})


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan as 0 (or ``nan``), infinities as the dtype's extremes (or ``posinf``/``neginf``)"""
    return apply_unary(NAN_TO_NUM, input, (nan, posinf, neginf))


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return apply_inplace(NAN_TO_NUM, self, (), (nan, posinf, neginf))


register("nan_to_num", nan_to_num, section=_S, rows=(NAN_TO_NUM,), inplace=nan_to_num_, out=True, out_dtype=OutDtype(
    "exact", "nan_to_num: dtype of out: {out} should be same as input: {result}"))


# ---------------------------------------------------------------------------------------------
# xlogy(x, y): x * log(y), 0 where x == 0 (unless y is nan)

def _xlogy(a, b):
    dtype = float_result(result_dtype(a, b))

    def kernel(x, y):
        x, y = np.asarray(x, dtype=dtype), np.asarray(y, dtype=dtype)
        out = x * np.log(y)
        return np.where(np.isnan(y), y, np.where(x == 0, dtype.type(0), out))
    return elementwise(kernel, a, b, result=dtype)


def _xlogy_self(F, grad, self, other):
    where_zero = (_data(self) == 0) & (_data(other) <= 0)
    return F.where(where_zero, 0.0, F.apply(XLOGY, (grad, other)))


XLOGY = Primitive("xlogy", "XlogyBackward0", _xlogy, inputs=("self", "other"), broadcasts=True,
                  derivatives={"self": _xlogy_self,
                               "other": lambda grad, self, other: grad * self / other})
# a Python number on either side is a scalar argument: one edge, torch's other overloads
XLOGY_NUMBER_SELF = Primitive(
    "xlogy", "XlogyBackward1", lambda other, self: _xlogy(self, other), inputs=("other",),
    params=("self",), derivatives={"other": lambda grad, other, self: grad * self / other})
XLOGY_NUMBER_OTHER = Primitive(
    "xlogy", "XlogyBackward2", _xlogy, inputs=("self",), params=("other",),
    derivatives={"self": lambda F, grad, self, other: _xlogy_number_other(F, grad, self, other)})


def _xlogy_number_other(F, grad, self, other):
    out = F.apply(XLOGY, (grad, other))
    if other > 0:
        return out
    return F.where(_data(self) == 0, 0.0, out)


def xlogy(input, other):
    """input * log(other), and 0 where input is 0"""
    input, other = operand(input), operand(other)
    if not isinstance(input, Tensor):
        return apply_unary(XLOGY_NUMBER_SELF, other, (input,))
    if not isinstance(other, Tensor):
        return apply_unary(XLOGY_NUMBER_OTHER, input, (other,))
    return apply(XLOGY, (input, other))


def xlogy_(self, other):
    other = operand(other)
    if not isinstance(other, Tensor):
        return apply_inplace(XLOGY_NUMBER_OTHER, self, (), (other,))
    return apply_inplace(XLOGY, self, (other,))


register("xlogy", xlogy, section=_S, rows=(XLOGY, XLOGY_NUMBER_SELF, XLOGY_NUMBER_OTHER),
         inplace=xlogy_, out=True)


# ---------------------------------------------------------------------------------------------
# fmod: the remainder with the sign of the dividend (C's fmod); hypot; heaviside

def _no_bool_operands(name, a, b):
    if result_dtype(a, b) == np.bool_:  # a bool with a float is fine: it computes in the float
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


def _fmod(a, b):
    _no_bool_operands("fmod", a, b)
    dtype = result_dtype(a, b)
    if dtype.kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return elementwise(np.fmod, a, b)


FMOD_SCALAR = Primitive("fmod", "FmodBackward0", _fmod, inputs=("self",), params=("other",),
                        derivatives={"self": lambda grad: grad})
FMOD = Primitive(
    "fmod", "FmodBackward1", _fmod, inputs=("self", "other"), broadcasts=True,
    derivatives={"self": lambda grad: grad,
                 "other": lambda F, grad, self, other:
                 -grad * F.apply(DIV_ROUNDED, (self, other), ("trunc",))})


def _first_is_tensor(name, input, other_name="other"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{python_type_name(input)}")


def fmod(input, other):
    """the remainder of input / other, with the sign of input"""
    _first_is_tensor("fmod", input)
    other = operand(other)
    if isinstance(other, Tensor):
        return apply(FMOD, (input, other))
    return apply_unary(FMOD_SCALAR, input, (other,))


def fmod_(self, other):
    other = operand(other)
    if isinstance(other, Tensor):
        return apply_inplace(FMOD, self, (other,))
    return apply_inplace(FMOD_SCALAR, self, (), (other,))


register("fmod", fmod, section=_S, rows=(FMOD_SCALAR, FMOD), inplace=fmod_, out=True)


def _two_tensors(name, input, other, other_name="other"):
    _first_is_tensor(name, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument '{other_name}' (position 2) must be Tensor, not "
                        f"{python_type_name(other)}")


def _hypot(a, b):
    dtype = result_dtype(a, b)
    if dtype.kind != "f":
        raise NotImplementedError(f'"hypot_cpu" not implemented for \'{scalar_type_name(dtype)}\'')
    return elementwise(np.hypot, a, b)


HYPOT = Primitive("hypot", "HypotBackward0", _hypot, inputs=("self", "other"), broadcasts=True,
                  derivatives={"self": lambda grad, self, result: grad * self / result,
                               "other": lambda grad, other, result: grad * other / result})


def hypot(input, other):
    """sqrt(input ** 2 + other ** 2), without overflow in between"""
    _two_tensors("hypot", input, other)
    return apply(HYPOT, (input, other))


def hypot_(self, other):
    _two_tensors("hypot_", self, other)
    return apply_inplace(HYPOT, self, (other,))


register("hypot", hypot, section=_S, rows=(HYPOT,), inplace=hypot_, out=True)


def _heaviside(a, values):
    if a.dtype != values.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes.")
    try:
        out = np.where(a == 0, values, (a > 0).astype(a.dtype))
    except ValueError:
        raise_broadcast_error(a, values)
    return np.where(np.isnan(a), a, out).astype(a.dtype) if a.dtype.kind == "f" else out.astype(a.dtype)


# torch records heaviside without a derivative (grad_fn <NotImplemented>)
HEAVISIDE = _not_implemented("heaviside", _heaviside, ("self", "values"))


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, values where input == 0"""
    _two_tensors("heaviside", input, values, "values")
    return apply(HEAVISIDE, (input, values))


def heaviside_(self, values):
    _two_tensors("heaviside_", self, values, "values")
    return apply_inplace(HEAVISIDE, self, (values,))


register("heaviside", heaviside, section=_S, rows=(HEAVISIDE,), inplace=heaviside_, out=True, out_dtype=OutDtype(
    "exact", "heaviside is not yet implemented for tensors with different dtypes."))
