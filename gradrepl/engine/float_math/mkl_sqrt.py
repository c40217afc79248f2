"""MKL's float32 square root on Intel CPUs with AVX-512, reproduced bit for bit.

torch's float32 ``sqrt`` (``torch.sqrt``, ``x ** 0.5``, and the denominators of Adam, AdamW,
RMSprop and Adagrad) is MKL's vector routine (VML ``vsSqrt``). On an Intel AVX-512 CPU it is not
the correctly rounded root: it takes the CPU's reciprocal-square-root estimate
``y = vrsqrt14ps(x)`` (14 bits), ``s = x * y`` and ``h = 0.5 * y``, and corrects once:
``fma(fnmadd(s, s, x), h, s)``. The correction leaves the result one ulp low where the exact
root lies just above a rounding midpoint (within about 0.06 ulp), on 0.59% of inputs; which of
those depends on the estimate's bits. Measured on this project's Intel Xeon against torch 2.13:
the formula gives torch's bits on every float32 in [1, 4) (16,777,216 values, of which 98,955
differ from the correctly rounded root), on 2 million random normal floats and on subnormals
(``scripts/measure_mkl_sqrt.py``, which also rebuilds and checks the table below).

``vrsqrt14ps`` is a hardware table: for a positive normal ``x = y * 4**k`` with ``y`` in [1, 4),
its result is ``T[j] * 2**-k``, ``j`` being the exponent's parity and the top 15 bits of the
mantissa (one 16-bit index), except that an exact power of four gives its exact root. ``T``
holds 65536 significands of 17 bits; stored here as their first differences (each -4 to 0),
zlib-compressed. Inputs below 2**-64 (subnormals too) are scaled by 2**64 first and their root
by 2**-32 (both exact): MKL does so somewhere below 2**-114, where the residual ``x - s * s``
would underflow, and the result is the same for every scale in between. Zero, infinite,
negative and NaN inputs keep numpy's root (kernels.sqrt gives negatives MKL's +NaN).

MKL chooses this code path by CPU vendor: on an AMD EPYC its float32 sqrt is another function
(docs/floats.md, "CPU vendor"), so ``kernels.sqrt`` uses this one only where
``cpu_capability.mkl_order_measured()``.
"""

from __future__ import annotations

import base64
import functools
import math
import zlib
from array import array
from operator import add, mul

import numpy as np

from gradrepl.engine.float_math import few_lanes, fused

_TABLE = (
    "eNrtnOtu5CAMhf3+j7zawkqdnZkQIIEkgMFfOg34wvHxsaZS//DH7R7vUk/aW5XcGVgzN4CZvypgH3pqzGZnbJBBcuY/8szP"
    "2/DbTc5VbqlKhxoiQy2Z4N/OquXKGcNFUI35Ky3iXzvvth9DltnGkYH5v16JfXK5EhmKTUfQoqOThP+77U/CdSFFYxK0ERLa"
    "geO1Bs70tsjPYbTg8EyMsq+DkN10RGH+a6X/Lp/PkdXHQQlTJVBubImtndrdNoBCHqDUEpGvcxNs5WoI7WkE2Wik1iVf62xT"
    "nNgYY21CyM38+2ME7/R2zWR7HZOMPN/31mLpv6AB8x+5SMhms4s3vWMUXr8waowtLD4On1nFiUAiA5CqOYuPHufTT85ffUAf"
    "kMXKtIB4ye//9cf5Lo9bqMpSzSDZdM1Ufv+bpgO+GDgq6h9RwWkhsVkiSjD/kYluH7xtPAxHIZqgUFPsyGdtZ7h1RDA/f9k5"
    "a1cARgIgHvO/scrbPlieyBiYCDkkhlwmUYJTEoer3pXp/Q5BDJkhlnhLHM3b5c7nkuaGR0HmPw18uVWZ3rPWOtQQmfk3P/zz"
    "MWQfrTBmSoU4MkL8a0S5vX9tE0B+5j/y96qpC0Y1OWCYv1YY2bmz+dVLv0NmyFIQdR4++ze4GDhYcXZwogHzH+l0iUuB01cF"
    "N/cqoYEUNG1HCse1yaYbQTbmv7svOOd6IBWIBSGQbXaIszdJyyahkPH5+9BwOUejSPeCmiO0jBidI+K5/xZI5m8ZMucakqGG"
    "CO0iyPrtdrrlNPuIn+aBKqIuR1WOD9T6xwFZrEwLiHfzgKRj3H9JIeZvp1BiJ11iwwqrJEVh1BgRS94SVnKTWJecdYpAhPnr"
    "IvK9/9/ym+aRgOaPXoPCsII0rJqSji4iObXq3HfOrk8HwZn/yLNy7WKiyQIwgzLMktd/nV8Jdtk1JzSNIJudRuTmtULR8jQe"
    "RWiIIs1qSRwMdrcNoHpBIQ/zrzeyodNPy2xVZGgUWVZtVCI7n1kf0Q84M3cAEeN+JOUv3vY6Q0mUoWSLkhkMnIadaGDIKfuU"
    "zMmql4GTtIg485+U3d8C39nRv6IZ1pBE2nPHPnq0lOapWCCLpJA9XcL/Aco2V86Yr0QriKa10scq2NZlD9tCE2GhWcwiMnF0"
    "caAI8x/p8ClKB2zvB5uACm0gHG1cAD08ePVnHlDxgDJ/u6D/AFC2Vsc="
)

_F32 = np.dtype(np.float32)
_INF = np.float32(np.inf)
_SMALL = np.float32(2.0 ** -64)


@functools.cache
def _significands() -> np.ndarray:
    steps = np.frombuffer(zlib.decompress(base64.b64decode("".join(_TABLE))), np.int8)
    return ((1 << 17) + np.cumsum(steps, dtype=np.int64)).astype(np.float64) * 2.0 ** -17


@functools.cache
def _estimate_bits() -> np.ndarray:
    """The table as float32 bit patterns of values in (0.5, 1)."""
    return _significands().astype(_F32).view(np.int32)


def rsqrt14(x: np.ndarray) -> np.ndarray:
    """``vrsqrt14ps`` of positive normal float32 values (an array)."""
    bits = x.view(np.int32)
    exponent = (bits >> 23) - 127
    odd = exponent & 1
    index = (odd << 15) | ((bits & 0x7FFFFF) >> 8)
    # x = y * 4**k with y in [1, 4): the estimate of y, its exponent lowered by k
    estimate = _estimate_bits()[index] - (((exponent - odd) >> 1) << 23)
    # an exact power of four (mantissa 0, even exponent) has its exact root: 2**-k
    exact = (bits & 0x7FFFFF | odd) == 0
    if exact.any():
        estimate[exact] = (127 - (exponent[exact] >> 1)) << 23
    return estimate.view(_F32)


@functools.cache
def _significand_list() -> list:
    return _significands().tolist()


# float32 bit patterns: 2**-64 (the smallest input taken unscaled) and inf
_SMALL_BITS = int(_SMALL.view(np.int32))
_INF_BITS = int(_INF.view(np.int32))
# arrays of at most this many elements take the root in Python floats (an optimizer's Linear(3, 1)
# weight and bias: 77 us -> ~15 us a call); 0 turns it off (the tests compare)
FEW_LANES = 8


def _sqrt32_few(x: np.ndarray):
    """``sqrt32`` of a few positive normal values in Python floats, the same arithmetic as
    ``rsqrt14`` and ``_corrected``: the estimate from the same table, ``s = x * y`` rounded once
    (exact in float64: 24 + 17 bits), the residual ``x - s * s`` exact in float64 and rounded
    once, and the fused correction screened as ``fused.fma32``'s few lanes are. None where the
    general path must decide: a value that is zero, negative, below 2**-64, not finite, or a
    correction whose float64 sum may have rounded twice."""
    flat = x.ravel()
    table = _significand_list()
    estimates = []
    for bits in flat.view(np.int32).tolist():
        if not _SMALL_BITS <= bits < _INF_BITS:
            return None
        exponent = (bits >> 23) - 127
        odd = exponent & 1
        mantissa = bits & 0x7FFFFF
        # x = y * 4**k, y in [1, 4): the table's estimate of y (an exact power of four: 1)
        estimate = table[(odd << 15) | (mantissa >> 8)] if mantissa | odd else 1.0
        estimates.append(math.ldexp(estimate, -((exponent - odd) >> 1)))
    values = flat.tolist()
    roots = array("f", map(mul, values, estimates))
    residuals = array("f", [v - s * s for v, s in zip(values, roots)])
    products = [r * (y * 0.5) for r, y in zip(residuals, estimates)]
    addends = roots.tolist()
    sums = list(map(add, products, addends))
    if not few_lanes.rounded_once(sums, products, addends):
        return None
    return np.frombuffer(array("f", sums), _F32).reshape(x.shape)


def sqrt32(x: np.ndarray) -> np.ndarray:
    """MKL's float32 square root (Intel, AVX-512) of a float32 array or scalar."""
    if np.ndim(x) == 0:
        return sqrt32(np.reshape(x, 1))[0]
    if 0 < x.size <= FEW_LANES and not fused.EXACT_EVERYWHERE:
        few = _sqrt32_few(x)
        if few is not None:
            return few
    if x.size and _SMALL <= x.min() and x.max() < _INF:
        # every value positive, normal and unscaled (an optimizer's running averages)
        v = np.ascontiguousarray(x)
        if STRAIGHT and not fused.EXACT_EVERYWHERE:
            root = _corrected_straight(v)
            if root is not None:
                return root
        return _corrected(v)
    result = np.sqrt(x)
    normal = (x > 0) & (x < _INF)
    if not normal.any():
        return result
    v = x[normal]
    small = v < _SMALL
    scaled = small.any()
    if scaled:
        v = np.where(small, (v.astype(np.float64) * 2.0 ** 64).astype(_F32), v)
    root = _corrected(v)
    if scaled:
        root = np.where(small, root * np.float32(2.0 ** -32), root)
    result[normal] = root
    return result


def _corrected(v: np.ndarray) -> np.ndarray:
    """The estimate's root, corrected once, of contiguous positive normal values."""
    y = rsqrt14(v)
    s = v * y
    half = y * np.float32(0.5)
    # x - s * s is exact in float64 (s * s has 48 bits and cancels against x): one rounding
    residual = fused.fma32_exact_in_float64(-s, s, v)
    return fused.fma32(residual, half, s)


# True: positive normal unscaled arrays take ``_corrected_straight`` (half the numpy calls of
# ``_corrected``: Adam's 16- to 48-element averages, ~60 -> ~30 us); False: always
# ``_corrected`` (the tests compare)
STRAIGHT = True
_INDEX_MASK = np.int32(0xFFFF)
_EXPONENT_STEP = np.int32(1 << 23)
_EXPONENT_BITS = np.int32(0x7F000000)
_ONE_BIT = np.int32(1)
_HALF64 = np.float64(0.5)
_F64 = np.dtype(np.float64)


@functools.cache
def _straight_table() -> np.ndarray:
    """The estimate's float32 bits by ``(bits >> 8) & 0xFFFF`` of x (the exponent's last bit and
    the mantissa's top 15: ``rsqrt14``'s index with the parity bit flipped, as the biased
    exponent 127 is odd), each plus ``64 << 23`` (the scaling below takes it off again)."""
    return np.roll(_estimate_bits(), 1 << 15) + np.int32(64 << 23)


def _corrected_straight(v: np.ndarray):
    """``_corrected`` of contiguous float32 values in [2**-64, inf) in fewer numpy calls, the
    same arithmetic: the estimate's bits from one table look-up less ``k << 23`` for
    ``x = y * 4**k``, y in [1, 4) (``k = ((bits + 2**23) >> 24) - 64``, the floor of half the
    unbiased exponent; the 64 is folded into the table), ``s = x * y`` rounded once, the residual
    ``x - s * s`` exact in float64 and rounded once, and the correction ``r * (y / 2) + s``
    (``r * y`` is exact in float64, as is halving it) rounded from its float64 sum, screened for a
    float32 midpoint (the only place two roundings can differ from one: a root of x >= 2**-64
    is far above float32's subnormals). None where that screening finds a midpoint, or x holds
    an exact power of four (whose estimate is exact, not the table's): ``_corrected`` decides."""
    bits = v.view(np.int32)
    exponents = np.bitwise_and(np.add(bits, _EXPONENT_STEP), _EXPONENT_BITS)
    estimate = _straight_table().take(np.bitwise_and(np.right_shift(bits, 8), _INDEX_MASK))
    # an exact power of four has a zero mantissa and an odd biased exponent: x + 2**23 then has
    # nothing below the exponent bits kept above (they are the top 8 bits of x's 31)
    if np.count_nonzero(np.equal(np.add(bits, _EXPONENT_STEP), exponents)):
        return None
    y = np.subtract(estimate, np.right_shift(exponents, 1), out=estimate).view(_F32)
    s = np.multiply(v, y)
    wide = np.multiply(s, s, dtype=_F64)
    residual = np.subtract(v, wide, out=wide).astype(_F32)
    wide = np.multiply(residual, y, dtype=_F64)
    np.multiply(wide, _HALF64, out=wide)
    np.add(wide, s, out=wide)
    if np.count_nonzero(fused.on_float32_midpoint(wide)):
        return None
    return wide.astype(_F32)
