"""Short paths taken by the MLP training step (benchmarks W8: Linear, ReLU, log_softmax, the
picked log-probabilities' mean), each against the general path it stands in for: the same
bytes, on inputs drawn to reach the short path's edges (float32 midpoints, exact and not,
zeros of both signs, values just inside and outside the ranges the short paths accept)."""

from __future__ import annotations

import contextlib
import sys
import threading
import importlib
import warnings

import numpy as np
from hypothesis import given, settings, strategies as st

from gradrepl.engine.float_math import blocks, fused, sleef, sleef_single
from gradrepl.engine.float_math import softmax as float_softmax

F32 = np.float32


def _bits(a):
    a = np.asarray(a)
    return a.dtype, a.shape, a.tobytes()


@contextlib.contextmanager
def general_paths():
    """Every short path of this file off: SLEEF's expf and logf through their fused steps
    (screened once by ``fused.deferred_checks``), log_softmax's backward through
    ``fused.fma32``."""
    saved = sleef.LEAN, sleef_single.LEAN, float_softmax.LEAN
    sleef.LEAN = sleef_single.LEAN = float_softmax.LEAN = False
    try:
        yield
    finally:
        sleef.LEAN, sleef_single.LEAN, float_softmax.LEAN = saved


@contextlib.contextmanager
def switched(module, name: str, value):
    """``module.name`` set to ``value`` for the block (a short path's switch), then restored."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


# few-bit values land float64 sums on float32 midpoints, exactly or not
_FEW_BITS = st.integers(-86 * 64, 88 * 64).map(lambda i: i / 64)
_EXP_INPUTS = st.one_of(st.floats(-86, 88, width=32), _FEW_BITS,
                        st.sampled_from([0.0, -0.0, -86.0, 88.0, 1e-30, -1e-40, 2.0 ** -126,
                                         -86.00001, 88.00001]))


@settings(max_examples=150, deadline=None)
@given(st.lists(_EXP_INPUTS, min_size=1, max_size=60))
def test_expf_in_float64_matches_its_fused_steps(values):
    """``sleef._expf_ordinary_in_float64`` (one (steps, n) array of float64 sums, screened once)
    against the fused steps; a flagged sum, a subnormal input or one outside [-86, 88] takes
    the general path, which the result must then be too."""
    d = np.array(values, F32)
    with np.errstate(all="ignore"):
        short = sleef.expf(d)
        with general_paths():
            general = sleef.expf(d)
    assert _bits(short) == _bits(general)


def test_expf_in_float64_accepts_exact_flagged_sums_and_hands_back_the_others(monkeypatch):
    """A subnormal input's reduced argument is a nonzero sum below float32's normal range
    (its last sum is s itself, a float32: not looked at, ``sleef.ONLY_MIDPOINTS``), and d = 1/4
    puts an exact sum on a float32 midpoint: flagged, found exact, kept. A flagged sum found
    inexact (forced here) hands the call back to the fused steps: the same bits either way."""
    d = np.array([1e-40, 0.25, 0.5, -2.375, 10.125], F32)
    assert fused.may_have_rounded_twice(np.array([1e-40], np.float64))
    with general_paths():
        general = sleef.expf(d)
    assert sleef._expf_ordinary_in_float64(d) is not None
    assert _bits(sleef.expf(d)) == _bits(general)
    monkeypatch.setattr(fused, "sums_rounded_once", lambda *steps: False)
    assert sleef._expf_ordinary_in_float64(d) is None
    assert _bits(sleef.expf(d)) == _bits(general)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EXP_INPUTS, min_size=1, max_size=60))
def test_expf_midpoint_screening_matches_the_full_screening(values):
    """``sleef.ONLY_MIDPOINTS`` (u5's and the last sum screened for float32 midpoints only)
    against the full screening (midpoints and nonzero sums below float32's normal range): the
    same bits, and the same hand-back (None) where the full one hands back."""
    d = np.array(values, F32)
    if not (d.min() >= F32(-86) and d.max() <= F32(88)):
        d = np.clip(d, F32(-86), F32(88))  # the path's own range (expf checks it before)
    with np.errstate(all="ignore"):
        short = sleef._expf_ordinary_in_float64(d)
        with switched(sleef, "ONLY_MIDPOINTS", False):
            full = sleef._expf_ordinary_in_float64(d)
    assert (short is None) == (full is None) or full is None
    if short is not None and full is not None:
        assert _bits(short) == _bits(full)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EXP_INPUTS, min_size=1, max_size=60))
def test_expf_reduction_in_one_float64_step_is_the_two_fused_steps(values):
    """``d + q * -(L2U + L2L)`` in float64 (``sleef._MINUS_LN2_SPLIT64``), rounded once to
    float32, is SLEEF's two reduction steps ``fma(q, -L2L, fma(q, -L2U, d))`` for every d of
    the ordinary path's range [-86, 88], zeros of both signs included (bits)."""
    d = np.clip(np.array(values, F32), F32(-86), F32(88))
    q = np.rint(d * sleef._R_LN2)
    two_steps = fused.fma32(q, -sleef._L2L, fused.fma32(q, sleef._MINUS_L2U, d))
    one_step = (q.astype(np.float64) * sleef._MINUS_LN2_SPLIT64 + d.astype(np.float64))
    assert _bits(one_step.astype(F32)) == _bits(two_steps)


def test_expf_last_sums_below_float32_normal_range_are_float32_values():
    """The argument behind ``sleef.ONLY_MIDPOINTS``: a float32 s with |s| < 2**-125 squares to
    0 in float32, so the last sum s*s u5 + s is s itself; and u5 = fma(u4, s, 1/2) stays in
    [0.43, 0.57] for the reduced arguments of a dense sweep of d over [-86, 88]."""
    s = np.array([2.0 ** -125 * 0.999, -1e-38, 1e-40, -1e-45, 2.0 ** -126], F32)
    assert not (s * s).any()
    d = np.linspace(-86, 88, 400_003, dtype=F32)
    q = np.rint(d * sleef._R_LN2)
    s = fused.fma32(q, -sleef._L2L, d + q * sleef._MINUS_L2U)
    u = fused.fma32(sleef._EXP_POLY[0], s, sleef._EXP_POLY[1])
    for c in sleef._EXP_POLY[2:]:
        u = fused.fma32(u, s, c)  # the last is u5, the constant 1/2 added
    assert 0.43 <= float(u.min()) and float(u.max()) <= 0.57
    assert float(np.abs(s * u).max()) < 0.2


def test_expf_gridded_steps_stay_in_their_binades():
    """u1..u4 of expf's polynomial lie in the binades ``sleef._GRID_EXPONENTS`` names for every
    |s| <= 0.35 (the ordinary path's |s| is below ln 2 / 2 (1 + 2**-15)), by interval
    arithmetic with each step's rounding on top; and every float32 s reached by a dense sweep
    of d over [-86, 88] stays below that bound."""
    bound, rounding = 0.35, 1 + 2.0 ** -23
    poly = [float(c) for c in sleef._EXP_POLY]
    low = high = poly[0]
    for k, e in enumerate(sleef._GRID_EXPONENTS, 1):
        spread = bound * max(abs(low), abs(high))
        low, high = (poly[k] - spread) / rounding, (poly[k] + spread) * rounding
        assert 2.0 ** e <= low and high <= 2.0 ** (e + 1), (k, low, high)
    d = np.linspace(-86, 88, 2_000_003, dtype=F32)
    q = np.rint(d * sleef._R_LN2)
    s = fused.fma32(q, -sleef._L2L, d + q * sleef._MINUS_L2U)
    assert float(np.abs(s).max()) < 0.3466


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.floats(-float(F32(0.35)), float(F32(0.35)), width=32),
                          st.integers(-2**20, 2**20).map(lambda i: i * 0.35 / 2**20)),
                min_size=1, max_size=40))
def test_expf_gridded_steps_are_the_fused_steps(values):
    """Each gridded step, ``(u s + (c + K)) - K`` in float64, is ``fma32(u, s, c)`` for any
    float32 s with |s| <= 0.35 (u the previous step's float32 result)."""
    s = np.array(values, F32)
    u = fused.fma32(sleef._EXP_POLY[0], s, sleef._EXP_POLY[1])
    gridded = s.astype(np.float64) * float(sleef._EXP_POLY[0]) + sleef._GRIDDED_POLY[0]
    assert _bits((gridded - sleef._GRIDS[0]).astype(F32)) == _bits(u)
    for k in (2, 3, 4):
        shifted = u.astype(np.float64) * s.astype(np.float64) + sleef._GRIDDED_POLY[k - 1]
        u = fused.fma32(u, s, sleef._EXP_POLY[k])
        unshifted = shifted - sleef._GRIDS[k - 1]
        assert _bits(unshifted.astype(F32)) == _bits(u)
        assert _bits(unshifted.astype(F32).astype(np.float64)) == _bits(unshifted)


_LOG_INPUTS = st.one_of(
    st.floats(1, 10, width=32),  # log_softmax's row sums
    st.floats(2.0 ** -100, 2.0 ** 100, width=32),
    st.integers(1, 1 << 12).map(lambda i: i / 64),  # few bits: exact midpoint sums
    st.integers(-1 << 12, 1 << 12).map(lambda i: 1 + i * 2.0 ** -23),  # near 1: tiny x
    st.sampled_from([2.0 ** -100, 2.0 ** 100, 0.75, 1.5, 1.5 - 2.0 ** -23, 0.75 - 2.0 ** -24,
                     1.0, 2.0 ** -101, 2.0 ** 101, 0.0, -1.0, 1e-40, float("inf"),
                     float("nan")]))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LOG_INPUTS, min_size=1, max_size=60))
def test_logf_in_float64_matches_its_fused_steps(values):
    """``sleef_single._logf_ordinary_in_float64`` (the exponent from the bits, the mantissa by
    ldexp, the divide's exact residual in one float64 step, four fused steps screened once)
    against the fused steps; inputs outside [2**-100, 2**100] take the general path."""
    d = np.array(values, F32)
    with np.errstate(all="ignore"):
        short = sleef_single.logf(d)
        with general_paths():
            general = sleef_single.logf(d)
    assert _bits(short) == _bits(general)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LOG_INPUTS, min_size=1, max_size=60))
def test_logf_midpoint_screening_matches_the_full_screening(values):
    """``sleef_single.ONLY_MIDPOINTS`` (the float64 path's three sums screened for float32
    midpoints only) against the full screening, on the path's own range [2**-100, 2**100]:
    the same bits, and a hand-back (None) wherever the midpoint screening hands back; and no
    sum is ever nonzero below float32's normal range there (the argument in sleef_single)."""
    d = np.array(values, F32)
    d = np.where(np.isfinite(d) & (d >= F32(2.0 ** -100)) & (d <= F32(2.0 ** 100)), d, F32(1.5))
    with np.errstate(all="ignore"):
        short = sleef_single._logf_ordinary_in_float64(d)
        with switched(sleef_single, "ONLY_MIDPOINTS", False):
            full = sleef_single._logf_ordinary_in_float64(d)
    if short is not None and full is not None:
        assert _bits(short) == _bits(full)
    assert full is None or short is not None
    work = blocks._work.get((3, d.shape, 0))  # the call's sums, given back to the memo
    if work is not None and d.size <= blocks._WORK_ELEMENTS:
        magnitudes = np.abs(work[1])
        assert not ((magnitudes > 0) & (magnitudes < 2.0 ** -126)).any()


def test_logf_table_of_ln2_times_e_is_the_fused_product(monkeypatch):
    """``sleef_single``'s table of mul_pf(LN2, e), made at first use inside log_softmax's
    deferred kernel, holds the exactly fused product for every exponent (fma32 on its exact
    path), and logf through it gives the fused steps' bits."""
    monkeypatch.setattr(sleef_single, "_LN2_TABLE", None)
    x = np.array([[0.5, -1.25, 3.0], [100.0, 0.0, -7.5]], F32)
    short = float_softmax.forward(None, log=True)(x, 1)
    hi, lo = sleef_single._LN2_TABLE
    monkeypatch.setattr(fused, "EXACT_EVERYWHERE", True)
    e = np.arange(-127, 129, dtype=F32)
    exact_hi, exact_lo = sleef_single.df.mul_pf(sleef_single._LN2, e)
    assert _bits(hi) == _bits(exact_hi) and _bits(lo) == _bits(exact_lo)
    with general_paths():
        assert _bits(float_softmax.forward(None, log=True)(x, 1)) == _bits(short)


def test_logf_exponent_and_mantissa_from_the_bits_over_two_binades():
    """Every float32 in [0.5, 2) (the rounding of d * 4/3 is the same in every binade): the
    exponent bits of d * 4/3 and d / 2**e are what frexp gives ``_exponent`` and ``_mantissa``."""
    start, stop = (int(v) for v in np.array([0.5, 2.0], F32).view(np.uint32))
    d = np.arange(start, stop, dtype=np.uint32).view(F32)
    exponent = ((d * sleef_single._FOUR_THIRDS).view(np.int32) >> 23) - 127
    assert np.array_equal(exponent, sleef_single._exponent(d * sleef_single._FOUR_THIRDS))
    assert np.array_equal(np.ldexp(d, -exponent), sleef_single._mantissa(d))


_GRADS = st.one_of(st.floats(-4, 4, width=32), st.integers(-64, 64).map(lambda i: i / 32),
                   st.sampled_from([0.0, -0.0, -1 / 32, 1e-39]))


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.floats(1e-3, 1e2), st.integers(0, 2**32 - 1),
       st.data())
def test_log_softmax_backward_rows_match_the_fused_path(rows, size, scale, seed, data):
    """log_softmax's last-dim backward on float32, ``g - exp(y) * sum(g)`` made in float64 and
    screened on its own sums (exact midpoints accepted), against ``fused.fma32``'s; the one-hot
    gradient ``-1 / batch`` of a picked log-probability among the inputs."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, size)) * scale).astype(F32)
    if data.draw(st.booleans()):
        g = np.zeros((rows, size), F32)
        g[np.arange(rows), rng.integers(0, size, rows)] = F32(-1 / 32)
    else:
        g = np.array(data.draw(st.lists(_GRADS, min_size=rows * size, max_size=rows * size)),
                     F32).reshape(rows, size)
    backward = float_softmax.backward(None, log=True)
    with np.errstate(all="ignore"):
        y = float_softmax.forward(None, log=True)(x, 1)
        (short,) = backward(None, g, (x,), y, (1,), (True,))
        with general_paths():
            (general,) = backward(None, g, (x,), y, (1,), (True,))
    assert _bits(short) == _bits(general)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.sampled_from([1e-3, 1.0, 30.0, 95.0]),
       st.integers(-140, 127), st.integers(0, 2**32 - 1), st.data())
def test_log_softmax_backward_power_of_two_sums_match_the_float64_path(rows, size, scale, power,
                                                                       seed, data):
    """Rows of g that sum to a power of two (the one-hot ``-1 / batch`` of a mean of picked
    log-probabilities, scaled from 2**-140 to 2**127, beside a pair v, -v up to float32's largest)
    take the float32 short path when every ``exp(y) * sum`` is a normal float: the same bytes and
    warnings as the float64 path's and as ``fused.fma32``'s, logits spread wide enough that
    exp(y) reaches 0 and products fall below float32's normal range or above its largest."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, size)) * scale).astype(F32)
    sign = data.draw(st.sampled_from([-1.0, 1.0]))
    g = np.zeros((rows, size), F32)
    # one power on every row, or up to three (the short path's two ways to multiply)
    powers = power - (rng.integers(0, 3, rows) if data.draw(st.booleans()) else 0)
    g[np.arange(rows), rng.integers(0, size, rows)] = np.asarray(sign * 2.0 ** powers, F32)
    if data.draw(st.booleans()) and size > 2:  # v, -v, then the power of two: the same sums
        picked = data.draw(st.sampled_from([0.5, 1 / 3, 3.4028235e38, -3.4028235e38, 1e-40,
                                            np.inf, np.nan]))
        g[:] = 0
        g[:, 0], g[:, 1], g[:, 2] = F32(picked), -F32(picked), F32(sign * 2.0 ** power)
    backward = float_softmax.backward(None, log=True)

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (grad,) = backward(None, g, (x,), y, (1,), (True,))
        return _bits(grad), sorted(str(w.message) for w in caught)

    with np.errstate(all="ignore"):
        y = float_softmax.forward(None, log=True)(x, 1)
    short = run()
    with switched(float_softmax, "POWER_OF_TWO_SUMS", False):
        float64_path = run()
        with general_paths():
            general = run()
    assert short == float64_path
    assert short[0] == general[0]


def test_log_softmax_backward_power_of_two_sum_beside_the_largest_float_warns_as_float64():
    """A row [largest, -largest, -2**110] sums to -2**110, and largest + exp(y) * 2**110
    overflows: numpy's float64 path warns of its cast, so the short path must not be taken."""
    x = np.zeros((1, 3), F32)
    g = np.array([[3.4028235e38, -3.4028235e38, -2.0 ** 110]], F32)
    y = float_softmax.forward(None, log=True)(x, 1)
    outcomes = []
    for short in (True, False):
        with (switched(float_softmax, "POWER_OF_TWO_SUMS", short),
              warnings.catch_warnings(record=True) as caught):
            warnings.simplefilter("always")
            (grad,) = float_softmax.backward(None, log=True)(None, g, (x,), y, (1,), (True,))
        outcomes.append((_bits(grad), [str(w.message) for w in caught]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == ["overflow encountered in cast"]


def test_log_softmax_backward_of_a_picked_mean_takes_the_power_of_two_path(monkeypatch):
    """The W8 step's gradient (-1/32 on one lane of each row) takes the short path."""
    taken = []
    original = float_softmax._log_softmax_grad_power_of_two_sums
    monkeypatch.setattr(float_softmax, "_log_softmax_grad_power_of_two_sums",
                        lambda *args: taken.append(original(*args)) or taken[-1])
    x = np.random.default_rng(3).standard_normal((32, 10)).astype(F32)
    y = float_softmax.forward(None, log=True)(x, 1)
    g = np.zeros((32, 10), F32)
    g[np.arange(32), np.arange(32) % 10] = F32(-1 / 32)
    float_softmax.backward(None, log=True)(None, g, (x,), y, (1,), (True,))
    assert len(taken) == 1 and taken[0] is not None


def test_sums_rounded_once_accepts_exact_midpoints_only():
    # (x - 1) / 32 for float32 x in [1/4, 1/2) with its last bit set: 25 bits, a float32
    # midpoint, exact in float64
    x = np.array([0.25 + 2.0 ** -25], np.float64)
    product, addend = x / 32, np.array([-1 / 32])
    assert fused.may_have_rounded_twice(product + addend)
    assert fused.sums_rounded_once(product, addend, product + addend)
    # 1 + 2**-24 + 2**-70: float64 rounds it onto the midpoint 1 + 2**-24
    product, addend = np.array([2.0 ** -70]), np.array([1 + 2.0 ** -24])
    assert not fused.sums_rounded_once(product, addend, product + addend)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["rows", "columns", "transposed", "strided", "reshaped", "twice"]),
       st.sampled_from([np.float32, np.float64]))
def test_a_view_gradient_copied_into_grad_keeps_its_layout(rows, cols, kind, dtype):
    """``sinks._owned`` copies a gradient that is a view (a bias's reshaped sum, a weight's
    transposed-back gradient) into the leaf's layout, as torch's AccumulateGrad does: the bytes
    of the broadcast copy, in the strides of the (here contiguous) leaf."""
    from gradrepl.engine import sinks

    base = np.arange(rows * cols * 4, dtype=np.float32).reshape(rows * 2, cols * 2)
    g = {"rows": base[:rows], "columns": base[:, :cols], "transposed": base.T,
         "strided": base[::2, ::2], "reshaped": base.reshape(-1)[:rows * cols].reshape(rows, cols),
         "twice": base.T.T}[kind]
    want = np.dtype(dtype)
    general = np.array(np.broadcast_to(g, g.shape), dtype=want, order="C")
    leaf = np.zeros(g.shape, want)
    state = type("State", (), {"borrowed": set()})()
    owned = sinks._owned(g, type("Leaf", (), {"_data": leaf})(), state)
    assert owned is not g and owned.strides == general.strides
    assert _bits(owned) == _bits(general)


_RELU_VALUES = st.one_of(st.floats(width=32), st.sampled_from(
    [0.0, -0.0, float("nan"), -float("nan"), float("inf"), -float("inf"), 1e-45, -1e-45]))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.integers(1020, 1100), st.integers(0, 2**32 - 1),
       st.lists(_RELU_VALUES, min_size=1, max_size=40), st.booleans(), st.booleans())
def test_relu_backward_bit_masks_match_where(dtype, size, seed, specials, relu_output, expanded):
    """relu's backward by masking the gradient's bits (``backends._threshold_backward_bits``,
    from 1024 elements) against ``np.where``: the same bytes with nan, inf, signed zeros and
    subnormals in either operand, on relu outputs (zeros and positives) and on any values; the
    gradient contiguous or one value expanded (all-zero strides: a sum's gradient)."""
    from gradrepl.engine.ops import backends

    rng = np.random.default_rng(seed)
    g = rng.standard_normal(size).astype(dtype)
    out = rng.standard_normal(size).astype(dtype)
    g[:len(specials)] = specials
    out[-len(specials):] = specials
    if relu_output:
        out = np.maximum(out, dtype(0))
    if expanded:
        g = np.broadcast_to(g[0], g.shape)
    short = backends.arrays.threshold_backward(g, out)
    backends.SHORT_PATHS = False
    try:
        general = backends.arrays.threshold_backward(g, out)
    finally:
        backends.SHORT_PATHS = True
    assert _bits(short) == _bits(general) and short.strides == general.strides
    assert short.flags.writeable and not np.shares_memory(short, g)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.lists(st.integers(-7, 7), min_size=1, max_size=4),
       st.lists(st.integers(-7, 7), min_size=1, max_size=4), st.booleans())
def test_picked_rows_check_their_bounds_only_when_numpy_refuses(rows, cols, first, second, basic):
    """``t[rows, T]`` looks for torch's out-of-bounds words only after numpy refused the index;
    checked first (the general order) it gives the same values, or the same error and text.
    An index that broadcasts to nothing gathers nothing and raises nothing, out of bounds or
    not, in torch 2.13 as in numpy (checked first, it raised)."""
    import gradrepl.torch as torch
    from gradrepl.engine.ops import indexing

    t = torch.arange(float(rows * cols)).reshape(rows, cols).requires_grad_()
    index = (slice(1, None), torch.tensor(second, dtype=torch.int64)) if basic else (
        torch.tensor(first, dtype=torch.int64), torch.tensor(second, dtype=torch.int64))

    def outcome(check_first):
        try:
            if check_first:
                view = t[1:] if basic else t
                items = (slice(None),) + index[1:] if basic else index
                indexing._check_advanced(view, tuple(indexing._index_array(i) for i in items))
            picked = t[index]
            return _bits(picked._data), type(picked.grad_fn).__name__
        except IndexError as error:
            return "IndexError", str(error)
    assert outcome(False) == outcome(True)


def test_an_index_that_broadcasts_to_nothing_gathers_nothing():
    """torch 2.13's ``x[tensor([]), tensor([1])]`` on a 1 x 1 tensor is ``tensor([])``: nothing
    is gathered, so nothing is out of bounds (numpy agrees)."""
    import gradrepl.torch as torch

    picked = torch.zeros(1, 1)[torch.tensor([], dtype=torch.int64), torch.tensor([1])]
    assert tuple(picked.shape) == (0,)


# ---------------------------------------------------------------------------------------------
# AddmmBackward0's bias gradient summed over the rows in the derivative itself (addmm.BIAS_SUMS)

_SPECIALS = np.array([0.0, -0.0, 3.4e38, -3.4e38, np.inf, -np.inf, np.nan])


def _gradient(rng, shape, dtype, kind):
    """Few-bit values (sums exact or on midpoints), wide ones, or either with specials."""
    g = (rng.integers(-64, 64, shape) / 8 if kind in ("few", "few+") else
         rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape))
    if kind.endswith("+"):
        spots = rng.random(shape) < 0.05
        g[spots] = rng.choice(_SPECIALS, int(spots.sum()))
    return g.astype(dtype)


def _addmm_grads(bias_shape, x, w, g, dtype, create_graph=False):
    import gradrepl.torch as torch

    bias = torch.tensor(np.zeros(bias_shape, dtype), requires_grad=True)
    weight = torch.tensor(w, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = torch.addmm(bias, torch.tensor(x), weight)
        grads = torch.autograd.grad(out, (bias, weight), torch.tensor(g),
                                    create_graph=create_graph)
    return [_bits(t.detach().numpy()) for t in grads], sorted({str(w.message) for w in caught}), \
        [type(t.grad_fn).__name__ for t in grads]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.integers(1, 40), st.integers(1, 3),
       st.integers(1, 140), st.sampled_from(["row", "row", "one", "matrix"]), st.booleans(),
       st.sampled_from(["few", "wide", "few+", "wide+"]), st.integers(0, 2**32 - 1))
def test_addmm_bias_sums_in_the_derivative_match_the_walks_sum_to(dtype, rows, inner, cols, bias,
                                                                   create_graph, kind, seed):
    """The bias gradient of ``addmm`` summed over the rows in its derivative against the
    walk's ``sum_to`` (torch's sum_to_size): the same bits and warnings for biases of one value
    per column (the short path), of one value and of a whole matrix (the walk's, both ways),
    under create_graph too; column counts across AVX-512's 16 and 64-lane groups."""
    addmm = importlib.import_module("gradrepl.engine.ops.addmm")  # the package exports the op

    bias_shape = {"row": (cols,), "one": (1,), "matrix": (rows, cols)}[bias]
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, (rows, inner)).astype(dtype)
    w = rng.integers(-4, 5, (inner, cols)).astype(dtype)
    g = _gradient(rng, (rows, cols), dtype, kind)
    short = _addmm_grads(bias_shape, x, w, g, dtype, create_graph)
    addmm.BIAS_SUMS = False
    try:
        general = _addmm_grads(bias_shape, x, w, g, dtype, create_graph)
    finally:
        addmm.BIAS_SUMS = True
    assert short == general


def test_addmm_bias_sums_are_what_the_mlp_step_takes(monkeypatch):
    import gradrepl.torch as torch

    addmm = importlib.import_module("gradrepl.engine.ops.addmm")
    taken = []
    original = addmm.float_sum
    monkeypatch.setattr(addmm, "float_sum", lambda *args: taken.append(args[1]) or original(*args))
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    torch.log_softmax(model(torch.ones(4, 6)), dim=1)[torch.arange(4), 0].mean().backward()
    assert taken == [(0,), (0,)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["expf", "logf"]),
                          st.sampled_from([(1,), (3,), (32,), (4, 5), (32, 10), (5000,)]),
                          st.integers(0, 2**32 - 1)), min_size=1, max_size=12))
def test_kept_work_arrays_give_fresh_results_with_the_bits_made_afresh(calls):
    """``blocks.take_work``: expf's and logf's float64 work arrays kept between calls. A run of
    calls on repeated and interleaved shapes (a 5,000-element one, above the size kept) gives
    each result the bits of the same call with the arrays made afresh (``KEEP_WORK`` off), and
    no later call changes an earlier result (none is, or is a view of, a kept array)."""
    kernels = {"expf": (sleef.expf, -86, 88), "logf": (sleef_single.logf, 0.5, 12.0)}
    inputs = []
    for name, shape, seed in calls:
        kernel, low, high = kernels[name]
        d = np.random.default_rng(seed).uniform(low, high, shape).astype(F32)
        inputs.append((kernel, d))
    blocks.KEEP_WORK = False
    try:
        afresh = [_bits(kernel(d)) for kernel, d in inputs]
    finally:
        blocks.KEEP_WORK = True
    results = [kernel(d) for kernel, d in inputs]
    assert [_bits(r) for r in results] == afresh
    assert len(blocks._work) <= blocks._WORK_SETS
    assert all(not np.shares_memory(r, w) for r in results for work in blocks._work.values()
               for w in work[:2])
    # the kept bits of the screened rows are those rows' own memory, not a copy
    assert all(work[4].base is not None and np.shares_memory(work[4], work[1])
               and work[4].size == work[1][work[5][2]:].size for work in blocks._work.values())


def test_kept_work_arrays_are_not_shared_by_calls_running_at_once():
    """A call takes its set out of the memo while it runs: threads computing expf and logf on
    one shape at once each get their own arrays, and the bits of a lone call."""
    rng = np.random.default_rng(5)
    inputs = [rng.uniform(-20, 0, (32, 10)).astype(F32) for _ in range(4)]
    sums = [rng.uniform(1, 10, 32).astype(F32) for _ in range(4)]
    expected = [(_bits(sleef.expf(d)), _bits(sleef_single.logf(s))) for d, s in zip(inputs, sums)]
    failures = []

    def run(i):
        for _ in range(200):
            got = (_bits(sleef.expf(inputs[i])), _bits(sleef_single.logf(sums[i])))
            if got != expected[i]:
                failures.append(i)
                return

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads inside the kernels
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.sampled_from([1e-3, 1.0, 30.0, 200.0]),
       st.integers(0, 2**32 - 1),
       st.lists(st.sampled_from([float("nan"), float("inf"), -float("inf"), -1e30, 88.5, 0.0]),
                max_size=3))
def test_log_softmax_rows_skip_the_bounds_that_always_hold(rows, size, scale, seed, specials):
    """``softmax.NONPOSITIVE_ROWS``: float32 rows' ``x - max(x)`` through
    ``sleef.expf_of_nonpositive`` and the row sums through ``sleef_single.logf_of_row_sums``,
    each with its lower range bound only, against expf's and logf's own checks: the same bits
    and warnings, on rows wide enough to leave expf's range (the general steps then), with nan,
    +-inf and huge values planted (a nan or inf row fails the lower bound and goes the general
    way)."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, size)) * scale).astype(F32)
    for i, value in enumerate(specials):
        x.flat[(i * 7919 + seed) % x.size] = value
    outs = []
    for skip in (True, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            float_softmax.NONPOSITIVE_ROWS = skip
            try:
                out = float_softmax._log_softmax_rows(x)
            finally:
                float_softmax.NONPOSITIVE_ROWS = True
        outs.append((_bits(out), [(w.category, str(w.message)) for w in caught]))
    assert outs[0] == outs[1]


def test_log_softmax_rows_of_the_mlp_step_take_the_nonpositive_kernels(monkeypatch):
    """W8's logits (32 x 10) reach ``_expf_ordinary_in_float64`` and ``_logf_ordinary_in_float64``
    through the kernels without the upper bounds."""
    calls = []
    for module, name in ((sleef, "_expf_ordinary_in_float64"),
                         (sleef_single, "_logf_ordinary_in_float64")):
        kernel = getattr(module, name)
        monkeypatch.setattr(module, name, lambda d, kernel=kernel, name=name: (
            calls.append(name), kernel(d))[1])
    monkeypatch.setattr(sleef, "expf", None)  # expf's and logf's own entries are not called
    monkeypatch.setattr(sleef_single, "logf", None)
    x = np.random.default_rng(3).standard_normal((32, 10)).astype(F32)
    float_softmax._log_softmax_rows(x)
    assert calls == ["_expf_ordinary_in_float64", "_logf_ordinary_in_float64"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["?", "f4", "f8", "u8", "i4"]),
       st.lists(st.integers(0, 5), min_size=0, max_size=3), st.integers(0, 2**32 - 1),
       st.sampled_from(["array", "scalar", "list", "view"]))
def test_count_nonzero_and_shape_without_numpys_python_layer_match_numpys(dtype, shape, seed,
                                                                          kind):
    """``fused.count_nonzero`` (the C function numpy's count_nonzero calls) and
    ``blas_order._shape`` give np.count_nonzero's and np.shape's values and types, for arrays
    (nan, -0 and inf among floats), non-contiguous views, numpy scalars and lists."""
    from gradrepl.engine.ops import blas_order

    rng = np.random.default_rng(seed)
    a = rng.integers(-1, 2, tuple(shape)).astype(dtype)
    if a.dtype.kind == "f" and a.size:
        a.flat[seed % a.size] = (np.nan, -0.0, np.inf)[seed % 3]
    operand = {"array": a, "scalar": a.reshape(-1)[0] if a.size else a.dtype.type(0),
               "list": a.tolist(), "view": a[..., ::2] if a.ndim else a}[kind]
    counted, expected = fused.count_nonzero(operand), np.count_nonzero(operand)
    assert counted == expected and type(counted) is type(expected)
    assert blas_order._shape(operand) == np.shape(operand)


def _reduce_all(row, lanes):
    """``vec::reduce_all`` of one row stated lane by lane in numpy scalars of the row's dtype:
    whole vectors added in order, the partial last vector into the first lanes, then float's
    butterfly over every lane (lane i plus lane i ^ step) or double's lanes in order; a row
    shorter than a vector in order."""
    if len(row) < lanes:
        total = row[0]
        for value in row[1:]:
            total = total + value
        return total
    whole = len(row) // lanes * lanes
    acc = list(row[:lanes])
    for start in range(lanes, len(row), lanes):
        for i, value in enumerate(row[start:start + lanes]):
            acc[i] = acc[i] + value  # the partial vector (start = whole) only its first lanes
    assert whole + len(row) % lanes == len(row)
    if row.dtype == np.float64:
        total = acc[0]
        for value in acc[1:]:
            total = total + value
        return total
    step = lanes // 2
    while step:
        acc = [acc[i] + acc[i ^ step] for i in range(lanes)]
        step //= 2
    return acc[0]


_SUM_SPECIALS = [0.0, -0.0, 3e38, -3e38, float("inf"), float("-inf"), float("nan"), 1e-45,
                 2.0 ** 24, 0.125]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.sampled_from([4, 8, 16]),
       st.integers(1, 6), st.integers(1, 70), st.integers(0, 2**32 - 1),
       st.lists(st.tuples(st.integers(0, 419), st.sampled_from(_SUM_SPECIALS)), max_size=6))
def test_reduce_sum_in_lane_rows_matches_reduce_all_lane_by_lane(dtype, lanes, rows, size, seed,
                                                                 planted):
    """``reduce_sum``'s transposed copy (each lane a contiguous row) and its halving butterfly
    (only the lanes that reach lane 0) against reduce_all stated lane by lane: the same bits
    (signed zeros and infs included; a nan as a nan: numpy's scalar adds, the reference's, may
    swap a sum's operands, which picks the other nan's sign), at AVX2's and AVX-512's widths,
    rows shorter than one vector, of one vector plus a partial one (AVX2's rows of 10) and of
    several."""
    rng = np.random.default_rng(seed)
    matrix = (rng.standard_normal((rows, size)) * 10.0 ** rng.integers(-3, 4, (rows, size)))
    matrix = matrix.astype(dtype)
    for position, value in planted:
        matrix.flat[position % matrix.size] = value
    with np.errstate(all="ignore"):
        got = float_softmax.reduce_sum(matrix, lanes)
        expected = np.array([_reduce_all(row, lanes) for row in matrix], dtype)
    assert got.dtype == dtype and got.shape == (rows,)
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(got), nan)
    assert got[~nan].tobytes() == expected[~nan].tobytes()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([4, 8, 16]),
       st.lists(st.tuples(st.integers(1, 40), st.integers(0, 15), st.integers(0, 2**32 - 1)),
                min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 1279), st.sampled_from(_SUM_SPECIALS)), max_size=6))
def test_reduce_sum_kept_lane_work_gives_the_bits_and_warnings_made_afresh(lanes, calls, planted):
    """``reduce_sum``'s kept work arrays (float32 rows of one whole vector and a partial one:
    ``KEEP_LANES``) against the same sums with the arrays made at each call: runs of calls on
    repeated and interleaved shapes (some past the kept size), the same bits and warnings, and
    a result that is fresh (no memory shared with a kept array, unchanged by the next call)."""
    results = []
    for rows, extra, seed in calls:
        n = lanes + extra % lanes
        rng = np.random.default_rng(seed)
        matrix = (rng.standard_normal((rows * (1 + (seed % 7 == 0) * 120), n))
                  * 10.0 ** rng.integers(-3, 4, (1, n))).astype(F32)
        for position, value in planted:
            matrix.flat[position % matrix.size] = value
        outcomes = []
        for keep in (True, False):
            with (switched(float_softmax, "KEEP_LANES", keep),
                  warnings.catch_warnings(record=True) as caught):
                warnings.simplefilter("always")
                got = float_softmax.reduce_sum(matrix, lanes)
            outcomes.append((_bits(got), [(w.category, str(w.message)) for w in caught], got))
        (kept_bits, kept_warnings, got), (fresh_bits, fresh_warnings, _) = outcomes
        assert kept_bits == fresh_bits and kept_warnings == fresh_warnings
        for work in float_softmax._kept_lanes.values():
            assert not np.shares_memory(got, work[0])
            assert all(not np.shares_memory(got, out) for _, _, out in work[2])
        results.append((got, kept_bits))
    for got, bits in results:  # later calls wrote into the kept arrays, not into these
        assert _bits(got) == bits


def test_reduce_sum_of_the_mlp_steps_rows_takes_the_kept_lane_work():
    """W8's rows of 10 on AVX2's 8 lanes take ``_one_vector_sum`` (dropping the kept path
    fails this, not the bits tests)."""
    rows = np.arange(320, dtype=F32).reshape(32, 10) / F32(7)
    float_softmax._kept_lanes.clear()
    float_softmax.reduce_sum(rows, 8)
    assert (32, 10, 8) in float_softmax._kept_lanes


_BOUND_SPECIALS = [F32(-86), np.nextafter(F32(-86), F32(-100)), np.nextafter(F32(-86), F32(0)),
                   F32(88), np.nextafter(F32(88), F32(100)), F32(2.0 ** -100), F32(2.0 ** 100),
                   np.nextafter(F32(2.0 ** 100), F32(np.inf)), F32(0), F32(-0.0), F32(np.inf),
                   F32(-np.inf), F32(np.nan), F32(1e-45)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_BOUND_SPECIALS + [F32(1.5), F32(-3)]), min_size=1, max_size=40),
       st.sampled_from(_BOUND_SPECIALS[:8]), st.integers(1, 3))
def test_counted_bounds_are_the_reductions_bounds(values, bound, rows):
    """``fused.all_at_least`` / ``all_at_most`` (a comparison and a count) against the minimum
    and maximum they replace: nan fails both, signed zeros and infinities as the reductions
    compare them, in one and two dims."""
    d = np.array(values * rows, F32).reshape(rows, -1)
    b = np.array(bound, F32)
    assert fused.all_at_least(d, b) == bool(np.minimum.reduce(d, axis=None) >= b)
    assert fused.all_at_most(d, b) == bool(np.maximum.reduce(d, axis=None) <= b)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1.0, 30.0, 90.0, 200.0]),
       st.lists(st.tuples(st.integers(0, 319), st.sampled_from(_BOUND_SPECIALS)), max_size=4))
def test_sleef_kernels_with_counted_bounds_match_the_reductions(seed, scale, planted):
    """expf, ``expf_of_nonpositive``, logf and ``logf_of_row_sums`` with their range checks
    counted (``sleef.COUNTED_BOUNDS``) against the minimum and maximum: the same bits and
    warnings, the ordinary paths' edges planted (just inside and outside -86, 88, 2**+-100)."""
    rng = np.random.default_rng(seed)
    d = (rng.standard_normal((32, 10)) * scale).astype(F32)
    for position, value in planted:
        d.flat[position] = value
    sums = np.abs(d[:, 0]) + F32(1)
    kernels = [lambda: sleef.expf(d), lambda: sleef.expf_of_nonpositive(-np.abs(d)),
               lambda: sleef_single.logf(np.abs(d)),
               lambda: sleef_single.logf_of_row_sums(sums)]
    for kernel in kernels:
        outcomes = []
        for counted in (True, False):
            with (switched(sleef, "COUNTED_BOUNDS", counted),
                  warnings.catch_warnings(record=True) as caught):
                warnings.simplefilter("always")
                result = kernel()
            outcomes.append((_bits(result), [(w.category, str(w.message)) for w in caught]))
        assert outcomes[0] == outcomes[1]
