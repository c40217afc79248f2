"""SLEEF's vectorised float32 functions as torch's Vectorized<float> calls them, bit for bit.

torch evaluates whole vectors of an elementwise op with SLEEF (``Sleef_expf8_u10`` under AVX2,
``Sleef_expf16_u10`` under AVX512: the same algorithm and the same bits). These are our own numpy
versions of SLEEF's published algorithms (shibatch/sleef, ``src/libm/sleefsimdsp.c``), with each
multiply-add fused as the FMA build fuses it (``vector_math.fma``: emulated exactly in float64).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.vector_math import fma

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


def expf(d) -> np.ndarray:
    """Sleef_expf_u10: e**d = 2**q * e**s with q = rint(d / ln 2) and s reduced in two steps."""
    d = np.asarray(d, _F32)
    q = np.rint(d * _R_LN2).astype(np.int32)  # cvtps2dq: round half to even
    qf = q.astype(_F32)
    s = fma(qf, -_L2U, d)
    s = fma(qf, -_L2L, s)
    u = np.full_like(s, _EXP_POLY[0])
    for c in _EXP_POLY[1:]:
        u = fma(u, s, c)
    u = _F32(1) + fma(s * s, u, s)
    u = _ldexp2(u, q)
    u = np.where(d < _F32(-104), _F32(0), u)
    return np.where(d > _F32(100), _F32(np.inf), u)
