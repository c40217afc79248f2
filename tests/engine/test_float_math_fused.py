"""engine/float_math/fused: the cheap float32 fused multiply-add against exact rational
arithmetic and against its own exact-everywhere path, on the inputs where double rounding bites
(float64 sums on a float32 midpoint, subnormal and zero results), and the SLEEF functions built
on it compared with ``fused.EXACT_EVERYWHERE`` on."""

from __future__ import annotations

import contextlib
from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from gradrepl.engine.float_math import blocks, fused, kernels, sleef, sleef_double, sleef_single

F32 = np.float32
floats32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


def _exact_fma32(a, b, c) -> np.ndarray:
    """a * b + c rounded once to float32, from exact rationals (the tie rounds to even)."""
    out = []
    for x, y, z in zip(a.tolist(), b.tolist(), c.tolist()):
        exact = Fraction(x) * Fraction(y) + Fraction(z)
        below = np.float32(float(exact))  # a guess within an ulp; settle it exactly
        candidates = {below, np.nextafter(below, F32(np.inf)), np.nextafter(below, F32(-np.inf))}
        candidates = [v for v in candidates if np.isfinite(v)]
        best = min(candidates, key=lambda v: (abs(Fraction(float(v)) - exact),
                                              int(np.array(v).view(np.uint32)) & 1))
        # an exact zero takes IEEE's sign rule, which float64 arithmetic applies the same way
        out.append(best if exact != 0 else F32(np.float64(x) * np.float64(y) + np.float64(z)))
    return np.array(out, F32)


@contextlib.contextmanager
def exact_everywhere():
    """Every lane through the exact emulation while inside (the general path)."""
    fused.EXACT_EVERYWHERE = True
    try:
        yield
    finally:
        fused.EXACT_EVERYWHERE = False


def _midpoint_triples(a, b, step):
    """c chosen so that a * b + c lies near a float32 midpoint: the double-rounding cases."""
    product = a.astype(np.float64) * b
    nearest = product.astype(F32).astype(np.float64)
    half_ulp = np.spacing(np.abs(product.astype(F32))).astype(np.float64) / 2
    # c = -(the product's part below float32) + half an ulp, nudged by step ulps of float32 c
    c = (nearest - product + half_ulp).astype(F32)
    return np.nextafter(c, c + step) if step else c


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(floats32, floats32, floats32), min_size=1, max_size=16))
def test_fma32_rounds_once(triples):
    a, b, c = (np.array(v, F32) for v in zip(*triples))
    with np.errstate(all="ignore"):
        wide = a.astype(np.float64) * b + c
    keep = np.isfinite(wide) & (np.abs(wide) < 3e38)
    a, b, c = a[keep], b[keep], c[keep]
    assert np.array_equal(fused.fma32(a, b, c).view(np.uint32),
                          _exact_fma32(a, b, c).view(np.uint32))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4, width=32), st.floats(-1e4, 1e4, width=32)),
                min_size=1, max_size=16), st.sampled_from([0, 1, -1]))
def test_fma32_near_float32_midpoints(pairs, step):
    a, b = (np.array(v, F32) for v in zip(*pairs))
    c = _midpoint_triples(a, b, step)
    assert np.array_equal(fused.fma32(a, b, c).view(np.uint32),
                          _exact_fma32(a, b, c).view(np.uint32))


def test_fma32_subnormal_zero_and_special_results():
    tiny = np.finfo(F32).tiny
    a = np.array([tiny, tiny, 1e-30, -1e-30, 3.0, 0.0, -0.0, np.inf, np.nan, 1.5, 2.0], F32)
    b = np.array([0.75, -0.3, 1e-15, 1e-15, 0.0, -1.0, 1.0, 1.0, 1.0, -2.0, 0.5], F32)
    c = np.array([0.0, tiny / 3, 1e-45, 0.0, -0.0, 0.0, 0.0, -np.inf, 1.0, 3.0, -1.0], F32)
    mine, exact = fused.fma32(a, b, c), _exact_fma32(a[:-4], b[:-4], c[:-4])
    assert np.array_equal(mine[:-4].view(np.uint32), exact.view(np.uint32))
    assert np.isnan(mine[-4]) and np.isnan(mine[-3]) and mine[-2] == 0 and mine[-1] == 0
    # a * b = 2**-150 (1 - 2**-40): float64 drops the 2**-190 and lands on the midpoint between
    # two subnormal floats, below float32's normal-range midpoint pattern
    a = np.array([2.0 ** -75 * (1 + 2.0 ** -20)] * 2, F32)
    b = np.array([2.0 ** -75 * (1 - 2.0 ** -20), -2.0 ** -75 * (1 - 2.0 ** -20)], F32)
    c = np.array([2.0 ** -130 + 2.0 ** -149, -2.0 ** -130 - 2.0 ** -149], F32)
    c[1] = -c[0] + F32(2.0 ** -148)  # and one whose sign flips
    assert np.array_equal(fused.fma32(a, b, c).view(np.uint32), _exact_fma32(a, b, c).view(np.uint32))
    assert fused.fma32(F32(2), F32(3), F32(1)) == F32(7)  # 0-d in, 0-d out
    assert fused.fma32(np.array(2, F32), np.array(3, F32), F32(1)).shape == ()


@settings(max_examples=40, deadline=None)
@given(st.lists(floats32, min_size=1, max_size=40), st.booleans())
def test_short_paths_agree_with_exact_everywhere(values, negate):
    """Every SLEEF function on fused.fma32 gives the same bits with the screening switched off."""
    x = np.array(values, F32) * (F32(-1) if negate else F32(1))
    y = np.array(values[::-1], F32) / F32(7)
    functions = [sleef.expf, sleef_single.exp2f, sleef_single.expm1f, sleef_single.log1pf,
                 sleef_single.logf, sleef_single.log2f, sleef_single.log10f,
                 lambda v: sleef_single.powf(np.abs(v), F32(1.5)),
                 lambda v: sleef_single.powf(v, y), lambda v: kernels.tanh_backward(v, np.tanh(v))]
    with np.errstate(all="ignore"):
        fast = [f(x) for f in functions]
        with exact_everywhere():
            slow = [f(x) for f in functions]
    for f, s in zip(fast, slow):
        assert np.array_equal(f.view(np.uint32), s.view(np.uint32))


def test_tanh_backward_where_float64_lands_on_a_float32_midpoint():
    """tanh outputs next to 1 make 1 - y * y a 25-bit number: a midpoint, exact in float64."""
    y = np.array([1 - 2.0 ** -24, -(1 - 2.0 ** -24), 1 - 2.0 ** -23, 0.5, 2.0 ** -13, 1.0,
                  np.float32(0.999999), 3.0], F32)
    g = np.ones_like(y)
    fast = kernels.tanh_backward(g, y)
    with exact_everywhere():
        slow = kernels.tanh_backward(g, y)
    assert np.array_equal(fast.view(np.uint32), slow.view(np.uint32))
    assert np.array_equal(fast.view(np.uint32), _exact_fma32(-y, y, np.ones_like(y)).view(np.uint32))


@contextlib.contextmanager
def block_size(elements):
    saved, blocks.BLOCK = blocks.BLOCK, elements
    try:
        yield
    finally:
        blocks.BLOCK = saved


@settings(max_examples=30, deadline=None)
@given(st.lists(floats32, min_size=1, max_size=50), st.integers(1, 9), st.booleans())
def test_blocks_change_no_bit(values, block, wide):
    """A kernel run block by block (broadcast arguments too) gives the whole call's bits."""
    dtype = np.float64 if wide else F32
    x = np.array(values, dtype).reshape(-1, 1) if len(values) % 2 else np.array(values, dtype)
    y = np.array(values[::-1], dtype).reshape(x.shape) / dtype(3)
    single, double = sleef_single, sleef_double
    functions = [sleef.expf, single.expm1f, single.log1pf, lambda v: single.powf(v, y),
                 lambda v: single.powf(v.reshape(-1, 1), y.reshape(1, -1)),
                 lambda v: single.powf(v, F32(2.5)), lambda v: kernels.tanh_backward(v, v / 4)]
    if wide:
        functions = [sleef.exp, double.expm1, double.log1p, double.exp2, double.log,
                     lambda v: double.pow(v, y), lambda v: double.pow(v.reshape(-1, 1), y.ravel()),
                     lambda v: kernels.tanh_backward(v, v / 4)]
    with np.errstate(all="ignore"):
        with block_size(0):
            whole = [f(x) for f in functions]
        with block_size(block):
            parts = [f(x) for f in functions]
    for w, p in zip(whole, parts):
        assert w.shape == p.shape and w.dtype == p.dtype
        assert np.array_equal(w.view(np.uint8), p.view(np.uint8))
