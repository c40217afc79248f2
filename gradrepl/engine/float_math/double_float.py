"""SLEEF's double-float arithmetic on float32: a value carried as an unevaluated sum ``hi + lo``
of two float32 arrays, which SLEEF's accurate float functions (pow, expm1, log1p) use to keep
about 48 bits through their reductions.

Each function follows the FMA build of SLEEF's ``df.h`` operation for operation (torch's AVX2
and AVX512 builds both fuse), so its float32 roundings are the ones the compiled code makes:
plain float32 numpy arithmetic where SLEEF adds or multiplies, ``vector_math.fma`` (exact
emulation) where it fuses. A pair is a tuple ``(hi, lo)``.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.vector_math import fma

F32 = np.float32


def pair(hi, lo=0.0):
    hi = np.asarray(hi, F32)
    return hi, np.broadcast_to(np.asarray(lo, F32), hi.shape)


def constant(hi: float, lo: float):
    return F32(hi), F32(lo)


def normalize(x):
    s = x[0] + x[1]
    return s, (x[0] - s) + x[1]


def scale(x, s):
    return x[0] * s, x[1] * s


def add_ff(x, y):
    """x + y for floats x, y with |x| >= |y| (dfadd_vf2_vf_vf)."""
    s = x + y
    return s, (x - s) + y


def add2_ff(x, y):
    """x + y for floats in any order (dfadd2_vf2_vf_vf: Knuth's TwoSum)."""
    s = x + y
    v = s - x
    return s, (x - (s - v)) + (y - v)


def add_pf(x, y):
    """pair + float, |x| >= |y| (dfadd_vf2_vf2_vf)."""
    s = x[0] + y
    return s, ((x[0] - s) + y) + x[1]


def add_fp(x, y):
    """float + pair, |x| >= |y| (dfadd_vf2_vf_vf2)."""
    s = x + y[0]
    return s, ((x - s) + y[0]) + y[1]


def add_pp(x, y):
    """pair + pair, |x| >= |y| (dfadd_vf2_vf2_vf2)."""
    s = x[0] + y[0]
    return s, (((x[0] - s) + y[0]) + x[1]) + y[1]


def add2_pf(x, y):
    """pair + float in any order (dfadd2_vf2_vf2_vf)."""
    s = x[0] + y
    v = s - x[0]
    return s, ((x[0] - (s - v)) + (y - v)) + x[1]


def add2_pp(x, y):
    """pair + pair in any order (dfadd2_vf2_vf2_vf2)."""
    s = x[0] + y[0]
    v = s - x[0]
    return s, ((x[0] - (s - v)) + (y[0] - v)) + (x[1] + y[1])


def mul_ff(x, y):
    """x * y exactly as a pair (dfmul_vf2_vf_vf)."""
    s = x * y
    return s, fma(x, y, -s)


def mul_pf(x, y):
    """pair * float (dfmul_vf2_vf2_vf)."""
    s = x[0] * y
    return s, fma(x[1], y, fma(x[0], y, -s))


def mul_pp(x, y):
    """pair * pair (dfmul_vf2_vf2_vf2)."""
    s = x[0] * y[0]
    return s, fma(x[0], y[1], fma(x[1], y[0], fma(x[0], y[0], -s)))


def square(x):
    """pair * itself (dfsqu_vf2_vf2)."""
    s = x[0] * x[0]
    return s, fma(x[0] + x[0], x[1], fma(x[0], x[0], -s))


def divide(n, d):
    """pair / pair (dfdiv_vf2_vf2_vf2): one division for the reciprocal, the rest fused."""
    t = F32(1) / d[0]
    s = n[0] * t
    u = fma(t, n[0], -s)
    v = fma(-d[1], t, fma(-d[0], t, F32(1)))
    return s, fma(s, v, fma(n[1], t, u))


def value(x):
    return x[0] + x[1]
