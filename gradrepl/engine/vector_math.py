"""float32 log and sincos exactly as torch's AVX2 kernels compute them (for randn), and the
fused multiply-adds torch's compiled kernels use.

torch turns uniforms into normals 16 at a time with Cephes-style polynomials
(aten/src/ATen/native/cpu/avx_mathfun.h, after Julien Pommier's sse_mathfun) that the compiler
fuses into multiply-adds. numpy's own float32 log/sin/cos differ from them by an ulp on a good
share of values, which shows in ``.item()`` and ``.tolist()``. Each fused multiply-add is
emulated in float64: the product of two float32 values is exact there, so only the final
rounding to float32 remains. Which multiplies the compiler fused was settled against torch 2.13
(bit for bit on 15,360 normals over 60 seeds) and matches the disassembly of its x86-64
libtorch_cpu.so (``NormalFill16<float, true>``, which GCC contracted from mul + add intrinsics).

Rounding the float64 sum to float32 rounds twice, which is wrong only when the float64 sum is
inexact and lands exactly halfway between two float32 values; ``fma`` finds those rare lanes and
redoes them from the exact error of the sum. (Over all 2**24 inputs the kernel can give log and
sincos this never happens; it can with other ``std`` and ``mean``.)

torch's double kernel calls the C library's log, sin and cos and fuses ``v * std + mean``:
``libm_log`` and ``fma64`` give those exactly.
"""

from __future__ import annotations

import math

import numpy as np

_F32 = np.float32
_F64 = np.float64
_F32_TINY = np.finfo(_F32).tiny
_BELOW_F32 = np.uint64((1 << 29) - 1)  # the bits of a float64 mantissa that float32 drops
_HALFWAY = np.uint64(1 << 28)


def fma(a, b, c) -> np.ndarray:
    """a * b + c on float32 values, rounded once to float32."""
    a, b, c = (np.asarray(v, _F32) for v in (a, b, c))
    wide = np.multiply(a, b, dtype=_F64)  # exact: 24 + 24 significant bits fit in 53
    wide += c
    result = np.asarray(wide.astype(_F32))
    suspect = _may_round_twice(wide, result)
    if suspect is not None:
        a, b, c = (np.broadcast_to(v, wide.shape)[suspect] for v in (a, b, c))
        result[suspect] = _fma_exact(a, b, c)
    return result


def _may_round_twice(wide: np.ndarray, result: np.ndarray):
    """Lanes where rounding float64 to float32 might not round the exact sum (None if none): the
    float64 sum is halfway between two float32 values (a 1 then 28 zeros below float32's last bit),
    or the result is subnormal, where that pattern sits higher up. Screened with two reductions
    first, since this runs after every fused step."""
    halfway = (np.asarray(wide).view(np.uint64) & _BELOW_F32) == _HALFWAY
    if not halfway.any() and not np.min(np.abs(result), initial=np.inf) <= _F32_TINY:
        return None
    return halfway | (np.abs(result) <= _F32_TINY)


def _fma_exact(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    product = a.astype(_F64) * b
    wide = product + c
    error = _two_sum_error(product, c, wide)  # the exact value is wide + error
    result = wide.astype(_F32)
    nearest = result.astype(_F64)
    other = np.nextafter(result, np.where(wide > nearest, _F32(np.inf), _F32(-np.inf)))
    tie = (wide != nearest) & (wide == (nearest + other.astype(_F64)) / 2)
    # a tie in float64 that is not exact: the exact value is past it, on the side of its error
    past = np.sign(error) == np.sign(wide - nearest)
    return np.where(tie & (error != 0), np.where(past, other, result), result).astype(_F32)


def _two_sum_error(x, y, total):
    """The rounding error of ``total = x + y``, exactly (Knuth's TwoSum)."""
    y_part = total - x
    return (x - (total - y_part)) + (y - y_part)


def fma64(a, b, c) -> np.ndarray:
    """a * b + c for float64 rounded once, as a hardware fused multiply-add gives: the product's
    rounding error is recovered exactly (Dekker), the sum's too (TwoSum), and the low parts are
    added with rounding to odd so that the last rounding is the only one that counts (Boldo and
    Melquiond, "Emulation of FMA and correctly rounded sums", 2008). Where Dekker's split cannot
    be exact (a product near the subnormal range, or a factor so large that splitting it
    overflows) the element is computed with exact rationals instead: rare, and slow only there."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, _F64) for v in (a, b, c)))
    product = a * b
    product_error = _two_product_error(a, b, product)
    total = c + product
    total_error = _two_sum_error(c, product, total)
    low = total_error + product_error
    low = _round_to_odd(low, _two_sum_error(total_error, product_error, low))
    # where nothing is left over, the sum is the result: adding +0.0 would turn a -0.0 (-0.0 +
    # -1 * 0, which a fused multiply-add keeps) into +0.0
    result = np.where(low == 0, total, total + low)[()]  # [()]: a 0-d result stays a scalar
    inexact = (((np.abs(product) < _DEKKER_MIN) & (a != 0) & (b != 0))
               | (np.abs(a) > _DEKKER_MAX) | (np.abs(b) > _DEKKER_MAX))
    not_finite = ~np.isfinite(result)
    if not_finite.any():
        finite = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
        # finite operands whose product or sum overflowed leave the error terms inf - inf (NaN);
        # the exact result may still be finite (a product just past the largest double plus a
        # large negative c), so those are redone exactly
        inexact = (inexact | not_finite) & finite
        # an infinite or NaN operand: the hardware gives IEEE's a * b + c, where a finite
        # product (even one that would overflow) added to an infinite c is that c
        result = np.array(result, _F64)
        plain = np.broadcast_to(np.where(np.isfinite(a) & np.isfinite(b), c, product + c),
                                result.shape)
        result[~finite] = plain[~finite]
        result = result[()]
    if inexact.any():
        from fractions import Fraction  # the rare case only: ~1 ms to import

        result = np.array(result, _F64)  # a writable copy (0-d results are numpy scalars)
        for i in zip(*np.nonzero(inexact)) if result.ndim else [()]:
            exact = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
            result[i] = _fraction_to_float(exact)
    return result


# Dekker's product error is exact while the product's low half stays a normal double and the
# factors split without overflow (2**27 + 1 times a factor).
_DEKKER_MIN = 2.0 ** -968
_DEKKER_MAX = 2.0 ** 995


def _fraction_to_float(value) -> float:
    """The double nearest to an exact rational (ties to even), as float(Fraction) gives, with
    infinity where it overflows as an FMA's result does."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _round_to_odd(rounded, error):
    """A round-to-nearest result turned into round-to-odd, given its exact rounding error: an
    even last bit with an error behind it moves one ulp toward the error, done on the bits (one
    more for a larger magnitude; ``rounded`` is never 0 when ``error`` is not)."""
    rounded = np.asarray(rounded, _F64)
    bits = rounded.view(np.int64)
    move = ((bits & 1) == 0) & (error != 0)
    if not move.any():
        return rounded
    step = np.where(np.signbit(error) == np.signbit(rounded), 1, -1)
    return np.where(move, (bits + step).view(_F64), rounded)


def _split(x):
    t = x * 134217729.0  # 2**27 + 1 splits a double into two 26-bit halves
    high = t - (t - x)
    return high, x - high


def _two_product_error(a, b, product):
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    return ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low


_LOG_POLY = [_F32(p) for p in (
    7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
    -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_MIN_NORMAL = np.array(0x00800000, np.uint32).view(_F32)
_HALF_BITS = np.array(0.5, _F32).view(np.uint32)


def log(x: np.ndarray) -> np.ndarray:
    """log256_ps: split x into exponent e and mantissa in [sqrt(1/2), sqrt(2)), then a polynomial."""
    x = np.asarray(x, _F32)
    invalid = x <= 0
    bits = np.maximum(x, _MIN_NORMAL).view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 0x7F).astype(_F32) + _F32(1)
    x = ((bits & np.uint32(0x807FFFFF)) | _HALF_BITS).view(_F32)
    small = x < _F32(0.707106781186547524)
    x = (x - _F32(1)) + np.where(small, x, _F32(0))
    e = e - np.where(small, _F32(1), _F32(0))
    z = x * x
    y = np.full_like(x, _LOG_POLY[0])
    for p in _LOG_POLY[1:]:
        y = fma(y, x, p)
    y = fma(y * x, z, e * _F32(-2.12194440e-4))
    # The last two steps are fused as well, but their products are exact in float32 (z is 0 or
    # >= 2**-48 here; e * 0.693359375 has at most 17 bits), so plain float32 adds round the same
    # sums; those sums also often sit on the halfway points fma would have to re-check.
    y = y - z * _F32(0.5)
    x = (x + y) + e * _F32(0.693359375)
    return np.where(invalid, _F32(np.nan), x)


def sincos(x: np.ndarray) -> tuple:
    """sincos256_ps: reduce by multiples of pi/4 in three parts, then two polynomials."""
    x = np.asarray(x, _F32)
    sign_sin = np.signbit(x)
    x = np.abs(x)
    j = (x * _F32(1.27323954473516)).astype(np.int32)  # truncating, as cvttps does
    j = (j + 1) & ~1
    y = j.astype(_F32)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    sign_cos = (~(j - 2) & 4) != 0
    use_cos_poly = (j & 2) == 0
    for part in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = fma(y, _F32(part), x)
    z = x * x
    c = fma(fma(np.full_like(x, _F32(2.443315711809948E-005)), z, _F32(-1.388731625493765E-003)),
            z, _F32(4.166664568298827E-002))
    c = fma(c * z, z, -z * _F32(0.5)) + _F32(1)
    s = fma(fma(np.full_like(x, _F32(-1.9515295891E-4)), z, _F32(8.3321608736E-3)),
            z, _F32(-1.6666654611E-1))
    s = fma(s * z, x, x)
    sin = np.where(use_cos_poly, s, c)
    cos = np.where(use_cos_poly, c, s)
    return np.where(sign_sin, -sin, sin), np.where(sign_cos, -cos, cos)


def libm_log(x) -> np.ndarray:
    """float64 log from the C library, which torch's double kernels call. numpy's SIMD log differs
    from glibc's in the last bit on ~0.3% of inputs, so each value goes through ``math.log`` (one
    C call per value, the only way to reach libm's log from numpy). For x > 0."""
    x = np.asarray(x, _F64)
    return np.fromiter(map(math.log, x.ravel().tolist()), _F64, x.size).reshape(x.shape)
