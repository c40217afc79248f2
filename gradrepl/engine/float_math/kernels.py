"""One forward per float op, following the code path torch 2.13 takes on CPU.

- MKL's vector math (VML) computes exp, log, log2, log10, sin, cos, tanh and sqrt of float32
  and float64 tensors of any size (ATen's ``IMPLEMENT_VML`` kernels copy strided input into a
  buffer first). Its algorithms are not public and its code path depends on the CPU; its float32
  results are within half an ulp or so, so the closest public stand-in is the float64 result
  rounded once (exp: 99% of values identical, log and log10: 100%, tanh: 99.5%, sin and cos:
  94-97%, against numpy's own float32 loops' 60-90%). float64 keeps numpy's results, which are
  as close (99-100%; tanh 79%). float16 never reaches MKL: torch rounds SLEEF's float result.
- ATen's own vectorised loops compute sigmoid, exp2, pow with a float or tensor exponent, rsqrt
  and reciprocal: SLEEF on whole vectors, the C library on the rest (``loops``); expm1 and
  log1p run SLEEF on every element (``vml``'s ``vec::map``).
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import cpu_capability, dtypes, vector_math
from gradrepl.engine.float_math import (fused, libm, loops, mkl_sqrt, sleef, sleef_double,
                                        sleef_single, tanh_from_exp)
from gradrepl.engine.float_math.blocks import in_blocks, large_contiguous, rounded_through_float64

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)

# False forces the general path everywhere a kernel has a short one (the property tests compare
# the two), as summation.SHORT_PATHS does for the reductions.
SHORT_PATHS = True


def rounded_from_float64(np_func, half=None):
    """float32 computed in float64 and rounded once (MKL's float32 functions are that close);
    float16 by ``half``, the float32 SLEEF function torch's Vectorized<Half> calls (MKL never
    sees half tensors), rounded once; other dtypes as numpy computes them."""
    def forward(x):  # named as backends.Backend names a function's argument
        if x.dtype == _F32:
            if large_contiguous(x):
                return rounded_through_float64(x, lambda wide: np_func(wide, out=wide))
            return np_func(x.astype(_F64)).astype(_F32)
        if x.dtype == _F16 and half is not None:
            with np.errstate(all="ignore"):
                return half(x.astype(_F32)).astype(_F16)
        return np_func(x)
    return forward


exp = rounded_from_float64(np.exp, sleef.expf)
log = rounded_from_float64(np.log, sleef_single.logf)
log2 = rounded_from_float64(np.log2, sleef_single.log2f)
log10 = rounded_from_float64(np.log10, sleef_single.log10f)
sin = rounded_from_float64(np.sin)
cos = rounded_from_float64(np.cos)
_tanh_general = rounded_from_float64(np.tanh)


def tanh(x):
    """MKL's stand-in: float32 as numpy's float64 tanh rounded once; a large C-contiguous
    float32 array gets those bits from float64 exp where that is cheaper (``tanh_from_exp``:
    numpy's float64 tanh is ~2.6x dearer than exp on AVX2 CPUs, not with AVX-512)."""
    if (SHORT_PATHS and type(x) is np.ndarray and x.dtype == _F32 and tanh_from_exp.PAYS
            and large_contiguous(x)):
        return tanh_from_exp.tanh32(x)
    return _tanh_general(x)


def through_float32(kernel):
    """float16 computed by the float32 kernel and rounded once, as torch's Vectorized<Half> and
    its scalar loop both convert to float and back."""
    def forward(a):
        if a.dtype == _F16:
            return kernel(a.astype(_F32)).astype(_F16)
        return kernel(a)
    return forward


_EXP2 = {_F32: sleef_single.exp2f, _F64: sleef_double.exp2}
_EXPM1 = {_F32: sleef_single.expm1f, _F64: sleef_double.expm1}
_LOG1P = {_F32: sleef_single.log1pf, _F64: sleef_double.log1p}
_POW = {_F32: sleef_single.powf, _F64: sleef_double.pow}


@through_float32
def exp2(a):
    """ATen's exp2: SLEEF's exp2 on whole vectors, ``std::exp2`` on the rest."""
    if a.dtype not in _EXP2:
        return np.exp2(a)
    return loops.elementwise(a, _EXP2[a.dtype], lambda x: libm.call("exp2", x))


@through_float32
def expm1(a):
    """ATen's expm1 goes through ``vml::vexpm1`` (not MKL): ``vec::map`` runs every element
    through SLEEF, the last partial vector too, so no element reaches the C library."""
    return _EXPM1[a.dtype](a) if a.dtype in _EXPM1 else np.expm1(a)


@through_float32
def log1p(a):
    """ATen's log1p, like expm1: SLEEF on every element (``vml::vlog1p``)."""
    return _LOG1P[a.dtype](a) if a.dtype in _LOG1P else np.log1p(a)


def rsqrt(a):
    """ATen's rsqrt: ``1 / sqrt(x)``. float16 vectors compute it in float and round once; the
    scalar loop rounds the square root to half first (``1 / std::sqrt(Half)``)."""
    if a.dtype != _F16:
        return a.dtype.type(1) / np.sqrt(a)
    return loops.elementwise(a, lambda x: _reciprocal32(np.sqrt(x.astype(_F32))),
                             lambda x: _reciprocal32(np.sqrt(x.astype(_F32)).astype(_F16)))


def _reciprocal32(x):
    return (np.float32(1) / x.astype(_F32)).astype(_F16)


def _sigmoid_vector(x):
    one = x.dtype.type(1)
    e = sleef.expf(-x) if x.dtype == _F32 else sleef.exp(-x)
    return one / (one + e)


def _sigmoid_scalar(x):
    one = x.dtype.type(1)
    return one / (one + libm.call("exp", -x))


def sigmoid(a):
    """ATen: ``(1 + exp(-x)).reciprocal()`` with SLEEF's exp on vectors, ``1 / (1 +
    std::exp(-x))`` on the rest."""
    if a.dtype not in (_F32, _F64):
        return a.dtype.type(1) / (a.dtype.type(1) + np.exp(-a))
    return loops.elementwise(a, _sigmoid_vector, _sigmoid_scalar)


def pow_scalar(a, exponent):
    """``a ** exponent`` for a float tensor and a Python number, as ATen's
    ``pow_tensor_scalar_kernel`` dispatches it: 0.5, -0.5 and -1 are sqrt, rsqrt and reciprocal
    kernels; 2 and 3 are products (``x * x * x``, not a pow); -2 is ``1 / (x * x)``; any other
    exponent is SLEEF's pow on whole vectors (the exponent cast to the tensor's dtype) and
    ``std::pow(x, double(exponent))`` on the rest, i.e. the C library's double pow rounded
    once."""
    if a.dtype not in FLOAT_PAIR:
        return a ** exponent
    return pow_float(a, exponent)


def pow_float(a, exponent):
    """pow_scalar of a float32 or float64 array or numpy scalar."""
    if exponent == 2:
        return a * a  # the lessons' commonest power, before the table below
    if exponent == 3:
        return a * a * a  # the table's entry for 3, without its call (x ** 4's gradient too)
    # one dict lookup instead of a chain of comparisons (keys compare as numbers do: 2.0,
    # True and -0.0 find 2, 1 and 0)
    special = _SPECIAL_EXPONENTS.get(exponent)
    if special is not None:
        return special(a, exponent)
    if SHORT_PATHS and a.ndim == 0:
        # one value: torch's scalar loop, i.e. libm's double pow rounded once, without the
        # general path's flatten / list / array round trip (x ** 4 on a 0-d tensor took 3x as
        # long as x ** 2); tests/engine/test_short_paths.py checks it against that path
        return _pow_of_one_value(a, exponent)
    vector = lambda x: _POW[x.dtype](x, x.dtype.type(exponent))  # noqa: E731
    return loops.elementwise(a, vector, lambda x: libm.pow(x, exponent))


def positive_nan_where_negative(a, out):
    """``out`` with +NaN where ``a`` is below zero (-inf too): MKL's sqrt and logs (VML, which
    torch calls for every size, 0-d included) answer an invalid input so, where numpy gets the
    x86 default NaN, -NaN. A NaN input keeps its own sign in both; -0.0 is not below zero."""
    if type(out) is not np.ndarray:  # one value: a numpy scalar
        return abs(out) if a < 0 else out
    if out.size and out.dtype.kind == "f" and not a.min() >= 0:  # a negative (or NaN) somewhere
        np.abs(out, out=out, where=np.less(a, 0))
    return out


def sqrt(a):
    """torch.sqrt: MKL's, with its +NaN for negatives. float32 on an Intel CPU: MKL's own
    (``mkl_sqrt``: one ulp low on ~0.6% of inputs); elsewhere numpy's correctly rounded root."""
    if a.dtype == _F32 and cpu_capability.mkl_order_measured():
        return positive_nan_where_negative(a, mkl_sqrt.sqrt32(a))
    return positive_nan_where_negative(a, np.sqrt(a))


FLOAT_PAIR = frozenset((_F32, _F64))
_SPECIAL_EXPONENTS = {
    0: lambda a, e: a ** e,
    1: lambda a, e: a ** e,
    0.5: lambda a, e: sqrt(a),
    -0.5: lambda a, e: a.dtype.type(1) / np.sqrt(a),
    -1: lambda a, e: a.dtype.type(1) / a,
    2: lambda a, e: a * a,
    3: lambda a, e: a * a * a,
    -2: lambda a, e: loops.elementwise(a, lambda x: x.dtype.type(1) / (x * x),
                                       _inverse_square_scalar),
}


_SCALAR_ONES, _FLOAT32_MAX = dtypes.SCALAR_ONES, dtypes.FLOAT32_MAX


def _pow_of_one_value(a, exponent):
    """``std::pow(double(x), double(exponent))`` rounded once to x's dtype, as a numpy scalar
    (what 0-d arithmetic gives: the next op on it costs a tenth of one on a 0-d array).
    ``math.pow`` of two finite numbers is the C library's ``pow`` itself, a fifth of a ctypes
    call's cost; where it refuses (a NaN or an infinity out of finite numbers) the ctypes call
    gives the C function's own result, NaN sign and all."""
    x, e = float(a), float(exponent)
    if x - x == 0.0 and e - e == 0.0:  # both finite
        try:
            power = math.pow(x, e)
        except (ValueError, OverflowError):
            pass
        else:
            # rounded to the scalar's type by a product with 1 where that is the constructor's
            # value (dtypes.SCALAR_ONES: a fifth of its cost)
            one = _SCALAR_ONES.get(type(a))
            if one is not None and -_FLOAT32_MAX <= power <= _FLOAT32_MAX:
                return one * power
            return a.dtype.type(power)
    pow_double = libm.c_function("pow", _F64, 2)
    if pow_double is None:
        return a.dtype.type(np.power(x, e))
    return a.dtype.type(pow_double(x, e))


def power(a, b):
    """``a ** b`` where the exponent is a tensor (``b`` an array; ``a`` an array or a Python
    number), as ATen's ``pow_tensor_tensor_kernel`` computes float32 and float64: SLEEF's pow
    on whole vectors of each contiguous run, ``std::pow`` in the dtype's own precision on the
    rest; a number base is a stride-0 operand of the same loop (and 1 gives ones, as torch fills
    them). Anything else is numpy's. With a number base torch's result is C-contiguous whatever
    the exponent's layout, and its loop walks that order (a transposed exponent: no contiguous
    run, every element through ``std::pow``)."""
    if not isinstance(b, np.ndarray) or not isinstance(a, (np.ndarray, int, float)):
        return np.power(a, b)
    number_base = not isinstance(a, np.ndarray)
    dtype = np.result_type(a, b)
    if dtype not in _POW or (not number_base and a.dtype.kind != "f" and b.dtype.kind != "f"):
        out = np.power(a, b)
        return np.ascontiguousarray(out) if number_base else out
    if number_base and a == 1:
        return np.ones(b.shape, dtype)
    base, exponent = np.asarray(a, dtype), b.astype(dtype, copy=False)
    return loops.elementwise_pair(base, exponent, _POW[dtype], libm.pow_same,
                                  output_c_order=number_base)


def _inverse_square_scalar(x):
    # the scalar loop divides the double 1.0 by the float square: in double, rounded once more
    return (1.0 / (x * x).astype(_F64)).astype(x.dtype)


def tanh_backward(g, out):
    """``g * (1 - out * out)`` with ``1 - out * out`` fused into one multiply-add, as torch's
    compiled tanh_backward kernel computes it (vector and scalar loops alike; settled bit for bit
    against torch 2.13). Any dtype: float16 callers pass float32 and round once."""
    if out.dtype == _F64:
        return g * _one_minus_square64(out)
    if out.dtype == _F32:
        if (SHORT_PATHS and not fused.EXACT_EVERYWHERE and large_contiguous(out)
                and type(g) is np.ndarray and g.dtype == _F32 and g.shape == out.shape
                and g.flags.c_contiguous):
            result = _tanh_backward_in_blocks(g, out)
            if result is not None:
                return result
        factor = _one_minus_square32(out)
        if type(g) is np.ndarray and g.shape == factor.shape and g.dtype == _F32 and g.ndim:
            return np.multiply(g, factor, out=factor)  # factor is this call's own array
        return g * factor
    return g * (1 - out * out)


@in_blocks
def _one_minus_square64(y):
    return vector_math.fma64(-y, y, 1.0)


def _one_minus_square32(y):
    """fma(-y, y, 1) in float32 without ``fused.fma32``'s general operands: y * y is exact in
    float64, so 1 - y * y there is rounded once, and rounding that to float32 is the fused
    result, a float64 midpoint of two float32 values aside (``fused``). For every float32 |y| <=
    8 it is the fused result, midpoints included (scripts/check_one_minus_square_path.py checks
    all of them: where 1/8 <= |y| <= 8 float64 holds 1 - y * y exactly, below 1/8 no rounded
    1 - y * y lands on a midpoint). A tanh output always lies there; anything else (a NaN, |y| >
    8) takes ``_one_minus_square32_screened``."""
    y = np.asarray(y)
    if fused.EXACT_EVERYWHERE:
        return fused.fma32(-y, y, np.float32(1))
    if large_contiguous(y):
        out = rounded_through_float64(y, _one_minus_square_in_place)
    else:
        wide = np.asarray(np.multiply(y, y, dtype=_F64))
        out = np.asarray(np.subtract(1.0, wide, out=wide).astype(_F32))
    # out > -63 means 1 - y * y > -63 - 2**-19 (out's rounding), so |y| < 8; a NaN fails it
    if not SHORT_PATHS or not out.size or not out.min() > -63:
        return _one_minus_square32_screened(y)
    return out


def _tanh_backward_in_blocks(g, y):
    """g * _one_minus_square32(y) for large float32 arrays of one shape, each block multiplied
    by g while it is in cache; None (and the caller's general path) as soon as a block holds a
    y that is NaN or beyond 8 in size."""
    g_flat = g.reshape(-1)

    def times_g(factor, start, stop):
        if not factor.min() > -63:  # as in _one_minus_square32
            return False
        np.multiply(g_flat[start:stop], factor, out=factor)

    return rounded_through_float64(y, _one_minus_square_in_place, times_g)


def _one_minus_square_in_place(wide):
    np.multiply(wide, wide, out=wide)
    np.subtract(1.0, wide, out=wide)


def _one_minus_square32_screened(y):
    """_one_minus_square32 for any y, each lane screened: a midpoint is still right where
    float64 held 1 - y * y exactly, 1/8 <= |y| <= 8 (its bits then lie between 2**-52 and 2**7;
    the result is never subnormal: 1 - y * y is 0 or at least 2**-48 away from it). The rare
    others take the general emulation."""
    wide = np.asarray(np.multiply(y, y, dtype=_F64))
    np.subtract(1.0, wide, out=wide)
    out = np.asarray(wide.astype(_F32))
    halfway = fused.on_float32_midpoint(wide)
    if halfway.any():
        lanes = np.nonzero(halfway) if out.ndim else ()
        few = y[lanes]
        inexact = (np.abs(few) < 0.125) | (np.abs(few) > 8)
        out[lanes] = np.where(inexact, fused.fma32(-few, few, np.float32(1)), out[lanes])
    return out
