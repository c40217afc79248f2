"""torch's normal random numbers reproduced bit for bit after ``manual_seed``.

- Goldens (tests/goldens/random.json, recorded by scripts/record_random_goldens.py) need no torch:
  randn / normal_ for float32 and float64 on both sides of 16 elements, and the vectorised
  Box-Muller kernel on its own (torch's uniforms in, torch's normals out), which pins
  vector_math's log, sincos and fma to torch's AVX2 routines.
- vector_math's fused multiply-adds against exact rational arithmetic, with the halfway cases
  where rounding through float64 goes wrong.
- Differential tests against live torch (marked ``torch``), over seeds, sizes 1..200, mean, std.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine import vector_math

GOLDENS = json.loads((Path(__file__).parent.parent / "goldens" / "random.json").read_text())
F32 = np.float32
UNSIGNED = {"float32": np.uint32, "float64": np.uint64}


def from_hex(bits: str, dtype: str) -> np.ndarray:
    return np.array([int(b, 16) for b in bits.split()], dtype=UNSIGNED[dtype]).view(dtype)


def same_bits(ours: np.ndarray, theirs: np.ndarray) -> bool:
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    unsigned = UNSIGNED[theirs.dtype.name]
    return ours.dtype == theirs.dtype and np.array_equal(ours.view(unsigned), theirs.view(unsigned))


def gradrepl_normals(op: str, seed: int, n: int, dtype: str, mean: float, std: float):
    gt.manual_seed(seed)
    if op == "randn":
        return gt.randn(n, dtype=getattr(gt, dtype))
    return gt.empty(n, dtype=getattr(gt, dtype)).normal_(mean, std)


# ---------------------------------------------------------------------------------------------
# Goldens recorded from torch 2.13

def _case_id(case):
    return f"{case['op']}-seed{case['seed']}-n{case['n']}-{case['dtype']}"


@pytest.mark.parametrize("case", GOLDENS["normals"], ids=_case_id)
def test_normals_match_torch_golden(case):
    values = gradrepl_normals(case["op"], case["seed"], case["n"], case["dtype"],
                              case["mean"], case["std"])
    assert same_bits(values.numpy(), from_hex(case["bits"], case["dtype"]))


def box_muller(uniforms: np.ndarray) -> np.ndarray:
    """The AVX2 kernel per block of 16, from vector_math's pieces (mean 0, std 1)."""
    blocks = uniforms.reshape(-1, 16)
    radius = np.sqrt(F32(-2) * vector_math.log(F32(1) - blocks[:, :8]))
    sin, cos = vector_math.sincos(F32(2 * math.pi) * blocks[:, 8:])
    return np.concatenate([radius * cos, radius * sin], axis=1).ravel()


@pytest.mark.parametrize("case", GOLDENS["kernel"], ids=lambda c: f"seed{c['seed']}")
def test_vector_math_reproduces_torch_box_muller(case):
    uniforms = from_hex(case["uniforms"], "float32")
    assert same_bits(box_muller(uniforms), from_hex(case["normals"], "float32"))


@pytest.mark.parametrize("case", GOLDENS["kernel"], ids=lambda c: f"seed{c['seed']}")
def test_generator_draws_torch_uniforms(case):
    gt.manual_seed(case["seed"])
    uniforms = from_hex(case["uniforms"], "float32")
    assert same_bits(gt.rand(len(uniforms)).numpy(), uniforms)


# ---------------------------------------------------------------------------------------------
# vector_math on its own

def exact_float32(value: Fraction) -> np.float32:
    """value rounded to nearest float32, ties to even (a zero comes out +0)."""
    near = F32(float(value))  # float() rounds once to float64, so check the neighbours
    candidates = [near, np.nextafter(near, F32(np.inf)), np.nextafter(near, F32(-np.inf))]
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - value),
                                          int(np.asarray(c).view(np.uint32)) & 1))


def test_fma_rounds_once_where_float64_lands_halfway():
    # (2**-24 + 2**-47)(1 - 2**-23) = 2**-24 - 2**-70: just under half an ulp of c, but float64
    # rounds c + that to exactly halfway, and the tie then goes to the even neighbour, up
    a, b, c = F32(2**-24 * (1 + 2**-23)), F32(1 - 2**-23), F32(1 + 2**-23)
    assert (np.float64(a) * b + np.float64(c)).astype(F32) == F32(1 + 2**-22)
    assert vector_math.fma(a, b, c) == F32(1 + 2**-23)
    assert vector_math.fma(-a, b, -c) == F32(-(1 + 2**-23))


float32s = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-2.0**60,
                     max_value=2.0**60)


@given(st.lists(st.tuples(float32s, float32s, float32s), min_size=1, max_size=20))
def test_fma_is_correctly_rounded(triples):
    a, b, c = (np.array(column, dtype=F32) for column in zip(*triples))
    got = vector_math.fma(a, b, c)
    # an exact zero takes its sign from IEEE's rule, which float64 follows as well
    expected = [exact_float32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
                or F32(np.float64(x) * np.float64(y) + np.float64(z))
                for x, y, z in triples]
    assert same_bits(got, np.array(expected, dtype=F32))


@given(st.integers(0, 2**23 - 1), st.integers(-3, 3), st.sampled_from([1.0, -1.0]))
def test_fma_near_halfway(mantissa, nudge, sign):
    # a * b is half an ulp of c, give or take a few units far below float32's precision
    c = F32(1 + mantissa * 2.0**-23)
    a = F32(sign * 2.0**-24 * (1 + 2.0**-23))
    b = np.nextafter(F32(1 - 2.0**-23), F32(2)) if nudge > 0 else F32(1 - 2.0**-23 * (1 - nudge))
    expected = exact_float32(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))
    assert same_bits(vector_math.fma(a, b, c), np.asarray(expected))


def test_fma64_rounds_once_where_adding_the_error_back_rounds_twice():
    # recovering the product's error and adding it back in float64 rounds this one wrongly
    a, b, c = (float.fromhex(h) for h in ("0x1.37db1c4000000p+0", "0x1.a44bf35c8c1eap-54",
                                           "0x1.80dc75fa09b12p+0"))
    assert vector_math.fma64(a, b, c) == float(Fraction(a) * Fraction(b) + Fraction(c))


float64s = st.floats(allow_nan=False, allow_infinity=False, min_value=-2.0**300, max_value=2.0**300)


@given(st.lists(st.tuples(float64s, float64s, float64s), min_size=1, max_size=20))
def test_fma64_is_correctly_rounded(triples):
    # keep products away from float64's subnormal range, which fma64 does not handle
    triples = [(a, b, c) for a, b, c in triples if a * b == 0 or abs(a * b) > 2.0**-900]
    assume(triples)
    a, b, c = (np.array(column, dtype=np.float64) for column in zip(*triples))
    expected = [float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in triples]
    assert np.array_equal(vector_math.fma64(a, b, c), np.array(expected, dtype=np.float64))


@given(st.integers(1, 2**52), st.integers(1, 2**26), st.integers(-4, 4), st.booleans())
def test_fma64_near_ties(c_mantissa, a_mantissa, nudge, negative):
    c = 1 + c_mantissa * 2.0**-52
    a = (1 + a_mantissa * 2.0**-26) * (-1 if negative else 1)
    b = 2.0**-53 / abs(a) * (1 + nudge * 2.0**-52)  # a * b is about half an ulp of c
    assert vector_math.fma64(a, b, c) == float(Fraction(a) * Fraction(b) + Fraction(c))


def test_log_and_sincos_are_cephes_accurate_on_kernel_inputs():
    # the kernel's float32 uniforms are multiples of 2**-24; it takes log(1 - u) and sincos(2 pi u)
    u = np.arange(0, 2**24, 7, dtype=np.float64).astype(F32) * F32(2.0**-24)
    x = F32(1) - u
    exact = np.log(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(F32)).astype(np.float64)
    assert (np.abs(vector_math.log(x) - exact) <= ulp).all()  # under 0.82 ulp in fact
    theta = F32(2 * math.pi) * u
    sin, cos = vector_math.sincos(theta)
    assert np.abs(sin - np.sin(theta.astype(np.float64))).max() < 1e-7
    assert np.abs(cos - np.cos(theta.astype(np.float64))).max() < 1e-7


def test_log_and_sincos_special_values():
    assert vector_math.log(F32(1)) == 0
    assert vector_math.log(F32(2)) == F32(math.log(2))
    assert np.isnan(vector_math.log(np.array([0, -1], dtype=F32))).all()
    sin, cos = vector_math.sincos(np.array([0, -0.5, 0.5], dtype=F32))
    assert sin[0] == 0 and cos[0] == 1
    assert sin[1] == -sin[2] and cos[1] == cos[2]


def test_libm_log_is_maths_log():
    x = np.random.default_rng(0).random(1000) + 1e-300
    assert np.array_equal(vector_math.libm_log(x), [math.log(v) for v in x])


# ---------------------------------------------------------------------------------------------
# Against live torch

def _torch():
    return pytest.importorskip("torch")


def _compare_with_torch(op, seed, n, dtype, mean, std):
    torch = _torch()
    torch.manual_seed(seed)
    if op == "randn":
        expected = torch.randn(n, dtype=getattr(torch, dtype))
    else:
        expected = torch.empty(n, dtype=getattr(torch, dtype)).normal_(mean, std)
    values = gradrepl_normals(op, seed, n, dtype, mean, std)
    # tolist and repr also tell -0.0 from 0.0
    assert repr(values.tolist()) == repr(expected.tolist())


torch_settings = settings(max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.torch
@torch_settings
@given(seed=st.integers(0, 2**64 - 1), n=st.integers(1, 200),
       dtype=st.sampled_from(["float32", "float64"]))
def test_randn_matches_torch(seed, n, dtype):
    _compare_with_torch("randn", seed, n, dtype, 0.0, 1.0)


@pytest.mark.torch
@torch_settings
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200),
       dtype=st.sampled_from(["float32", "float64"]),
       mean=st.floats(-1e3, 1e3, allow_nan=False), std=st.floats(1e-4, 1e3, allow_nan=False))
def test_normal_matches_torch(seed, n, dtype, mean, std):
    _compare_with_torch("normal_", seed, n, dtype, mean, std)


@pytest.mark.torch
def test_many_normals_match_torch():
    torch = _torch()
    for seed, n in ((3, 1_000_003), (4, 65_536)):
        torch.manual_seed(seed)
        gt.manual_seed(seed)
        assert same_bits(gt.randn(n).numpy(), torch.randn(n).numpy())


@pytest.mark.torch
def test_consecutive_draws_match_torch():
    # small draws share the generator's cached second normal; large ones ignore it
    torch = _torch()
    torch.manual_seed(11)
    gt.manual_seed(11)
    for n in (1, 3, 16, 1, 40, 2, 17, 1):
        assert repr(gt.randn(n).tolist()) == repr(torch.randn(n).tolist())
