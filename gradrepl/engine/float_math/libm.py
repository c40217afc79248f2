"""The C library's scalar functions, which torch's scalar loops call (``std::exp(float)`` is
glibc's ``expf``). numpy's own float32 and float64 loops are different implementations and
differ from glibc's in the last bit on some inputs, so the few values torch computes one at a
time go through glibc itself, one ctypes call each. Without a C math library (not glibc
Linux), the float64 result rounded once is the closest stand-in (correct to the last bit for
nearly every input, as glibc's are)."""

from __future__ import annotations

import ctypes
import functools
import math

import numpy as np

_TYPES = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}


# the C math library's usual file names (glibc Linux, macOS), tried before asking
# ``ctypes.util.find_library``, which runs ldconfig or a compiler in a subprocess to search
_KNOWN_NAMES = ("libm.so.6", "libm.dylib")


@functools.cache
def _library():
    for name in _KNOWN_NAMES:
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    from ctypes.util import find_library

    name = find_library("m")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


@functools.cache
def c_function(name: str, dtype: np.dtype, arity: int = 1):
    """The C library's ``name`` (``expf`` for float32) as a ctypes function of Python floats,
    or None without a C math library."""
    library = _library()
    c_name = name + ("f" if dtype == np.float32 else "")
    if library is None or not hasattr(library, c_name):
        return None
    function = getattr(library, c_name)
    function.restype = _TYPES[dtype]
    function.argtypes = [_TYPES[dtype]] * arity
    return function


def call(name: str, x: np.ndarray) -> np.ndarray:
    """``name`` from libm (``exp`` -> ``expf`` for float32) on each value of a flat array."""
    x = np.asarray(x)
    function = c_function(name, x.dtype)
    if function is None:
        return getattr(np, name)(x.astype(np.float64)).astype(x.dtype)
    return np.fromiter(map(function, x.tolist()), x.dtype, x.size)


# True: the double pow of finite operands goes through ``math.pow`` (``_math_pow``), ~6 times
# cheaper than a ctypes call, and float32's powf is screened (``_powf_screened``); False: every
# value through ctypes (the tests compare the two)
MATH_POW = True


def _math_pow(bases, exponents):
    """The C library's double ``pow`` of each pair (flat arrays, float64 or float32 widened),
    through CPython's ``math.pow``, or None where that is not certain to be the same call.
    ``math.pow`` calls the C library's ``pow`` itself for finite operands (CPython's
    math_pow_impl; the math module links the same libm.so) and returns its result as it is,
    underflow included; it raises where the result is infinite or NaN (and answers non-finite
    operands with its own rules), so finite operands whose every result came back are libm's
    bits, and anything else is left to ctypes."""
    if not (MATH_POW and np.isfinite(bases).all() and np.isfinite(exponents).all()):
        return None
    try:
        return np.fromiter(map(math.pow, bases.tolist(), exponents.tolist()), np.float64,
                           bases.size)
    except (OverflowError, ValueError):  # an infinite or NaN result: ctypes gives libm's
        return None


def pow(x: np.ndarray, exponent: float) -> np.ndarray:
    """The C library's double ``pow(x, exponent)`` on each value (float32 values are widened
    first and the result rounded once, as ``std::pow(float, double)`` does)."""
    x = np.asarray(x)
    function = c_function("pow", np.dtype(np.float64), 2)
    if function is None:
        return np.power(x.astype(np.float64), exponent).astype(x.dtype)
    exponent = float(exponent)
    fast = _math_pow(x.reshape(-1), np.full(x.size, exponent))
    if fast is not None:
        return fast.reshape(x.shape).astype(x.dtype)
    values = [function(v, exponent) for v in x.tolist()]
    return np.array(values, np.float64).astype(x.dtype)


def pow_same(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """The C library's pow in the values' own precision (``powf`` for float32, as
    ``std::pow(float, float)`` calls it) on each pair of a flat array."""
    x, exponent = np.asarray(x), np.asarray(exponent, x.dtype)
    function = c_function("pow", x.dtype, 2)
    if function is None:
        return np.power(x.astype(np.float64), exponent).astype(x.dtype)
    if x.dtype == np.float64:
        fast = _math_pow(x, exponent)
        if fast is not None:
            return fast
    elif x.size >= _POWF_SCREEN_MIN and _new_powf():
        screened = _powf_screened(x, exponent, function)
        if screened is not None:
            return screened
    values = map(function, x.tolist(), exponent.tolist())
    return np.fromiter(values, x.dtype, x.size)


# glibc's powf since 2.28 (Arm's optimized-routines algorithm, glibc's
# sysdeps/ieee754/flt-32/e_powf.c) computes in double and rounds once; its comment bounds the
# relative error before that rounding by ln2 * |y log2 x| * 1.83 * 2**-33 (log2's) + 1.69 *
# 2**-34 (exp2's). Where the double pow (math.pow, within 2**-52) lies farther than that bound
# (times 4, with |y| max(|log2 x|, 1) for |y log2 x|) from every float32 rounding midpoint, both
# round to the same float32: only the lanes closer than that call powf itself.
_LOG2_ERROR = 1.83 * 2.0 ** -33
_EXP2_ERROR = 1.69 * 2.0 ** -34
_SAFETY = 4.0
_POWF_SCREEN_MIN = 64  # fewer values: one ctypes call each costs less than the screening
_F32_TINY = float(np.finfo(np.float32).tiny)
_F32_MAX = float(np.finfo(np.float32).max)


@functools.cache
def _new_powf() -> bool:
    library = _library()
    version = getattr(library, "gnu_get_libc_version", None) if library is not None else None
    if version is None:
        try:
            version = ctypes.CDLL("libc.so.6").gnu_get_libc_version
        except (OSError, AttributeError):
            return False
    version.restype = ctypes.c_char_p
    try:
        major, minor = (int(part) for part in version().decode().split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (2, 28)


def _powf_screened(x, exponent, powf):
    """powf of each pair of flat float32 arrays by the screening above, or None where an
    operand or result leaves float32's normal range (powf's special paths)."""
    if not MATH_POW:
        return None
    bases, powers = x.astype(np.float64), exponent.astype(np.float64)
    if not (np.isfinite(powers).all() and bases.min() >= _F32_TINY and bases.max() <= _F32_MAX):
        return None
    wide = _math_pow(bases, powers)
    if wide is None or not (wide.min() > 2 * _F32_TINY and wide.max() < _F32_MAX / 2):
        return None
    result = wide.astype(np.float32)
    nearest = result.astype(np.float64)
    toward = np.where(wide >= nearest, np.float32(np.inf), np.float32(-np.inf))
    midpoint = (nearest + np.nextafter(result, toward).astype(np.float64)) / 2
    with np.errstate(divide="ignore"):
        ylog = np.abs(powers) * np.maximum(np.abs(np.log2(bases)), 1.0)
    bound = (_SAFETY * (math.log(2.0) * ylog * _LOG2_ERROR + _EXP2_ERROR) + 2.0 ** -50) * wide
    close = np.nonzero(np.abs(wide - midpoint) <= bound)[0]
    if close.size:
        result[close] = list(map(powf, x[close].tolist(), exponent[close].tolist()))
    return result
