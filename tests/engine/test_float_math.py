"""engine/float_math: torch's split between vector and scalar code, SLEEF's functions, and the
ops built on them, bit for bit against live torch where the algorithm is public."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradrepl.engine import cpu_capability
from gradrepl.engine.float_math import kernels, loops, sleef
from gradrepl.engine.vector_math import fma64


@pytest.fixture
def capability(monkeypatch):
    def choose(value):
        cpu_capability.capability.cache_clear()
        monkeypatch.setenv("ATEN_CPU_CAPABILITY", value)
    yield choose
    cpu_capability.capability.cache_clear()


@pytest.mark.parametrize("value, n, tails", [
    ("avx2", 17, [slice(16, 17)]), ("avx512", 17, [slice(0, 17)]),
    ("avx2", 32, []), ("avx512", 33, [slice(32, 33)]), ("avx2", 7, [slice(0, 7)]),
    # 32768+ elements: two threads' chunks, each with its own tail
    ("avx512", 100000, [slice(49984, 50000), slice(99984, 100000)]),
    ("avx2", 32768, []),  # exactly one grain: one thread, whole vectors
])
def test_scalar_elements_follow_the_vector_width_and_threads(capability, value, n, tails):
    capability(value)
    assert loops.scalar_elements(n, 4) == tails


def test_elementwise_runs_each_part_through_its_function(capability):
    capability("avx2")
    x = np.arange(40, dtype=np.float32).reshape(2, 20)
    out = loops.elementwise(x, lambda v: v * 0, lambda v: v * 0 + 1)
    assert out.ravel().tolist() == [0] * 32 + [1] * 8
    rows = loops.elementwise(x[:, :18], lambda v: v * 0, lambda v: v * 0 + 1)  # strided rows
    assert rows.tolist() == [[0] * 16 + [1] * 2] * 2
    assert loops.elementwise(x[:, ::2], lambda v: v * 0, lambda v: v * 0 + 1).min() == 1


@pytest.mark.parametrize("value", ["avx2", "avx512"])
@pytest.mark.parametrize("n, vector", [(16, 0), (31, 0), (32, 32), (63, 32), (65, 64)])
def test_half_loops_step_32_halves_under_both_capabilities(capability, value, n, vector):
    """measured against torch 2.13's half rsqrt: two Vectorized<Half> of 16 under AVX2 (AMD
    EPYC), two float vectors' worth under AVX512 (Intel Xeon)"""
    capability(value)
    out = loops.elementwise(np.zeros(n, np.float16), lambda v: v * 0, lambda v: v * 0 + 1)
    assert out.tolist() == [0] * vector + [1] * (n - vector)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.floats(-1e3, 1e3, allow_nan=False)] * 3), min_size=1, max_size=20))
def test_fma64_rounds_once(triples):
    a, b, c = (np.array(v) for v in zip(*triples))
    exact = [float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in triples]
    assert fma64(a, b, c).tolist() == exact


def _fma_reference(a: float, b: float, c: float) -> float:
    """IEEE 754's fusedMultiplyAdd: the exact a * b + c rounded once; an infinite or NaN operand
    gives a * b + c's own IEEE result, where a finite product (however large) plus an infinite c
    is c."""
    if all(math.isfinite(v) for v in (a, b, c)):
        exact = Fraction(a) * Fraction(b) + Fraction(c)
        if exact == 0:  # a Fraction has no signed zero: IEEE's sum of a * b (exact: a zero, or
            return a * b + c  # -c itself) and c gives the sign, -0 only for -0 + -0
        try:
            return float(exact)
        except OverflowError:
            return math.inf if exact > 0 else -math.inf
    if math.isfinite(a) and math.isfinite(b):
        return c
    return a * b + c


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(*[st.floats(width=64)] * 3), min_size=1, max_size=12))
def test_fma64_is_ieee_on_every_double_infinities_and_overflow_included(triples):
    # inf and NaN operands once came back NaN (the error terms' inf - inf): torch's float64
    # x.add(inf_tensor, alpha=0.5), lerp and addcmul were NaN where torch gives inf
    a, b, c = (np.array(v, np.float64) for v in zip(*triples))
    got = fma64(a, b, c)
    want = np.array([_fma_reference(*t) for t in triples])
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want)) or np.isnan(want).any()
    for t in triples[:2]:  # 0-d operands: a scalar back
        assert np.array_equal(fma64(*t), _fma_reference(*t), equal_nan=True)


@pytest.mark.parametrize("a, b, c, want", [
    (0.0, 1.4, math.inf, math.inf), (2.0, 3.0, -math.inf, -math.inf),
    (1.0, math.inf, 1.0, math.inf), (math.inf, 0.0, 1.0, math.nan),
    (1e200, 1e200, -math.inf, -math.inf),  # the product overflows, c decides
    (1.5e154, 1.5e154, -1.7e308,  # the product alone overflows, the sum does not
     float(Fraction(1.5e154) ** 2 - Fraction(1.7e308))),
    (1e308, 10.0, 0.0, math.inf), (-1e308, 10.0, 0.0, -math.inf),
])
def test_fma64_at_the_edges(a, b, c, want):
    got = fma64(np.array([a]), np.array([b]), np.array([c]))[0]
    assert (math.isnan(got) and math.isnan(want)) or got == want


def test_sleef_exp_is_within_an_ulp():
    x = np.linspace(-100, 88, 20001, dtype=np.float32)
    wide = np.exp(x.astype(np.float64))
    assert np.all(np.abs(sleef.expf(x) - wide) <= np.spacing(wide.astype(np.float32)))
    x = np.linspace(-700, 700, 20001)
    assert np.allclose(sleef.exp(x), np.exp(x), rtol=3e-16, atol=0)


@pytest.mark.parametrize("exponent, formula", [
    (2, lambda x: x * x), (3, lambda x: x * x * x), (-1, lambda x: 1 / x),
    (0.5, np.sqrt), (-0.5, lambda x: 1 / np.sqrt(x)),
])
def test_special_exponents_are_products_and_roots(exponent, formula):
    x = np.random.default_rng(0).uniform(0.1, 4, 100).astype(np.float32)
    assert np.array_equal(kernels.pow_scalar(x, exponent), formula(x))


# ---------------------------------------------------------------------------------------------
# Against live torch

SIZES = [1, 7, 8, 16, 17, 31, 32, 33, 1000, 40000]


def _inputs(torch, n, dtype, low=-8.0, high=8.0):
    x = np.random.default_rng(n).uniform(low, high, n).astype(dtype)
    return x, torch.from_numpy(x.copy())


def _bits(a):
    return np.asarray(a).view(f"u{np.asarray(a).itemsize}")


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_sigmoid_is_torchs_to_the_bit(n, dtype):
    torch = pytest.importorskip("torch")
    x, t = _inputs(torch, n, dtype, -30, 30)
    assert np.array_equal(_bits(kernels.sigmoid(x)), _bits(torch.sigmoid(t).numpy()))


@pytest.mark.torch
def test_sigmoid_of_strided_tensors():
    torch = pytest.importorskip("torch")
    x, t = _inputs(torch, 3 * 40, "float32")
    x, t = x.reshape(3, 40)[:, :35], t.reshape(3, 40)[:, :35]
    assert np.array_equal(_bits(kernels.sigmoid(x)), _bits(torch.sigmoid(t).numpy()))
    assert np.array_equal(_bits(kernels.sigmoid(x[:, ::2])), _bits(torch.sigmoid(t[:, ::2]).numpy()))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -0.5])
@pytest.mark.parametrize("n", SIZES)
def test_exact_powers(n, exponent, dtype):
    torch = pytest.importorskip("torch")
    x, t = _inputs(torch, n, dtype, 0.01, 5)
    assert np.array_equal(_bits(kernels.pow_scalar(x, exponent)), _bits((t ** exponent).numpy()))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 7, 33, 1000])
def test_other_exponents_are_exact_where_torch_calls_libm(n, dtype):
    """The scalar tail is std::pow, the C library's: identical. Whole vectors go through SLEEF's
    powf/pow, which the C library's pow matches on ~98% of values (docs/floats.md)."""
    torch = pytest.importorskip("torch")
    x, t = _inputs(torch, n, dtype, 0.01, 5)
    mine, theirs = kernels.pow_scalar(x, 1.5), (t ** 1.5).numpy()
    for part in loops.scalar_elements(n, x.itemsize):
        assert np.array_equal(_bits(mine[part]), _bits(theirs[part]))
    assert np.all(np.abs(mine - theirs) <= np.spacing(np.abs(theirs)))


@pytest.mark.torch
@pytest.mark.parametrize("name", ["exp", "log", "log2", "log10", "sin", "cos", "tanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mkl_functions_are_within_an_ulp(name, dtype):
    """MKL computes these in torch; its algorithm is not public, so the test asks for what any of
    its high-accuracy code paths gives: at most one ulp apart."""
    torch = pytest.importorskip("torch")
    x, t = _inputs(torch, 5000, dtype, 0.01 if name.startswith("log") else -8, 8)
    mine, theirs = getattr(kernels, name)(x), getattr(torch, name)(t).numpy()
    assert np.all(np.abs(mine - theirs) <= np.spacing(np.abs(theirs).astype(dtype)))
