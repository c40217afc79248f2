"""MKL's float32 sqrt on Intel AVX-512 CPUs (engine/float_math/mkl_sqrt.py): torch's bits."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from gradrepl.engine.float_math import kernels, mkl_sqrt
from tests.cpu_vendor import cpu_vendor, needs_measured_mkl  # noqa: F401 (fixture)


def _floats(seed=0, n=200_000):
    rng = np.random.default_rng(seed)
    every_binade = rng.integers(1, 0x7F800000, size=n, dtype=np.int64).astype(np.uint32)
    lesson_sized = rng.random(n, dtype=np.float32) * np.float32(4)
    specials = np.array([0, -0.0, np.inf, -np.inf, np.nan, -1, 1, 2, 4, 0.25, 2.0 ** -64,
                         np.nextafter(np.float32(2.0 ** -64), np.float32(0)), 1e-45,
                         np.finfo(np.float32).tiny, np.finfo(np.float32).max], np.float32)
    return np.concatenate([every_binade.view(np.float32), lesson_sized, specials])


def test_estimate_is_the_table_scaled_by_powers_of_four():
    """vrsqrt14ps's estimate depends on the exponent's parity and the mantissa's top 15 bits:
    scaling x by 4 halves it exactly, and it is within 2**-14 of the true reciprocal root."""
    x = _floats()[:200_000]
    x = x[(x > 1e-30) & (x < 1e30)]
    y = mkl_sqrt.rsqrt14(x)
    np.testing.assert_array_equal(mkl_sqrt.rsqrt14(x * np.float32(4)), y * np.float32(0.5))
    exact = 1 / np.sqrt(x.astype(np.float64))
    assert np.abs(y / exact - 1).max() < 2.0 ** -14
    assert mkl_sqrt.rsqrt14(np.float32([1, 4, 16])).tolist() == [1, 0.5, 0.25]


def test_one_ulp_low_only_just_above_a_midpoint():
    """The corrected root is the correctly rounded one, or one ulp below it where the exact root
    lies within 0.06 ulp above a rounding midpoint; 0-d, 1-element and n-d inputs agree."""
    x = _floats(1)
    with np.errstate(invalid="ignore"):
        ours, correct = mkl_sqrt.sqrt32(x), np.sqrt(x)
    same = (ours == correct) | (np.isnan(ours) & np.isnan(correct))
    low = ~same
    assert 0.003 < low.mean() < 0.01
    assert (ours[low] == np.nextafter(correct[low], np.float32(0))).all()
    offset = (np.sqrt(x[low].astype(np.float64)) - correct[low]) / np.spacing(correct[low])
    assert (offset > -0.5).all() and (offset < -0.44).all()
    picked = x[:50]
    assert [mkl_sqrt.sqrt32(v) for v in picked] == ours[:50].tolist()


def test_vendor_decides(cpu_vendor):
    x = np.linspace(0.01, 4, 100_001, dtype=np.float32)
    cpu_vendor("GenuineIntel")
    np.testing.assert_array_equal(kernels.sqrt(x), mkl_sqrt.sqrt32(x))
    assert (kernels.sqrt(x) != np.sqrt(x)).any()
    cpu_vendor("AuthenticAMD")
    np.testing.assert_array_equal(kernels.sqrt(x), np.sqrt(x))
    np.testing.assert_array_equal(kernels.sqrt(x.astype(np.float64)), np.sqrt(x.astype(np.float64)))


@pytest.mark.torch
@needs_measured_mkl
@pytest.mark.parametrize("form", ["sqrt", "pow", "strided", "0-d"])
def test_float32_sqrt_is_torchs(real_torch, form):
    x = _floats(2)
    if form == "0-d":
        x = x[::2000]
    ours = gt.tensor(x)
    theirs = real_torch.tensor(x)
    ops = {"sqrt": lambda t: t.sqrt(), "pow": lambda t: t ** 0.5,
           "strided": lambda t: t[::3].sqrt(),
           "0-d": lambda t: t}
    if form == "0-d":
        got = np.array([gt.sqrt(ours[i]).item() for i in range(len(x))], np.float32)
        want = np.array([real_torch.sqrt(theirs[i]).item() for i in range(len(x))], np.float32)
    else:
        got, want = ops[form](ours).numpy(), ops[form](theirs).numpy()
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def test_straight_path_agrees_with_the_general_one():
    """All values positive and normal take one straight path; a zero among them sends the array
    through the general one (masks, scaling): the same roots."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    values = st.floats(2.0 ** -64, float(np.float32(3e38)), width=32)

    @settings(max_examples=200, deadline=None)
    @given(arrays(np.float32, st.integers(1, 40), elements=values))
    def check(x):
        straight = mkl_sqrt.sqrt32(x)
        general = mkl_sqrt.sqrt32(np.append(x, np.float32(0)))[:-1]
        np.testing.assert_array_equal(straight.view(np.uint32), general.view(np.uint32))
    check()


def test_few_lanes_agree_with_the_general_path(monkeypatch):
    """An array of at most FEW_LANES elements (an optimizer's Linear(3, 1) weight and bias) takes
    the root in Python floats: the bits, shape and warnings of the numpy path (FEW_LANES = 0),
    on every kind of float32 (zeros, negatives, subnormals, values below 2**-64, powers of four,
    inf, nan), whole, strided and 0-d; it hands back to numpy whatever it cannot vouch for."""
    import warnings

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    specials = st.sampled_from([0.0, -0.0, -1.0, 4.0, 0.25, 2.0 ** -64, 2.0 ** -66, 1e-45, 3e38,
                                float("inf"), float("nan")])
    values = st.floats(width=32) | st.floats(2.0 ** -64, float(np.float32(3e38)), width=32) | specials

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(arrays(np.float32, st.integers(1, 12), elements=values), st.sampled_from(["whole", "strided", "0-d"]))
    def check(x, form):
        if form == "strided":
            x = x[::2]
        elif form == "0-d":
            x = x[0]
        results = []
        for lanes in (mkl_sqrt.FEW_LANES, 0):
            with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                patch.setattr(mkl_sqrt, "FEW_LANES", lanes)
                out = kernels.sqrt(x)
            results.append((type(out), np.shape(out), np.asarray(out).tobytes(),
                            [(w.category, str(w.message)) for w in caught]))
        assert results[0] == results[1]
    check()


def test_few_lanes_take_the_short_path_on_an_optimizers_averages():
    rng = np.random.default_rng(4)
    x = (rng.random(3) * 1e-4).astype(np.float32)
    few = mkl_sqrt._sqrt32_few(x)
    assert few is not None and few.flags.writeable
    general = mkl_sqrt._corrected(x)
    np.testing.assert_array_equal(few.view(np.uint32), general.view(np.uint32))


def test_the_straight_path_is_the_corrected_one(monkeypatch):
    """Positive normal arrays above 2**-64 take ``_corrected_straight`` (fewer numpy calls): the
    bits, shape and type of ``_corrected``'s path (STRAIGHT = False), on every binade, powers of
    four and their neighbours (handed back), n-d and strided inputs; and on 100,000 values of
    every binade at once."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    fours = [float(4.0 ** e) for e in range(-32, 64)]
    values = (st.floats(2.0 ** -64, float(np.float32(3e38)), width=32)
              | st.sampled_from(fours + [float(np.nextafter(np.float32(f), np.float32(0)))
                                         for f in fours[1:]])
              | st.floats(2.0 ** -20, 1.0, width=32))

    @settings(max_examples=150, deadline=None)
    @given(arrays(np.float32, st.sampled_from([(1,), (7,), (33,), (4, 5), (2, 3, 4)]), elements=values),
           st.booleans())
    def check(x, strided):
        if strided:
            x = x[..., ::2]
        results = []
        for straight in (True, False):
            with monkeypatch.context() as patch:
                patch.setattr(mkl_sqrt, "STRAIGHT", straight)
                patch.setattr(mkl_sqrt, "FEW_LANES", 0)
                out = mkl_sqrt.sqrt32(x)
            results.append((type(out), out.shape, out.dtype, out.tobytes()))
        assert results[0] == results[1]
    check()
    x = _floats(3)[:100_000]
    x = x[(x >= 2.0 ** -64) & (x < np.inf)]
    x = x[(x.view(np.int32) & 0xFFFFFF) != 0x800000]  # no powers of four: no hand-back
    straight = mkl_sqrt._corrected_straight(x)
    assert straight is not None
    np.testing.assert_array_equal(straight.view(np.uint32), mkl_sqrt._corrected(x).view(np.uint32))
    assert mkl_sqrt._corrected_straight(np.float32([4.0, 3.0])) is None
