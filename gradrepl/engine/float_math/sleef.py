"""SLEEF's vectorised float32 functions as torch's Vectorized<float> calls them, bit for bit.

torch evaluates whole vectors of an elementwise op with SLEEF (``Sleef_expf8_u10`` under AVX2,
``Sleef_expf16_u10`` under AVX512: the same algorithm and the same bits). These are our own numpy
versions of SLEEF's published algorithms (shibatch/sleef, ``src/libm/sleefsimdsp.c``), with each
multiply-add fused as the FMA build fuses it (``fused.fma32``: emulated exactly in float64).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.blocks import give_back_work, in_blocks, take_work
from gradrepl.engine.float_math import fused
from gradrepl.engine.float_math.fused import deferred_checks, fma32 as fma
from gradrepl.engine.vector_math import fma64

_F32 = np.float32
_R_LN2 = _F32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2U, _L2L = _F32(0.693145751953125), _F32(1.428606765330187045e-06)
_EXP_POLY = [_F32(c) for c in (
    0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
    0.0416664853692054748535156, 0.166666671633720397949219, 0.5)]


def _ldexp2(u: np.ndarray, q: np.ndarray) -> np.ndarray:
    """u * 2**q as SLEEF's vldexp2 does it: two power-of-two factors, so a result near the
    bottom of the range is rounded the way its two multiplies round it."""
    half = q >> 1
    return (u * np.ldexp(_F32(1), half)) * np.ldexp(_F32(1), q - half)


# expf's ordinary path: for d in [-86, 88], q = rint(d / ln 2) is in [-124, 127], so
# - q * L2U is exact in float32 (L2U has 16 significant bits, q at most 8), and the fused
#   d - q * L2U rounds that exact product plus d once: plain float32 arithmetic does the same;
# - u (about e**s, |s| <= ln 2 / 2) lies in [0.7, 1.42], so u * 2**q is a normal float and both
#   of vldexp2's multiplies are exact: one multiply by 2**q gives the same number;
# - nothing needs flushing to 0 or sending to inf.
# tests/engine/test_float_math_deferred.py compares it with the general path.

LEAN = True  # expf's ordinary path through _expf_ordinary_in_float64 (the tests compare both)
_LEAN_SIZE = 16384  # elements (one of in_blocks' blocks): bounds the (7, n) float64 sums
_POLY64 = [np.array(c, np.float64) for c in _EXP_POLY]  # 0-d: cheaper ufunc operands than scalars
_MINUS_L2L64 = np.array(-_L2L, np.float64)
_MINUS_L2U = -_L2U
# -(L2U + L2L) in float64, exactly: L2U is a multiple of 2**-15 below 1, L2L one of 2**-43
# below 2**-19, so their sum is a multiple of 2**-43 below 1 (43 bits). Then for the ordinary
# path's integral |q| <= 127, q (L2U + L2L) is a multiple of 2**-43 below 2**7 (50 bits, exact),
# and d - q (L2U + L2L) is exact too: for q = 0 it is d; otherwise it is a multiple of 2**-43
# (d, with |d| >= ln 2 / 2, is one of 2**-25) of magnitude below 1/2 (42 bits). That is the
# exact value of SLEEF's two reduction steps before the second one's rounding (the first,
# d - q L2U, is exact in float32: the comment above), so one rounding of it to float32 is s.
# (Signed zeros: q = +-0 gives q (-(L2U + L2L)) = -+0 and d + that = +0 for d = +-0, as the
# two float32 steps give.)
_MINUS_LN2_SPLIT64 = np.array(-(float(_L2U) + float(_L2L)), np.float64)
assert float(_MINUS_LN2_SPLIT64) == -(float(_L2U) + float(_L2L)) \
    and (float(_L2U) + float(_L2L)) - float(_L2U) == float(_L2L)  # the sum is exact
# True: the screening of u5's and the last step's float64 sums looks for float32 midpoints
# only. u5 = u4 s + 1/2 lies in [0.43, 0.57] (|u4 s| <= 0.183 * 0.3466). The last sum,
# s*s u5 + s with |s u5| < 0.2, is below 2**-126 in magnitude only where |s| < 2**-125; there
# the float32 s*s underflows to 0 (its exact value is below 2**-250), so the sum is s itself,
# a float32: rounding it to float32 is exact, whatever its range (and a zero sum is exact).
# So no sum that may round twice is missed by skipping the below-normal-range test.
# False: the full test (``fused.bits_may_have_rounded_twice``); the tests compare both.
ONLY_MIDPOINTS = True
# the ufuncs' reductions themselves: ndarray.min() and max() add a Python layer (numpy's
# _methods) that costs about what the reduction does on a few hundred elements; nan propagates
# the same way
_lowest, _highest = np.minimum.reduce, np.maximum.reduce


# u1..u4, the polynomial's first four fused steps (u1 = c0 s + c1, u_k = u_(k-1) s + c_k), each
# lie in one binade [2**e, 2**(e+1)] for every |s| <= 0.35 (the ordinary path's |s| is at most
# ln 2 / 2 (1 + 2**-15) < 0.3466: |d R_LN2 - q| <= 1/2 plus R_LN2's and the product's roundings,
# 127 * 2**-23 at most). By intervals, with each step's rounding (2**-24 relative) on top:
# u1 in c1 +- 0.35 c0 = [1.32e-3, 1.47e-3] in [2**-10, 2**-9]; u2 in c2 +- 0.35 max|u1| =
# [7.82e-3, 8.85e-3] in [2**-7 = 7.8125e-3, 2**-6]; u3 in [0.0385, 0.0448] in [2**-5, 2**-4];
# u4 in [0.151, 0.183] in [2**-3, 2**-2] (tests/engine/test_mlp_step_paths.py redoes this).
# Within one binade float32's values are the multiples of g = 2**(e-23), so the fused step's
# rounding to float32 is a rounding to that grid; adding K = 1.5 * 2**52 * g makes float64 do it:
# P + (c + K) (c + K exact: c, a float32 of the same binade, is a multiple of g) lies where the
# float64 spacing is g, so its one rounding to nearest, ties to an even multiple of g, is the
# fused result plus K, and subtracting K gives it exactly: three numpy calls a step instead of
# four, and no double rounding to screen for. u5 = u4 s + 1/2 straddles 1/2: screened as before.
_GRID_EXPONENTS = (-10, -7, -5, -3)  # e of u1..u4's binades
_GRIDS = [np.array(1.5 * 2.0 ** (52 + e - 23)) for e in _GRID_EXPONENTS]
_GRIDDED_POLY = [np.array(float(c) + float(grid)) for c, grid in zip(_EXP_POLY[1:5], _GRIDS)]


def _expf_ordinary_in_float64(d):
    """The ordinary path's fused steps made as ``fused.deferred_checks`` would make them, with
    fewer numpy calls (each costs more than its arithmetic on a few hundred elements): every
    step's exact float64 product and float64 sum written into one (steps, n) array each, the
    float32-rounded operands kept in float64 between steps, u1..u4 rounded on their binade's
    grid (the comment above), and one screening over the two sums left that may round twice
    (u5's and the last step's). The first step, s = fma(q, -L2L, s), is exact in float64 (q L2L
    and s are multiples of 2**-43 below 2**10 when q != 0; s itself when q = 0). A flagged sum
    is accepted when it was exact (its TwoSum error is 0: few-bit inputs such as k / 8 make
    some); None when one may have rounded twice, and the caller then takes the fused steps,
    which settle those lanes."""
    q = np.rint(d * _R_LN2)  # float32, integral: the same numbers as cvtps2dq's int32
    # each step's rows as views made once (an index per use makes a new view each time), and
    # kept between calls with their arrays (blocks.take_work)
    work = take_work(7, d.shape, 5)
    products, sums, product, total, screened = work[:5]
    # both reduction steps at once: d - q (L2U + L2L) is exact in float64 (_MINUS_LN2_SPLIT64)
    np.multiply(q.astype(np.float64), _MINUS_LN2_SPLIT64, product[0])
    np.add(product[0], d.astype(np.float64), total[0])
    s32 = total[0].astype(_F32)  # s = fma(q, -L2L, fma(q, -L2U, d)), rounded once here
    s = s32.astype(np.float64)
    np.multiply(s, _POLY64[0], product[1])
    np.add(product[1], _GRIDDED_POLY[0], total[1])  # u1 + K1 (the first step's u is c0)
    u = product[0]  # free again: u_(k-1) itself, K taken off exactly
    for k in (2, 3, 4, 5):
        np.subtract(total[k - 1], _GRIDS[k - 2], u)
        np.multiply(u, s, product[k])
        np.add(product[k], _GRIDDED_POLY[k - 1] if k < 5 else _POLY64[5], total[k])
    np.multiply((s32 * s32).astype(np.float64), total[5].astype(_F32).astype(np.float64),
                product[6])
    last = np.add(product[6], s, total[6])
    # u5's and the last step's sums; neither can be nonzero below float32's normal range
    # without being a float32 already (_ONLY_MIDPOINTS), so only midpoints are looked for
    if (fused.bits_on_midpoints if ONLY_MIDPOINTS else fused.bits_may_have_rounded_twice)(
            screened):
        addends = np.empty_like(sums[5:])
        addends[0], addends[1] = _POLY64[5], s
        if not fused.sums_rounded_once(products[5:], addends, sums[5:]):
            give_back_work(work)
            return None
    result = last.astype(_F32)
    give_back_work(work)
    result += _F32(1)
    # times 2**q: u and u * 2**q are normal floats (the comment above), so the multiply is exact
    # and adds q to the exponent bits; numpy's float32 ldexp calls the C library per element
    exponent = q.astype(np.int32)
    exponent <<= 23
    bits = result.view(np.int32)
    bits += exponent
    return result


# the ordinary path's bounds as 0-d float32 arrays (cheaper ufunc operands than scalars)
_ORDINARY_LOW, _ORDINARY_HIGH = np.array(-86, _F32), np.array(88, _F32)
# True: the bounds tested by a comparison and a count (``fused.all_at_least``); False: by the
# minimum and maximum (the tests compare both)
COUNTED_BOUNDS = True


def _at_least(d, bound) -> bool:
    return fused.all_at_least(d, bound) if COUNTED_BOUNDS else bool(_lowest(d, axis=None) >= bound)


def _at_most(d, bound) -> bool:
    return fused.all_at_most(d, bound) if COUNTED_BOUNDS else bool(_highest(d, axis=None) <= bound)


def _in_ordinary_range(d) -> bool:
    """Every value of d in [-86, 88] (a nan fails)."""
    return _at_least(d, _ORDINARY_LOW) and _at_most(d, _ORDINARY_HIGH)


@in_blocks
def expf(d) -> np.ndarray:
    """Sleef_expf_u10: e**d = 2**q * e**s with q = rint(d / ln 2) and s reduced in two steps."""
    d = np.asarray(d, _F32)
    if LEAN and d.ndim and 0 < d.size <= _LEAN_SIZE and not fused.EXACT_EVERYWHERE \
            and fused.DEFERRED and _in_ordinary_range(d):
        result = _expf_ordinary_in_float64(d)
        if result is not None:
            return result
    return _expf_fused_steps(d)


def expf_of_nonpositive(d) -> np.ndarray:
    """``expf(d)`` for float32 d whose every value is <= 0 or nan (log_softmax's ``x - max(x)``
    along a row): the ordinary path's range check without its upper bound, which such d always
    meets (a nan fails the lower one: the minimum propagates it)."""
    if LEAN and 0 < d.size <= _LEAN_SIZE and d.ndim and not fused.EXACT_EVERYWHERE \
            and fused.DEFERRED and _at_least(d, _ORDINARY_LOW):
        result = _expf_ordinary_in_float64(d)
        return _expf_fused_steps(d) if result is None else result
    return expf(d)


@deferred_checks
def _expf_fused_steps(d) -> np.ndarray:
    q = np.rint(d * _R_LN2).astype(np.int32)  # cvtps2dq: round half to even
    qf = q.astype(_F32)
    # d in [-86, 88] (nan fails): |q| <= 127 and 2**q normal (the comment above)
    ordinary = d.size and d.min() >= _F32(-86) and d.max() <= _F32(88)
    s = d + qf * -_L2U if ordinary else fma(qf, -_L2U, d)
    s = fma(qf, -_L2L, s)
    u = fma(_EXP_POLY[0], s, _EXP_POLY[1])  # the first step's u is the constant itself
    for c in _EXP_POLY[2:]:
        u = fma(u, s, c)
    u = _F32(1) + fma(s * s, u, s)
    if ordinary:
        return np.asarray(u * np.ldexp(_F32(1), q))
    u = _ldexp2(u, q)
    u = np.where(d < _F32(-104), _F32(0), u)
    return np.where(d > _F32(100), _F32(np.inf), u)


_F64 = np.float64
_R_LN2_64 = 1.442695040888963407359924681001892137426645954152985934135449406931
_L2U_64, _L2L_64 = .69314718055966295651160180568695068359375, .28235290563031577122588448175013436025525412068e-12
# Sleef_exp_u10's polynomial for FMA builds, highest degree first
_EXP64_POLY = (0.2081276378237164457e-8, 0.2511210703042288022e-7, 0.2755762628169491192e-6,
               0.2755723402025388239e-5, 0.2480158687479686264e-4, 0.1984126989855865850e-3,
               0.1388888888914497797e-2, 0.8333333333314938210e-2, 0.4166666666666602598e-1,
               0.1666666666666669072e+0)


def _estrin10(s, s2, s4, s8, c):
    """SLEEF's POLY10: Estrin's scheme, every multiply-add fused (``fma64``)."""
    pair = lambda hi, lo, x=s: fma64(x, hi, lo)  # noqa: E731
    low4 = fma64(s2, pair(c[2], c[3]), pair(c[4], c[5]))
    low8 = fma64(s4, low4, fma64(s2, pair(c[6], c[7]), pair(c[8], c[9])))
    return fma64(s8, pair(c[0], c[1]), low8)


@in_blocks
def exp(d) -> np.ndarray:
    """Sleef_exp_u10 (float64): e**d = 2**q * e**s, s reduced by two fused steps, then a
    degree-12 polynomial in Estrin form."""
    d = np.asarray(d, _F64)
    u = np.rint(d * _R_LN2_64)
    q = u.astype(np.int64)
    s = fma64(u, -_L2U_64, d)
    s = fma64(u, -_L2L_64, s)
    s2 = s * s
    s4 = s2 * s2
    p = _estrin10(s, s2, s4, s4 * s4, _EXP64_POLY)
    p = fma64(p, s, 0.5)
    p = fma64(p, s, 1.0)
    p = fma64(p, s, 1.0)
    half = q >> 1
    p = (p * np.ldexp(1.0, half)) * np.ldexp(1.0, q - half)
    p = np.where(d > 709.78271114955742909217217426, np.inf, p)
    return np.where(d < -1000, 0.0, p)
