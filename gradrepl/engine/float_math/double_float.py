"""SLEEF's double-word arithmetic: a value carried as an unevaluated sum ``hi + lo`` of two
floats of the working precision, which SLEEF's accurate functions (pow, expm1, log1p) use to
keep about twice the bits through their reductions (``df.h`` for float32, ``dd.h`` for double).

Each operation follows the FMA build of SLEEF's (torch's AVX2 and AVX512 builds both fuse), so
its roundings are the ones the compiled code makes: plain numpy arithmetic where SLEEF adds or
multiplies, an exactly emulated fused multiply-add where it fuses (``fused.fma32`` for
float32, ``fma64`` for double). ``x * y - (x * y rounded)`` is the exact error of a product,
which Dekker's splitting gives more cheaply than a general fma64. A pair is a tuple ``(hi, lo)``.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import vector_math
from gradrepl.engine.float_math.fused import fma32, fma32_exact_in_float64


class DoubleWord:
    """The double-word operations of one working precision (``SINGLE``, ``DOUBLE``)."""

    def __init__(self, dtype, fma, product_error):
        self.dtype = np.dtype(dtype)
        self.fma = fma
        self._product_error = product_error

    def pair(self, hi, lo=0.0):
        hi = np.asarray(hi, self.dtype)
        return hi, np.broadcast_to(np.asarray(lo, self.dtype), hi.shape)

    def constant(self, hi: float, lo: float):
        return self.dtype.type(hi), self.dtype.type(lo)

    @staticmethod
    def normalize(x):
        s = x[0] + x[1]
        return s, (x[0] - s) + x[1]

    @staticmethod
    def scale(x, s):
        return x[0] * s, x[1] * s

    @staticmethod
    def add_ff(x, y):
        """x + y for numbers with |x| >= |y| (dfadd_vf2_vf_vf)."""
        s = x + y
        return s, (x - s) + y

    @staticmethod
    def add2_ff(x, y):
        """x + y in any order (dfadd2_vf2_vf_vf: Knuth's TwoSum)."""
        s = x + y
        v = s - x
        return s, (x - (s - v)) + (y - v)

    @staticmethod
    def add_pf(x, y):
        """pair + number, |x| >= |y| (dfadd_vf2_vf2_vf)."""
        s = x[0] + y
        return s, ((x[0] - s) + y) + x[1]

    @staticmethod
    def add_fp(x, y):
        """number + pair, |x| >= |y| (dfadd_vf2_vf_vf2)."""
        s = x + y[0]
        return s, ((x - s) + y[0]) + y[1]

    @staticmethod
    def add_pp(x, y):
        """pair + pair, |x| >= |y| (dfadd_vf2_vf2_vf2)."""
        s = x[0] + y[0]
        return s, (((x[0] - s) + y[0]) + x[1]) + y[1]

    @staticmethod
    def add2_fp(x, y):
        """number + pair in any order (dfadd2_vf2_vf_vf2)."""
        s = x + y[0]
        v = s - x
        return s, ((x - (s - v)) + (y[0] - v)) + y[1]

    @staticmethod
    def add2_pf(x, y):
        """pair + number in any order (dfadd2_vf2_vf2_vf)."""
        s = x[0] + y
        v = s - x[0]
        return s, ((x[0] - (s - v)) + (y - v)) + x[1]

    @staticmethod
    def add2_pp(x, y):
        """pair + pair in any order (dfadd2_vf2_vf2_vf2)."""
        s = x[0] + y[0]
        v = s - x[0]
        return s, ((x[0] - (s - v)) + (y[0] - v)) + (x[1] + y[1])

    def mul_ff(self, x, y):
        """x * y exactly, as a pair (dfmul_vf2_vf_vf)."""
        s = x * y
        return s, self._product_error(x, y, s)

    def mul_pf(self, x, y):
        """pair * number (dfmul_vf2_vf2_vf)."""
        s = x[0] * y
        return s, self.fma(x[1], y, self._product_error(x[0], y, s))

    def mul_pp(self, x, y):
        """pair * pair (dfmul_vf2_vf2_vf2)."""
        s = x[0] * y[0]
        inner = self.fma(x[1], y[0], self._product_error(x[0], y[0], s))
        return s, self.fma(x[0], y[1], inner)

    def square(self, x):
        """pair * itself (dfsqu_vf2_vf2)."""
        s = x[0] * x[0]
        return s, self.fma(x[0] + x[0], x[1], self._product_error(x[0], x[0], s))

    def divide(self, n, d):
        """pair / pair (dfdiv_vf2_vf2_vf2): one division for the reciprocal, the rest fused."""
        one = self.dtype.type(1)
        t = one / d[0]
        s = n[0] * t
        u = self._product_error(t, n[0], s)
        v = self.fma(-d[1], t, self.fma(-d[0], t, one))
        return s, self.fma(s, v, self.fma(n[1], t, u))

    def divide_by_one_plus(self, n, d):
        """``divide(n, d)`` for ``d = add2_ff(1, m)`` with float32 m in [0.75, 1.5) (or 0, inf,
        nan), as SLEEF's logs divide by their reduced argument: the two residual steps are then
        exact in float64 and skip the screening (``fused.fma32_exact_in_float64``). Why: t =
        1/d0 rounded is normal, so 1 - d0 * t is a multiple of ulp(d0) ulp(t) >= 2**-48 below
        2**-24 (Markstein's residual); d's low part is 0 or +-2**-24 (m < 1) or +-2**-23, so
        d1 * t is a multiple of 2**-49 below 2**-23, and their sum a multiple of 2**-49 below
        2**-22: at most 27 bits. tests/engine/test_float_math_deferred.py checks every float32 m
        in the range against ``divide``."""
        one = self.dtype.type(1)
        t = one / d[0]
        s = n[0] * t
        u = self._product_error(t, n[0], s)
        v = fma32_exact_in_float64(-d[1], t, fma32_exact_in_float64(-d[0], t, one))
        return s, self.fma(s, v, self.fma(n[1], t, u))

    @staticmethod
    def value(x):
        return x[0] + x[1]


def _float32_product_error(x, y, s):
    # x * y is exact in float64 (24 + 24 bits) and so is its difference from the float32 s
    # (the rounding error of a float32 product fits in a float32): no fma emulation needed
    return (np.multiply(x, y, dtype=np.float64) - s).astype(np.float32)


def _float64_product_error(x, y, s):
    # exact for finite products away from the underflow range (Dekker); elsewhere fall back to
    # the product error fma64 rounds, which is the same number
    x, y, s = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64), s)
    with np.errstate(all="ignore"):
        error = vector_math._two_product_error(x, y, s)
    return np.where(np.isfinite(error), error, np.float64(0))


SINGLE = DoubleWord(np.float32, fma32, _float32_product_error)
DOUBLE = DoubleWord(np.float64, vector_math.fma64, _float64_product_error)
