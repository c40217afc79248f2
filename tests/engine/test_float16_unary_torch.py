"""Every float16 value through each unary op, bit for bit against live torch (skipped without
it), and a few recorded answers that run without torch. What still differs is listed in
KNOWN (values) and NAN_BITS_KNOWN (the payload bits of NaN results): docs/floats.md."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from gradrepl.engine.cpu_capability import AVX2, AVX512, capability, cpu_flags, from_cpu_flags
from tests.cpu_vendor import cpu_machine  # noqa: F401 (fixture)

OPS = ["exp", "log", "log2", "log10", "exp2", "expm1", "log1p", "sin", "cos", "tan", "tanh",
       "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "sqrt", "rsqrt",
       "sigmoid", "erf", "erfc", "erfinv", "reciprocal", "abs", "neg", "ceil", "floor", "round",
       "trunc", "sign", "relu", "square", "frac", "logit"]
# finite or infinite results that differ (of 65,536): rounding differences torch's float
# kernels and ours do not share yet. gradrepl's half sin, cos, asin and asinh are numpy's, whose
# float16 loops dispatch by CPU: SVML's (X86_V4) on an AVX-512 CPU, the C library's on an AVX2
# one. Measured on an AVX-512 Intel Xeon and on an AVX2 AMD EPYC (Zen 3), where torch's half
# sin is SLEEF's sinf u35 (+-300 differ), asin SLEEF's asinf u10 (+-0.1365): docs/floats.md
KNOWN = ({"cos": 2, "asinh": 4, "erfc": 2, "erfinv": 2}
         if from_cpu_flags(cpu_flags()) == AVX512 else {"sin": 2, "asin": 2, "erfc": 2, "erfinv": 2})
# ops whose NaN results carry other payload bits than torch's (SLEEF's all-ones masks, MKL's
# and the C library's default NaNs, signalling half NaNs quieted by float conversion)
NAN_BITS_FOLLOWED = {"atanh", "exp", "exp2", "expm1", "log1p", "rsqrt", "sigmoid", "reciprocal",
                     "ceil", "floor", "round", "trunc", "sign", "frac", "acosh"}
ALL_HALVES = np.arange(65536, dtype=np.uint16).view(np.float16)


def _bits(torch, op, halves):
    return getattr(torch, op)(torch.from_numpy(halves.copy())).numpy().view(np.uint16)


@pytest.mark.parametrize("size", [65536, 1000, 37])
@pytest.mark.parametrize("op", OPS)
def test_every_half_matches_torch(op, size):
    torch = pytest.importorskip("torch")
    halves = ALL_HALVES if size == 65536 else ALL_HALVES[::65536 // size][:size]
    want, got = _bits(torch, op, halves), _bits(gt, op, halves)
    nan = np.isnan(want.view(np.float16)) & np.isnan(got.view(np.float16))
    values_differ = int(((want != got) & ~nan).sum())
    assert values_differ == (KNOWN.get(op, 0) if size == 65536 else 0)
    assert np.isnan(want.view(np.float16)).sum() == np.isnan(got.view(np.float16)).sum()
    if op in NAN_BITS_FOLLOWED:
        assert (want[nan] == got[nan]).all()


@pytest.mark.parametrize("op", ["rsqrt", pytest.param("erf", marks=pytest.mark.skipif(
    capability() != AVX2, reason="half erf's share of vector code was measured in views and "
    "tails under AVX2 (an AMD EPYC) only"))])
def test_every_half_at_small_sizes_and_in_views_matches_torch(op):
    """the vector code's share (tails, 0-d, strided rows, transposed) on every kind of view:
    the sizes above leave tails whose halves the two codes happen to agree on"""
    torch = pytest.importorskip("torch")
    finite = ALL_HALVES[np.isfinite(ALL_HALVES)]
    views = (lambda t: t, lambda t: t[::2], lambda t: t[0], lambda t: t[1:].reshape(-1, 5).t())
    for n in (1, 3, 16, 17, 31, 33, 63, 101):
        halves = np.random.default_rng(n).permutation(finite)[:n]
        for view in views[:3] if n % 5 != 1 else views:
            want = getattr(torch, op)(view(torch.from_numpy(halves.copy()))).numpy()
            got = getattr(gt, op)(view(gt.from_numpy(halves.copy()))).numpy()
            assert got.view(np.uint16).tobytes() == want.view(np.uint16).tobytes(), n


def test_erf_takes_atens_vector_erf_without_torch():
    halves = (np.arange(64, dtype=np.uint16) * 1021 + 1).view(np.float16)
    recorded = bytes.fromhex(  # torch 2.13's torch.erf of those halves
        "00007f0481087e0c7e107b147a18781c762075247328702c6a3058341838ab3af43b003c003c003c003c003c"
        "003c003c003c003c003c003c003c003c003c003ca17f18844b88498c479045944498429c40a03fa43da83aac"
        "35b025b4dab780baefbb00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc00bc")
    assert _bits(gt, "erf", halves).tobytes() == recorded


def test_atanh_nan_payloads_without_torch(cpu_machine):
    # recorded on the AVX-512 Xeon: which halves are SLEEF's vectors (16 floats) and which the
    # scalar tail's depends on the vector width
    cpu_machine("GenuineIntel", "avx512")
    x = gt.full((64,), 2.0, dtype=gt.float16)
    x[1::3] = -2.0
    x[2::5] = float("nan")
    recorded = bytes.fromhex(  # torch 2.13: SLEEF's all-ones NaNs, 64 halves being vectors
        "ffffff7fffffffffff7fffffffffffffffffffffff7fffffffffff7fffffffffff7fffffffffff7fffffffff"
        "ffffffffffffff7fffffffffff7fffffffffff7fffffffffff7fffffffffffffffffffffff7fffffffffff7f"
        "ffffffffff7fffffffffff7fffffffffffffffffffffff7fffffffffff7fffffffffff7fffffffff")
    assert gt.atanh(x).numpy().view(np.uint16).tobytes() == recorded
    assert set(gt.atanh(x[:32]).numpy().view(np.uint16).tolist()) == {0xfe00, 0x7e00}
    wide = gt.atanh(gt.tensor([2.0] * 32 + [-2.0] * 32)).numpy().view(np.uint32)
    assert set(wide[:32].tolist()) == {0xffffffff} and set(wide[32:].tolist()) == {0x7fffffff}
