"""SLEEF's double pow, exp2, expm1 and log1p as torch's Vectorized<double> calls them
(``Sleef_pow8_u10``, ``Sleef_exp28_u10``, ``Sleef_expm18_u10``, ``Sleef_log1p8_u10`` under
AVX512, the ``4`` versions under AVX2: the same algorithms, fused the same way).

Our numpy versions of the published algorithms (shibatch/sleef, ``src/libm/sleefsimddp.c``), the
double counterparts of ``sleef_single``: the same reductions with double-double arithmetic
(``double_float.DOUBLE``) and longer polynomials in Estrin's form, every multiply-add fused as
the FMA build fuses it (``vector_math.fma64``, emulated exactly).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.blocks import in_blocks
from gradrepl.engine.float_math.double_float import DOUBLE as dd
from gradrepl.engine.float_math.sleef import _L2L_64 as _L2L, _L2U_64 as _L2U, _R_LN2_64 as _R_LN2
from gradrepl.engine.vector_math import fma64 as fma

F64 = np.float64
_LN2 = dd.constant(0.693147180559945286226764, 2.319046813846299558417771e-17)
_FOUR_THIRDS = 1.0 / 0.75


# Estrin's scheme as SLEEF's POLYn macros nest it (src/libm/estrin.h); coefficients highest first
def _poly2(x, c1, c0):
    return fma(x, c1, c0)


def _poly3(x, x2, c2, c1, c0):
    return fma(x2, c2, _poly2(x, c1, c0))


def _poly4(x, x2, c3, c2, c1, c0):
    return fma(x2, _poly2(x, c3, c2), _poly2(x, c1, c0))


def _poly7(x, x2, x4, c):
    return fma(x4, _poly3(x, x2, *c[:3]), _poly4(x, x2, *c[3:]))


def _poly8(x, x2, x4, c):
    return fma(x4, _poly4(x, x2, *c[:4]), _poly4(x, x2, *c[4:]))


def _poly9(x, x2, x4, x8, c):
    return fma(x8, c[0], _poly8(x, x2, x4, c[1:]))


def _poly10(x, x2, x4, x8, c):
    return fma(x8, _poly2(x, *c[:2]), _poly8(x, x2, x4, c[2:]))


def _ldexp2(u, q):
    """u * 2**q in two power-of-two multiplies (vldexp2)."""
    half = q >> 1
    return (u * np.ldexp(1.0, half)) * np.ldexp(1.0, q - half)


def _integer(q, limit=1 << 20):
    return np.nan_to_num(q, nan=0, posinf=0, neginf=0).clip(-limit, limit).astype(np.int64)


def _exponent(x):
    """floor(log2(x)) for positive finite x (vgetexp)."""
    return np.frexp(x)[1] - 1


def _mantissa(x):
    """x scaled by a power of two into [3/4, 3/2) (vgetmant's p75_1p5 interval)."""
    fraction = np.frexp(x)[0] * 2.0
    return np.where(fraction >= 1.5, fraction * 0.5, fraction)


# ---------------------------------------------------------------------------------------------
# exp2 and expm1

_EXP2_POLY = (+0.4434359082926529454e-9, +0.7073164598085707425e-8, +0.1017819260921760451e-6,
              +0.1321543872511327615e-5, +0.1525273353517584730e-4, +0.1540353045101147808e-3,
              +0.1333355814670499073e-2, +0.9618129107597600536e-2, +0.5550410866482046596e-1,
              +0.2402265069591012214e+0)


@in_blocks
def exp2(d) -> np.ndarray:
    """Sleef_exp2_u10: 2**rint(d) times a degree-12 polynomial in the rest, fused to its end."""
    d = np.asarray(d, F64)
    with np.errstate(all="ignore"):
        u = np.rint(d)
        s = d - u
        s2 = s * s
        s4 = s2 * s2
        p = _poly10(s, s2, s4, s4 * s4, _EXP2_POLY)
        p = fma(fma(p, s, +0.6931471805599452862e+0), s, 1.0)
        p = _ldexp2(p, _integer(u, 1 << 12))
    p = np.where(d >= 1024, np.inf, p)
    return np.where(d < -2000, 0.0, p)


_EXPK2_POLY = (+0.1602472219709932072e-9, +0.2092255183563157007e-8, +0.2505230023782644465e-7,
               +0.2755724800902135303e-6, +0.2755731892386044373e-5, +0.2480158735605815065e-4,
               +0.1984126984148071858e-3, +0.1388888888886763255e-2, +0.8333333333333347095e-2,
               +0.4166666666666669905e-1)


def _expk2(d):
    """e**d for a double-double d, as a double-double (SLEEF's expk2)."""
    q = np.rint((d[0] + d[1]) * _R_LN2)
    s = dd.add2_pf(d, q * -_L2U)
    s = dd.add2_pf(s, q * -_L2L)
    s2 = dd.square(s)
    s4 = dd.square(s2)
    u = _poly10(s[0], s2[0], s4[0], s4[0] * s4[0], _EXPK2_POLY)
    t = dd.add_fp(0.5, dd.mul_pf(s, +0.1666666666666666574e+0))
    t = dd.add_fp(1.0, dd.mul_pp(t, s))
    t = dd.add_fp(1.0, dd.mul_pp(t, s))
    t = dd.add_pp(t, dd.mul_pf(s4, u))
    qi = _integer(q, 1 << 12)
    underflow = d[0] < -1000
    return (np.where(underflow, 0.0, _ldexp2(t[0], qi)),
            np.where(underflow, 0.0, _ldexp2(t[1], qi)))


@in_blocks
def expm1(a) -> np.ndarray:
    """Sleef_expm1_u10: a double-double e**a minus one, added up once."""
    a = np.asarray(a, F64)
    with np.errstate(all="ignore"):
        x = dd.value(dd.add2_pf(_expk2(dd.pair(a)), -1.0))
    x = np.where(a > 709.782712893383996732223, np.inf, x)
    x = np.where(a < -36.736800569677101399113302437, -1.0, x)
    return np.where((a == 0) & np.signbit(a), -0.0, x)


# ---------------------------------------------------------------------------------------------
# log1p

_LOG1P_POLY = (0.1532076988502701353e+0, 0.1525629051003428716e+0, 0.1818605932937785996e+0,
               0.2222214519839380009e+0, 0.2857142932794299317e+0, 0.3999999999635251990e+0,
               0.6666666666667333541e+0)


@in_blocks
def log1p(d) -> np.ndarray:
    """Sleef_log1p_u10: as ``sleef_single.log1pf``, in double with a degree-7 polynomial in x**2."""
    d = np.asarray(d, F64)
    with np.errstate(all="ignore"):
        grown = (d + 1.0) * _FOUR_THIRDS
        usable = np.isfinite(grown) & (grown > 0)
        e = np.where(usable, _exponent(np.where(usable, grown, 1.0)), 0)
        e = np.where(np.isposinf(grown), 1024, e)
        t = np.ldexp(1.0, -e)  # exactly, as torch's build gives it (see sleef_single.log1pf)
        # scaled so that fma64's exact product does not overflow; the fused result is the same
        big = d > 1e200
        m = fma(np.where(big, d * 2.0 ** -600, d), np.where(big, t * 2.0 ** 600, t), t - 1.0)
        s = dd.mul_pf(_LN2, e.astype(F64))
        x = dd.divide(dd.pair(m), dd.add_ff(2.0, m))
        x2 = x[0] * x[0]
        x4 = x2 * x2
        t = _poly7(x2, x4, x4 * x4, _LOG1P_POLY)
        s = dd.add_pp(s, dd.scale(x, 2.0))
        r = dd.value(dd.add_pf(s, (x2 * x[0]) * t))
    r = np.where(np.isposinf(d), np.inf, r)
    r = np.where((d < -1) | np.isnan(d), np.nan, r)
    r = np.where(d == -1, -np.inf, r)
    return np.where((d == 0) & np.signbit(d), -0.0, r)


# ---------------------------------------------------------------------------------------------
# pow: expk(logk(|x|) * y)

_LOGK_POLY = (0.116255524079935043668677, 0.103239680901072952701192, 0.117754809412463995466069,
              0.13332981086846273921509, 0.153846227114512262845736, 0.181818180850050775676507,
              0.222222222230083560345903, 0.285714285714249172087875, 0.400000000000000077715612)
_LOGK_C = dd.constant(0.666666666666666629659233, 3.80554962542412056336616e-17)
_EXPK_POLY = (2.51069683420950419527139e-08, 2.76286166770270649116855e-07,
              2.75572496725023574143864e-06, 2.48014973989819794114153e-05,
              0.000198412698809069797676111, 0.0013888888939977128960529,
              0.00833333333332371417601081, 0.0416666666665409524128449,
              0.166666666666666740681535, 0.500000000000000999200722)


def _logk(d):
    """log(d) for positive d as a double-double (SLEEF's logk): d = 2**e * m, m in [3/4, 3/2)."""
    grown = d * _FOUR_THIRDS
    finite = np.isfinite(grown) & (grown > 0)
    e = np.where(finite, _exponent(np.where(finite, grown, 1.0)), 0)
    e = np.where(np.isposinf(grown), 1024, e).astype(F64)
    m = _mantissa(d)
    x = dd.divide(dd.add2_ff(-1.0, m), dd.add2_ff(1.0, m))
    x2 = dd.square(x)
    x4 = x2[0] * x2[0]
    x8 = x4 * x4
    t = _poly9(x2[0], x4, x8, x8 * x8, _LOGK_POLY)
    s = dd.mul_pf(_LN2, e)
    s = dd.add_pp(s, dd.scale(x, 2.0))
    x = dd.mul_pp(x2, x)
    s = dd.add_pp(s, dd.mul_pp(x, _LOGK_C))
    x = dd.mul_pp(x2, x)
    return dd.add_pp(s, dd.mul_pf(x, t))


def _expk(d):
    """e**d for a double-double d, rounded to double (SLEEF's expk)."""
    q = np.rint((d[0] + d[1]) * _R_LN2)
    s = dd.add2_pf(d, q * -_L2U)
    s = dd.add2_pf(s, q * -_L2L)
    s = dd.normalize(s)
    s2 = s[0] * s[0]
    s4 = s2 * s2
    u = _poly10(s[0], s2, s4, s4 * s4, _EXPK_POLY)
    t = dd.add_fp(1.0, s)
    t = dd.add_pp(t, dd.mul_pf(dd.square(s), u))
    u = _ldexp2(dd.value(t), _integer(q, 1 << 12))
    return np.where(d[0] < -1000, 0.0, u)


@in_blocks
def pow(x, y) -> np.ndarray:  # noqa: A001 - SLEEF's name
    """Sleef_pow_u10 with its special cases, as SLEEF orders them."""
    x, y = np.broadcast_arrays(np.asarray(x, F64), np.asarray(y, F64))
    with np.errstate(all="ignore"):
        y_int = np.trunc(y) == y
        half = y * 0.5
        y_odd = y_int & (np.trunc(half) != half)
        d = dd.mul_pf(_logk(np.abs(x)), y)
        result = _expk(d)
        result = np.where(d[0] > 709.78271114955742909217217426, np.inf, result)
        sign = np.where(x > 0, 1.0, np.where(y_int, np.where(y_odd, -1.0, 1.0), np.nan))
        result = result * sign
        efx = np.where(np.signbit(y), 1.0 - np.abs(x), np.abs(x) - 1.0)  # vmulsign
        at_inf_y = np.where(efx < 0, 0.0, np.where(efx == 0, 1.0, np.inf))
        result = np.where(np.isinf(y), at_inf_y, result)
        edge = np.where(np.signbit(y) ^ (x == 0), 0.0, np.inf)
        edge = np.copysign(edge, np.where(y_odd, x, 1.0))
        result = np.where(np.isinf(x) | (x == 0), edge, result)
        result = np.where(np.isnan(x) | np.isnan(y), np.nan, result)
        return np.where((y == 0) | (x == 1), 1.0, result)


# ---------------------------------------------------------------------------------------------
# log (Sleef_log_u10: what Vectorized<double>::log calls, e.g. in log_softmax)

@in_blocks
def log(d) -> np.ndarray:
    """Sleef_log_u10: d = 2**e * m, log m = 2 atanh((m - 1) / (m + 1)) in double-double."""
    d = np.asarray(d, F64)
    with np.errstate(all="ignore"):
        positive = np.isfinite(d) & (d > 0)
        safe = np.where(positive, d, 1.0)
        e = _exponent(safe * _FOUR_THIRDS).astype(F64)
        m = _mantissa(safe)
        s = dd.mul_pf(_LN2, e)
        x = dd.divide(dd.add2_ff(-1.0, m), dd.add2_ff(1.0, m))
        x2 = x[0] * x[0]
        x4 = x2 * x2
        t = _poly7(x2, x4, x4 * x4, _LOG1P_POLY)  # the same coefficients as log1p's
        s = dd.add_pp(s, dd.scale(x, 2.0))
        r = dd.value(dd.add_pf(s, (x2 * x[0]) * t))
    r = np.where(np.isposinf(d), np.inf, r)
    r = np.where((d < 0) | np.isnan(d), np.nan, r)
    return np.where(d == 0, -np.inf, r)
