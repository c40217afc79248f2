"""SLEEF's float32 pow, exp2, expm1 and log1p as torch's Vectorized<float> calls them
(``Sleef_powf16_u10``, ``Sleef_exp2f16_u10``, ``Sleef_expm1f16_u10``, ``Sleef_log1pf16_u10``
under AVX512, the ``f8`` versions under AVX2: the same algorithms, fused the same way).

Our numpy versions of the published algorithms (shibatch/sleef, ``src/libm/sleefsimdsp.c``):
pow is exp(y * log|x|) with both halves carried in double-float (``double_float``); expm1 is a
double-float exp minus one; log1p reduces 1 + x by its exponent without forming 1 + x exactly.
Every multiply-add SLEEF fuses goes through ``fused.fma32``, emulated exactly; large inputs
run in blocks (``blocks.in_blocks``).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import cpu_capability
from gradrepl.engine.float_math.blocks import give_back_work, in_blocks, take_work
from gradrepl.engine.float_math.double_float import SINGLE as df
from gradrepl.engine.float_math.sleef import _at_least, _at_most, _ldexp2
from gradrepl.engine.float_math import fused
from gradrepl.engine.float_math.fused import deferred_checks, fma32 as fma

F32 = np.float32
_R_LN2 = F32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2U, _L2L = F32(0.693145751953125), F32(1.428606765330187045e-06)
_LN2 = df.constant(0.69314718246459960938, -1.904654323148236017e-09)
_FOUR_THIRDS = F32(1.0) / F32(0.75)


def _horner(x, coefficients):
    u = fma(F32(coefficients[0]), x, F32(coefficients[1]))
    for c in coefficients[2:]:
        u = fma(u, x, F32(c))
    return u


def _exponent(x):
    """floor(log2(x)) for positive finite x (vgetexp; vilogb2k agrees on normal numbers)."""
    return (np.frexp(x)[1] - 1).astype(np.int32)


def _mantissa(x):
    """x scaled by a power of two into [3/4, 3/2) (vgetmant's p75_1p5 interval)."""
    fraction = np.frexp(x)[0].astype(F32) * F32(2)
    return np.where(fraction >= F32(1.5), fraction * F32(0.5), fraction)


def _power_of_two(e):
    """2**e for integer e, built in the exponent bits (vpow2i / vldexp3 of 1)."""
    return ((np.asarray(e, np.int32) + 127) << 23).view(F32)


def _ldexp(x, q):
    """x * 2**q as SLEEF's vldexp does it: up to four multiplies by a clamped power of two, then
    one by the rest, so results past the float range saturate or flush as the hardware does."""
    q = np.asarray(q, np.int32)
    m = q >> 31
    m = (((m + q) >> 6) - m) << 4
    q = q - (m << 2)
    m = np.clip(m + 127, 0, 255)
    u = (m << 23).view(F32)
    x = x * u * u * u * u
    return x * _power_of_two(q)


# ---------------------------------------------------------------------------------------------
# exp2f and expm1f

_EXP2_POLY = (0.1535920892e-3, 0.1339262701e-2, 0.9618384764e-2, 0.5550347269e-1,
              0.2402264476e+0, 0.6931471825e+0)


@in_blocks
@deferred_checks
def exp2f(d) -> np.ndarray:
    """Sleef_exp2f_u10: 2**d = 2**rint(d) * 2**s, |s| <= 1/2, by a polynomial fused to its end."""
    d = np.asarray(d, F32)
    u = np.rint(d)
    q = np.nan_to_num(u, nan=0, posinf=0, neginf=0).clip(-1 << 30, 1 << 30).astype(np.int32)
    s = d - u
    u = fma(_horner(s, _EXP2_POLY), s, F32(1))
    u = _ldexp2(u, q)
    u = np.where(d >= F32(128), F32(np.inf), u)
    return np.where(d < F32(-150), F32(0), u)


_EXPK2_POLY = (+0.1980960224e-3, +0.1394256484e-2, +0.8333456703e-2, +0.4166637361e-1)


def _expk2(d):
    """e**d for a double-float d, as a double-float (SLEEF's expk2f)."""
    q = np.rint((d[0] + d[1]) * _R_LN2)
    qi = np.nan_to_num(q, nan=0).clip(-1 << 30, 1 << 30).astype(np.int32)
    s = df.add2_pf(d, q * -_L2U)
    s = df.add2_pf(s, q * -_L2L)
    u = _horner(s[0], _EXPK2_POLY)
    t = df.add2_pf(df.mul_pf(s, u), F32(0.166666659414234244790680580464))
    t = df.add2_pf(df.mul_pp(s, t), F32(0.5))
    t = df.add2_pp(s, df.mul_pp(df.square(s), t))
    t = df.add_fp(F32(1), t)
    underflow = d[0] < F32(-104)
    return (np.where(underflow, F32(0), _ldexp2(t[0], qi)),
            np.where(underflow, F32(0), _ldexp2(t[1], qi)))


@in_blocks
@deferred_checks
def expm1f(a) -> np.ndarray:
    """Sleef_expm1f_u10: a double-float e**a minus one, added up once."""
    a = np.asarray(a, F32)
    x = df.value(df.add2_pf(_expk2(df.pair(a)), F32(-1)))
    x = np.where(a > F32(88.72283172607421875), F32(np.inf), x)
    x = np.where(a < F32(-16.635532333438687426013570), F32(-1), x)
    return np.where((a == 0) & np.signbit(a), F32(-0.0), x)


# ---------------------------------------------------------------------------------------------
# log1pf

_LOG1P_POLY = (+0.3027294874e+0, +0.3996108174e+0, +0.6666694880e+0)


_ALL_ONES_NAN = np.array(0xFFFFFFFF, np.uint32).view(F32)[()]  # -NaN, every payload bit set


@in_blocks
@deferred_checks
def log1pf(d) -> np.ndarray:
    """Sleef_log1pf_u10: 1 + d = 2**e * (1 + m) with m = d * 2**-e + (2**-e - 1) fused, so
    the rounding of 1 + d never enters; log(1 + m) = 2 atanh(m / (2 + m)) by a polynomial."""
    d = np.asarray(d, F32)
    with np.errstate(all="ignore"):
        dp1 = d + F32(1)
        grown = dp1 * _FOUR_THIRDS
        usable = np.isfinite(grown) & (grown > 0)
        e = np.where(usable, _exponent(np.where(usable, grown, F32(1))), 0)
        e = np.where(np.isposinf(grown), 128, e)
        # 2**-e exactly, even below the normal range: torch's SLEEF gives log1p of 1e38 and up
        # in full (the published vldexp3 would flush 2**-127 to zero there)
        t = np.ldexp(F32(1), -e).astype(F32)
        m = fma(d, t, t - F32(1))
        s = df.mul_pf(_LN2, e.astype(F32))
        x = df.divide(df.pair(m), df.add_ff(F32(2), m))
        x2 = x[0] * x[0]
        t = _horner(x2, _LOG1P_POLY)
        s = df.add_pp(s, df.scale(x, F32(2)))
        s = df.add_pf(s, (x2 * x[0]) * t)
        r = df.value(s)
    r = np.where(np.isposinf(d), F32(np.inf), r)
    r = np.where(d < F32(-1), _ALL_ONES_NAN, r)  # SLEEF ors in the comparison's mask
    r = np.where(d == F32(-1), F32(-np.inf), r)
    if cpu_capability.capability() == cpu_capability.AVX2:
        # the AVX2 build (Sleef_log1pf8_u10avx2) answers every NaN with +NaN, 0x7fc00000, sign
        # and payload dropped; the AVX512 one passes the NaN through (docs/floats.md, "CPU vendor")
        r = np.where(np.isnan(d), F32(np.nan), r)
    return np.where((d == 0) & np.signbit(d), F32(-0.0), r)


# ---------------------------------------------------------------------------------------------
# powf: expkf(logkf(|x|) * y)

_LOGK_POLY = (0.240320354700088500976562, 0.285112679004669189453125, 0.400007992982864379882812)
_LOGK_C = df.constant(0.66666662693023681640625, 3.69183861259614332084311e-09)
_EXPK_POLY = (0.00136324646882712841033936, 0.00836596917361021041870117,
              0.0416710823774337768554688, 0.166665524244308471679688, 0.499999850988388061523438)


def _logk(d):
    """log(d) for positive d as a double-float (SLEEF's logkf): d = 2**e * m, m in [3/4, 3/2)."""
    grown = d * _FOUR_THIRDS
    finite = np.isfinite(grown) & (grown > 0)
    e = np.where(finite, _exponent(np.where(finite, grown, F32(1))), 0)
    e = np.where(np.isposinf(grown), 128, e)
    m = _mantissa(d)
    x = df.divide_by_one_plus(df.add2_ff(F32(-1), m), df.add2_ff(F32(1), m))
    x2 = df.square(x)
    t = _horner(x2[0], _LOGK_POLY)
    s = df.mul_pf(_LN2, e.astype(F32))
    s = df.add_pp(s, df.scale(x, F32(2)))
    return df.add_pp(s, df.mul_pp(df.mul_pp(x2, x), df.add2_pp(df.mul_pf(x2, t), _LOGK_C)))


def _expk(d):
    """e**d for a double-float d, rounded to float (SLEEF's expkf)."""
    q = np.rint((d[0] + d[1]) * _R_LN2)
    qi = np.nan_to_num(q, nan=0).clip(-1 << 20, 1 << 20).astype(np.int32)
    s = df.add2_pf(d, q * -_L2U)
    s = df.add2_pf(s, q * -_L2L)
    s = df.normalize(s)
    u = _horner(s[0], _EXPK_POLY)
    t = df.add_pp(s, df.mul_pf(df.square(s), u))
    u = _ldexp(df.value(df.add_fp(F32(1), t)), qi)
    return np.where(d[0] < F32(-104), F32(0), u)


@in_blocks
@deferred_checks
def powf(x, y) -> np.ndarray:
    """Sleef_powf_u10 with its special cases (negative bases with integral exponents, zeros,
    infinities, NaN) as SLEEF orders them."""
    x, y = np.broadcast_arrays(np.asarray(x, F32), np.asarray(y, F32))
    with np.errstate(all="ignore"):
        big = np.abs(y) > F32(1 << 24)
        y_int = (np.trunc(y) == y) | big
        y_odd = y_int & ~big & (np.fmod(np.trunc(y), 2) != 0)
        result = _expk(df.mul_pf(_logk(np.abs(x)), y))
        result = np.where(np.isnan(result), F32(np.inf), result)
        sign = np.where(x > 0, F32(1), np.where(y_int, np.where(y_odd, F32(-1), F32(1)), F32(np.nan)))
        result = result * sign
        efx = np.where(np.signbit(y), F32(1) - np.abs(x), np.abs(x) - F32(1))  # vmulsign
        at_inf_y = np.where(efx < 0, F32(0), np.where(efx == 0, F32(1), F32(np.inf)))
        result = np.where(np.isinf(y), at_inf_y, result)
        edge = np.where(np.signbit(y) ^ (x == 0), F32(0), F32(np.inf))
        edge = np.copysign(edge, np.where(y_odd, x, F32(1)))  # vmulsign: the sign of x if y is odd
        result = np.where(np.isinf(x) | (x == 0), edge, result)
        result = np.where(np.isnan(x) | np.isnan(y), F32(np.nan), result)
        return np.where((y == 0) | (x == 1), F32(1), result)


# ---------------------------------------------------------------------------------------------
# logf (Sleef_logf_u10: what Vectorized<float>::log calls, e.g. in log_softmax)

@in_blocks
def logf(d) -> np.ndarray:
    """Sleef_logf_u10: d = 2**e * m, log m = 2 atanh((m - 1) / (m + 1)) in double-float."""
    d = np.asarray(d, F32)
    if LEAN and d.ndim and 0 < d.size <= _LEAN_SIZE and fused.DEFERRED \
            and not fused.EXACT_EVERYWHERE and _at_least(d, _LEAN_LOW) \
            and _at_most(d, _LEAN_HIGH):
        result = _logf_ordinary_in_float64(d)
        if result is not None:
            return result
    return _logf_fused_steps(d)


def logf_of_row_sums(d) -> np.ndarray:
    """``logf(d)`` for log_softmax's row sums of ``expf_of_nonpositive``: each row has a lane of
    exp(0) = 1 and every lane is in [0, 1.42] (u 2**q with q <= 0), so a sum is in [1, 1.42 n],
    below 2**100 for any row of the ordinary path's size; only a nan (or a row whose exps were
    not made so) fails the lower bound, which stays the one check."""
    if LEAN and 0 < d.size <= _LEAN_SIZE and d.ndim and fused.DEFERRED \
            and not fused.EXACT_EVERYWHERE and _at_least(d, _LEAN_LOW):
        result = _logf_ordinary_in_float64(d)
        return _logf_fused_steps(d) if result is None else result
    return logf(d)


@deferred_checks
def _logf_fused_steps(d):
    positive = np.isfinite(d) & (d > 0)
    with np.errstate(all="ignore"):
        if positive.all():  # log_softmax's sums: no zero, negative, inf or nan to replace
            return np.asarray(_logf_of_positive(d))
        r = _logf_of_positive(np.where(positive, d, F32(1)))
    return _log_specials(d, r)


def _logf_of_positive(d):
    e = _exponent(d * _FOUR_THIRDS).astype(F32)
    m = _mantissa(d)
    s = df.mul_pf(_LN2, e)
    x = df.divide_by_one_plus(df.add2_ff(F32(-1), m), df.add2_ff(F32(1), m))
    x2 = x[0] * x[0]
    t = _horner(x2, _LOG1P_POLY)  # the same three coefficients as log1pf's
    s = df.add_pp(s, df.scale(x, F32(2)))
    return df.value(df.add_pf(s, (x2 * x[0]) * t))


# logf of positive normal d in [2**-100, 2**100] (log_softmax's row sums among them) in float64
LEAN = True  # the tests compare this path with the fused steps above
_LEAN_SIZE = 16384  # elements (one of in_blocks' blocks): bounds the float64 work arrays
_LEAN_LOW, _LEAN_HIGH = np.array(2.0 ** -100, F32), np.array(2.0 ** 100, F32)  # 0-d: operands
_LOG1P_64 = tuple(np.array(F32(c), np.float64) for c in _LOG1P_POLY)


# True: the screening of the three float64 sums looks for float32 midpoints only, because
# none of them can be nonzero below float32's normal range (2**-126). x2 = x_hi**2 <= 0.04
# (|x| <= 1/5 for m in [3/4, 3/2)), so the polynomial's sums are near its constants (0.40 and
# 0.67). x_lo's sum x_hi r + (t n - x_hi) is 0 where m = 1 (n = x_hi = 0) and otherwise a
# multiple of 2**-97: n = m - 1 and t (a float32 in [1/4, 1)) are multiples of 2**-24 and
# 2**-25, so t n and x_hi (|x_hi| >= 2**-26) are multiples of 2**-49; the residual 1 - (1 + m) t
# is a multiple of ulp(1 + m) ulp(t) = 2**-48, and so is its float32 rounding r; the float64
# sum of multiples of 2**-97 is one too (or 0). False: the full test
# (``fused.bits_may_have_rounded_twice``); the tests compare both.
ONLY_MIDPOINTS = True


def _ln2_times_exponents():
    """``mul_pf(LN2, e)`` for every biased float32 exponent (e = 0 .. 255 less 127), by the
    fused steps: a table ``_logf_ordinary_in_float64`` reads s = LN2 * e from (e takes ~200
    values; its fused step and the float32 product's error are then not made per call)."""
    global _LN2_TABLE
    e = np.arange(-127, 129, dtype=F32)
    # screened step by step here, not by a deferred kernel that may be running (log_softmax's):
    # its screening could redo its own work, but not this table
    pending, fused._pending.steps = getattr(fused._pending, "steps", None), None
    try:
        table = tuple(np.ascontiguousarray(part, F32) for part in df.mul_pf(_LN2, e))
    finally:
        fused._pending.steps = pending
    _LN2_TABLE = table
    return table


_LN2_TABLE = None  # made at first use


def _logf_ordinary_in_float64(d):
    """``_logf_of_positive`` with fewer numpy calls, each step the same number: its fused
    steps' float64 sums kept in one array and screened once (None if one may have rounded
    twice and was not exact: the caller then takes the fused steps), and these steps shortened
    by what d's range gives (tests/engine/test_mlp_step_paths.py compares both paths):

    - d * 4/3 is a normal float32, so its exponent is its exponent bits less 127, and
      d / 2**e is the mantissa ``_mantissa`` finds (both scale a float32 exactly);
    - s = mul_pf(LN2, e) depends on e alone: read from a table made by the fused steps;
    - m in [3/4, 3/2), so m - 1 is exact (Sterbenz) and add2_ff(-1, m)'s low part is +0;
      the divide's fma(+0, t, u) is then u (u, an exact product error, is never -0);
    - ``divide_by_one_plus``'s two exact residual steps sum to 1 - (1 + m) * t exactly
      (d0 + d1 = 1 + m), which float64 also holds exactly: one rounding to float32;
    - the float32 products' errors are exact in float64 (24 + 24 bits), so they are kept there
      as the fused steps' addends without a round trip through float32.
    """
    biased = (d * _FOUR_THIRDS).view(np.int32) >> 23
    m = np.ldexp(d, np.subtract(127, biased))
    s_hi, s_lo = _LN2_TABLE or _ln2_times_exponents()
    s_hi, s_lo = s_hi.take(biased), s_lo.take(biased)
    # the steps' products and sums, and their rows, kept between calls (blocks.take_work)
    work = take_work(3, d.shape)
    products, sums, (p0, p1, p2), (s0, s1, s2), screened = work[:5]
    # x = divide_by_one_plus(add2_ff(-1, m), add2_ff(1, m))
    n = F32(-1) + m
    t = F32(1) / (F32(1) + m)
    x_hi = n * t
    t64 = t.astype(np.float64)
    x_hi64 = x_hi.astype(np.float64)
    quotient_error = np.multiply(t64, n.astype(np.float64))
    quotient_error -= x_hi64
    residual = m.astype(np.float64)
    residual += 1.0
    residual *= t64
    np.subtract(1.0, residual, out=residual)
    np.multiply(x_hi64, residual.astype(F32).astype(np.float64), p0)
    np.add(p0, quotient_error, s0)
    x_lo = s0.astype(F32)
    # the polynomial in x2 = x_hi**2, then the double-float sums as _logf_of_positive makes them
    x2 = x_hi * x_hi
    x2_64 = x2.astype(np.float64)
    np.multiply(x2_64, _LOG1P_64[0], p1)
    np.add(p1, _LOG1P_64[1], s1)
    np.multiply(s1.astype(F32).astype(np.float64), x2_64, p2)
    np.add(p2, _LOG1P_64[2], s2)
    if (fused.bits_on_midpoints if ONLY_MIDPOINTS else fused.bits_may_have_rounded_twice)(
            screened):
        addends = np.empty_like(sums)
        addends[0], addends[1], addends[2] = (quotient_error, *_LOG1P_64[1:])
        if not fused.sums_rounded_once(products, addends, sums):
            give_back_work(work)
            return None
    polynomial = s2.astype(F32)
    give_back_work(work)
    s = df.add_pp((s_hi, s_lo), df.scale((x_hi, x_lo), F32(2)))
    return df.value(df.add_pf(s, (x2 * x_hi) * polynomial))


def _log_parts(d):
    """d = 2**e * m for logf, log2f and log10f: e as float, m in [3/4, 3/2), and
    x = (m - 1) / (m + 1) as a double-float with its square's high part."""
    positive = np.isfinite(d) & (d > 0)
    safe = np.where(positive, d, F32(1))
    e = _exponent(safe * _FOUR_THIRDS).astype(F32)
    m = _mantissa(safe)
    x = df.divide_by_one_plus(df.add2_ff(F32(-1), m), df.add2_ff(F32(1), m))
    return e, x, x[0] * x[0]


def _log_specials(d, r):
    r = np.where(np.isposinf(d), F32(np.inf), r)
    r = np.where((d < 0) | np.isnan(d), F32(np.nan), r)
    return np.where(d == 0, F32(-np.inf), r)


_LOG2_POLY = (+0.4374550283e+0, +0.5764790177e+0, +0.9618012905120)
_LOG2_C = df.constant(2.8853900432586669922, 3.2734474483568488616e-08)
_LOG10_POLY = (+0.1314289868e+0, +0.1735493541e+0, +0.2895309627e+0)
_LOG10_2 = df.constant(0.30103001, -1.432098889e-08)
_LOG10_C = df.constant(0.868588984, -2.170757285e-08)


@in_blocks
@deferred_checks
def log2f(d) -> np.ndarray:
    """Sleef_log2f_u10 (what float16 log2 rounds)."""
    d = np.asarray(d, F32)
    with np.errstate(all="ignore"):
        e, x, x2 = _log_parts(d)
        s = df.add2_fp(e, df.mul_pp(x, _LOG2_C))
        r = df.value(df.add2_pf(s, (x2 * x[0]) * _horner(x2, _LOG2_POLY)))
    return _log_specials(d, r)


@in_blocks
@deferred_checks
def log10f(d) -> np.ndarray:
    """Sleef_log10f_u10 (what float16 log10 rounds)."""
    d = np.asarray(d, F32)
    with np.errstate(all="ignore"):
        e, x, x2 = _log_parts(d)
        s = df.add_pp(df.mul_pf(_LOG10_2, e), df.mul_pp(x, _LOG10_C))
        r = df.value(df.add_pf(s, (x2 * x[0]) * _horner(x2, _LOG10_POLY)))
    return _log_specials(d, r)
