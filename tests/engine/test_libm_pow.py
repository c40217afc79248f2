"""libm's double pow through math.pow (``libm.MATH_POW``) against the ctypes call of every
value: the same bits on any operands, the non-finite and overflowing ones included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.engine.float_math import libm

pytestmark = pytest.mark.skipif(libm.c_function("pow", np.dtype(np.float64), 2) is None,
                                reason="no C math library")

_special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 5e-324, 1e308, -3.0, np.inf, -np.inf,
                            np.nan, 1e-310])
_bases = st.one_of(st.floats(allow_nan=False), st.floats(-100, 100), _special)
_exponents = st.one_of(st.floats(-40, 40), st.integers(-8, 8).map(float), _special,
                       st.floats(allow_nan=False))


def _both(call):
    fast = call()
    libm.MATH_POW = False
    try:
        slow = call()
    finally:
        libm.MATH_POW = True
    return fast, slow


@settings(max_examples=60, deadline=None)
@given(bases=st.lists(_bases, min_size=1, max_size=12), exponent=_exponents)
def test_math_pow_is_libms_pow(bases, exponent):
    x = np.array(bases)
    fast, slow = _both(lambda: libm.pow_same(x, np.full(x.size, exponent)))
    assert fast.view(np.uint64).tolist() == slow.view(np.uint64).tolist()
    fast, slow = _both(lambda: libm.pow(x, exponent))
    assert fast.view(np.uint64).tolist() == slow.view(np.uint64).tolist()


@settings(max_examples=30, deadline=None)
@given(bases=st.lists(st.floats(0, 1e6, width=32), min_size=1, max_size=12),
       exponent=st.floats(-8, 8))
def test_widened_float32_pow_is_libms(bases, exponent):
    """std::pow(float, double): the float32 values widened, pow in double, rounded once"""
    x = np.array(bases, np.float32)
    fast, slow = _both(lambda: libm.pow(x, exponent))
    assert fast.dtype == slow.dtype == np.float32
    assert fast.view(np.uint32).tolist() == slow.view(np.uint32).tolist()


def test_math_pow_hands_back_what_it_cannot_vouch_for():
    x = np.array([2.0, 1e300, -8.0, 0.0])
    assert libm._math_pow(x, np.full(4, 3.0)) is None  # 1e300 ** 3 overflows
    assert libm._math_pow(x[[0, 2]], np.full(2, 0.5)) is None  # (-8) ** 0.5 is NaN
    assert libm._math_pow(np.array([0.0]), np.array([-1.0])) is None  # 0 ** -1 is inf
    assert libm._math_pow(np.array([np.inf]), np.array([2.0])) is None  # not finite
    assert libm._math_pow(x[[0, 2]], np.full(2, 3.0)).tolist() == [8.0, -512.0]


@settings(max_examples=40, deadline=None)
@given(scale=st.sampled_from([1.0, 1e-4, 1e-30, 1e30]), near_one=st.booleans(),
       exponent=st.one_of(st.sampled_from([3.0, 0.5, 1.5, 1 / 3, -1.0, 2.0, 30.0, -0.5]),
                          st.floats(-12, 12)), seed=st.integers(0, 2 ** 16))
def test_screened_powf_is_libms_powf(scale, near_one, exponent, seed):
    """powf (std::pow(float, float), the norm's general p) screened through the double pow:
    the same bits as powf itself, x near 1 with every exponent included"""
    rng = np.random.default_rng(seed)
    x = (1 + rng.standard_normal(300) * 1e-4) if near_one else np.abs(rng.standard_normal(300))
    x = (x * scale).astype(np.float32)
    e = np.full(x.size, exponent, np.float32)
    with np.errstate(all="ignore"):
        fast, slow = _both(lambda: libm.pow_same(x, e))
    assert fast.view(np.uint32).tolist() == slow.view(np.uint32).tolist()
