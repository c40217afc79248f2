"""float32 kernels computed through float64 a block at a time (``blocks.rounded_through_float64``):
MKL's stand-in unary ops (tanh, exp, log...) and tanh's backward, against the whole-array
computation and, for the backward, against the exact fused multiply-add on every lane. Small
blocks make small arrays take the blocked path; the large sizes W5 uses are checked too."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradrepl.engine.float_math import kernels, tanh_from_exp
from test_float_math_fused import block_size, exact_everywhere

F32 = np.float32
floats32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
# what tanh gives, with the values where 1 - y * y is inexact in float64 (|y| < 1/8) and the
# float32 midpoints of tanh's outputs next to 1
tanh_outputs = st.one_of(st.floats(-1, 1, width=32), st.floats(-0.125, 0.125, width=32),
                         st.sampled_from([1 - 2.0 ** -24, -(1 - 2.0 ** -24), 1 - 2.0 ** -23,
                                          2.0 ** -13, 0.0, -0.0, 1.0]))
# beyond 8 and NaN: the short path must hand these to the screened one
unusual = st.sampled_from([8.0, -8.0, 8.000001, 9.0, -1e20, 3e30, float("nan"), float("inf")])


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


@settings(max_examples=60, deadline=None)
@given(st.lists(tanh_outputs, min_size=1, max_size=60), st.lists(unusual, max_size=2),
       st.integers(1, 5), st.booleans())
def test_tanh_backward_short_paths_match_the_exact_fma(values, odd, block, matrix):
    """Blocked and whole-array tanh backward give the bits of the screened path (every lane
    checked: the code before the short paths) and of the exact fused multiply-add, with or
    without a NaN or a |y| >= 8 somewhere in the array (then every block is redone). A NaN's
    sign is the one thing the exact emulation computes otherwise (-y times y there, y times y
    in float64), as before: NaN lanes are compared as NaN."""
    y = np.array(values + odd, F32)
    np.random.default_rng(len(values)).shuffle(y)
    g = np.array(values[::-1] + odd, F32) * F32(3)
    if matrix and y.size % 2 == 0:
        y, g = y.reshape(2, -1), g.reshape(2, -1)
    with np.errstate(all="ignore"):
        with block_size(block):
            blocked = kernels.tanh_backward(g, y)
        with block_size(0):
            whole = kernels.tanh_backward(g, y)
        screened = g * kernels._one_minus_square32_screened(y)
        with exact_everywhere():
            exact = kernels.tanh_backward(g, y)
    assert blocked.shape == whole.shape == exact.shape == y.shape
    assert np.array_equal(_bits(blocked), _bits(screened))
    assert np.array_equal(_bits(whole), _bits(screened))
    nan = np.isnan(exact)
    assert np.array_equal(np.isnan(blocked), nan)
    assert np.array_equal(_bits(blocked[~nan]), _bits(exact[~nan]))


@settings(max_examples=30, deadline=None)
@given(st.lists(tanh_outputs, min_size=8, max_size=40), st.integers(1, 3))
def test_tanh_backward_other_gradient_layouts(values, block):
    """A gradient that is not a C-contiguous float32 array of y's shape (a broadcast one, a
    transposed one, a float64 one) takes the general product, with the same bits."""
    y = np.array(values[:len(values) // 2 * 2], F32).reshape(2, -1)
    cases = [np.broadcast_to(F32(0.75), y.shape), np.asfortranarray(y * F32(2)),
             (y * F32(2)).astype(np.float64), F32(1.5)]
    with block_size(block):
        got = [kernels.tanh_backward(g, y) for g in cases]
    with exact_everywhere():
        want = [kernels.tanh_backward(g, y) for g in cases]
    for a, b in zip(got, want):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        assert np.array_equal(_bits(a), _bits(b))


@settings(max_examples=40, deadline=None)
@given(st.lists(floats32, min_size=1, max_size=50), st.integers(1, 5),
       st.sampled_from(["tanh", "exp", "log", "log10", "sin", "cos"]))
def test_rounded_from_float64_blocks_change_no_bit(values, block, name):
    """The unary forwards give the whole call's bits and layout block by block; a transposed
    input (not C-contiguous) keeps its layout through the whole-array path."""
    x = np.array(values, F32)
    if x.size % 2 == 0:
        x = x.reshape(2, -1)
    forward = getattr(kernels, name)
    with np.errstate(all="ignore"):
        with block_size(0):
            whole = forward(x)
            whole_t = forward(x.T)
        with block_size(block):
            parts = forward(x)
            parts_t = forward(x.T)
    assert parts.dtype == whole.dtype == F32 and parts.shape == whole.shape
    assert np.array_equal(_bits(parts), _bits(whole))
    assert parts_t.strides == whole_t.strides and np.array_equal(_bits(parts_t), _bits(whole_t))


def test_w5_sized_tanh_and_backward():
    """A million elements, the default block: tanh forward as float64 rounded once, its
    backward as the exact fused multiply-add (on a sample: the exact path is slow)."""
    x = np.random.default_rng(5).uniform(-3, 5, 1_000_000).astype(F32)
    y = kernels.tanh(x)
    assert np.array_equal(_bits(y), _bits(np.tanh(x.astype(np.float64)).astype(F32)))
    g = np.random.default_rng(6).uniform(-2, 2, x.size).astype(F32)
    fast = kernels.tanh_backward(g, y)
    sample = np.random.default_rng(7).choice(x.size, 20_000, replace=False)
    with exact_everywhere():
        exact = kernels.tanh_backward(g[sample], y[sample])
    assert np.array_equal(_bits(fast[sample]), _bits(exact))
    y[123_456] = np.nan  # one NaN: the general path for everything, same bits elsewhere
    again = kernels.tanh_backward(g, y)
    assert np.isnan(again[123_456])
    keep = np.arange(x.size) != 123_456
    assert np.array_equal(_bits(again[keep]), _bits(fast[keep]))


# float32 tanh's short path from float64 exp (float_math/tanh_from_exp.py) -----------------------
_NAN_BITS = [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFBFFFFF, 0x7FC12345, 0xFFFFFFFF]
tanh_inputs = st.one_of(
    st.floats(width=32),  # any value, NaN and infinities included
    st.floats(-2.0 ** -7, 2.0 ** -7, width=32),  # around the 2**-8 the short path starts at
    st.floats(8.5, 9.5, width=32),  # where the float32 result becomes 1
    st.sampled_from([2.0 ** -8, -(2.0 ** -8), 2.0 ** -8 * (1 - 2.0 ** -24), 0.0, -0.0,
                     1e-45, -1e-45, 3.4e38, 88.8, 355.0]),
    st.sampled_from(_NAN_BITS).map(lambda b: float(np.array([b], np.uint32).view(F32)[0])))


def _tanh_reference(x):
    return np.tanh(x.astype(np.float64)).astype(F32)


@contextlib.contextmanager
def _tanh_from_exp_taken(taken=True):
    """kernels.tanh with the exp path switched on (or off) whatever this CPU's numpy is."""
    saved, tanh_from_exp.PAYS = tanh_from_exp.PAYS, taken
    try:
        yield
    finally:
        tanh_from_exp.PAYS = saved


@settings(max_examples=80, deadline=None)
@given(st.lists(tanh_inputs, min_size=1, max_size=70), st.integers(1, 5),
       st.sampled_from([None, (2, -1), (-1, 2)]))
def test_tanh_from_exp_gives_the_general_paths_bits(values, block, shape):
    """kernels.tanh on a large C-contiguous float32 array (small blocks make small arrays large)
    takes tanh_from_exp; it gives the bits, shape and dtype of numpy's float64 tanh rounded once
    (the general path, SHORT_PATHS off), NaN payloads and signs included, and no warning."""
    x = np.array(values, F32)
    if shape is not None and x.size % 2 == 0:
        x = x.reshape(shape)
    with block_size(block), _tanh_from_exp_taken():
        assert kernels.large_contiguous(x) == (x.size > block)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            short = kernels.tanh(x)
    kernels.SHORT_PATHS = False
    try:
        general = kernels.tanh(x)
    finally:
        kernels.SHORT_PATHS = True
    assert short.dtype == general.dtype == F32 and short.shape == general.shape == x.shape
    assert np.array_equal(_bits(short), _bits(general))
    assert np.array_equal(_bits(short), _bits(_tanh_reference(x)))


def _tanh32_with_moved_estimate(x, error):
    """tanh_from_exp.tanh32 with its estimate replaced by np.tanh moved by ``error`` float64
    ulps, and that moved estimate rounded alone."""
    real = tanh_from_exp._estimate

    def moved(part, wide):
        np.tanh(part.astype(np.float64), out=wide)
        wide.view(np.int64)[:] += error
    tanh_from_exp._estimate = moved
    try:
        screened = tanh_from_exp.tanh32(x)
    finally:
        tanh_from_exp._estimate = real
    alone = (np.tanh(x.astype(np.float64)).view(np.int64) + error).view(np.float64)
    return screened, alone.astype(F32)


@settings(max_examples=20, deadline=None)
@given(st.integers(-tanh_from_exp.WINDOW // 2, tanh_from_exp.WINDOW // 2),
       st.integers(0, 2 ** 32 - 1))
def test_tanh_from_exps_screen_redoes_every_lane_an_error_could_flip(error, seed):
    """The screen holds for any estimate within half its window of np.tanh: moved by ``error``
    float64 ulps, it still gives np.tanh's float32 bits (2**16 inputs)."""
    x = np.random.default_rng(seed).uniform(-6, 6, 1 << 16).astype(F32)
    screened, _ = _tanh32_with_moved_estimate(x, error)
    assert np.array_equal(_bits(screened), _bits(_tanh_reference(x)))


def test_tanh_from_exps_screen_is_needed():
    """An estimate half the window off rounds to other float32 values on some lanes (about
    2**20 * 8192 / 2**29 = 16 of them here) that the screen puts right."""
    x = np.random.default_rng(11).uniform(-6, 6, 1 << 20).astype(F32)
    want = _tanh_reference(x)
    for error in (tanh_from_exp.WINDOW // 2, -tanh_from_exp.WINDOW // 2):
        screened, alone = _tanh32_with_moved_estimate(x, error)
        assert np.count_nonzero(alone != want) >= 4
        assert np.array_equal(_bits(screened), _bits(want))


def test_tanh_from_exp_on_w5s_inputs():
    """W5's million inputs (x * 2 + 1 of its uniform x) at the default block, against np.tanh
    rounded once; a NaN and an infinity in the middle change only their own lanes."""
    x = np.random.default_rng(5).uniform(-2, 2, 1_000_000).astype(F32) * F32(2) + F32(1)
    with _tanh_from_exp_taken():
        y = kernels.tanh(x)
        assert np.array_equal(_bits(y), _bits(_tanh_reference(x)))
        x[[5, 500_000]] = [np.nan, -np.inf]
        again = kernels.tanh(x)
    assert np.array_equal(_bits(again), _bits(_tanh_reference(x)))


@pytest.mark.parametrize("flags, pays", [
    ({"avx", "avx2", "fma", "x86_v2", "x86_v3"}, True),  # the AMD EPYC of session 15
    ({"avx2", "fma", "x86_v3", "x86_v4", "avx512f"}, False),  # numpy's AVX-512 tanh is faster
    ({"avx2", "fma", "avx512_skx"}, False), ({"avx2", "avx512f"}, False),
    ({"asimd", "neon"}, False), (set(), False)])  # not measured: np.tanh as before
def test_tanh_from_exp_is_taken_only_on_avx2_without_avx512(monkeypatch, flags, pays):
    monkeypatch.setattr(tanh_from_exp.cpu_capability, "cpu_flags", lambda: set(flags))
    assert tanh_from_exp._pays() is pays


def test_kernels_tanh_takes_np_tanh_where_the_exp_path_does_not_pay(monkeypatch):
    x = np.random.default_rng(3).uniform(-4, 4, 70_000).astype(F32)
    monkeypatch.setattr(tanh_from_exp, "tanh32", None)  # calling it would fail
    with _tanh_from_exp_taken(False):
        assert np.array_equal(_bits(kernels.tanh(x)), _bits(_tanh_reference(x)))
