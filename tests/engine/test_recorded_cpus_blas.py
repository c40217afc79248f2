"""Products gradrepl leaves to numpy's BLAS, computed as on the AVX-512 Xeon the samples were
recorded on (blas_order._recorded_cpus_blas): OpenBLAS picks its kernels by the CPU, so on
another CPU the emulation sums them as the Xeon's did, one fused multiply-add chain down k."""

from __future__ import annotations

import numpy as np
import pytest

from gradrepl.engine import cpu_capability
from gradrepl.engine.ops import blas_order
from tests.cpu_vendor import cpu_machine  # noqa: F401 (fixture)
from tests.engine.float32_cases import F32, bits

# samples/28's four products (forward and backward of its two layers), as (a, b) layouts
SAMPLE_28 = [((32, 30), (30, 64), False), ((32, 64), (64, 27), False),
             ((30, 32), (32, 64), True), ((64, 32), (32, 27), True)]
ELSEWHERE = cpu_capability.from_cpu_flags(cpu_capability.cpu_flags()) != cpu_capability.AVX512


def _operands(a_shape, b_shape, transposed_a, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(a_shape[::-1] if transposed_a else a_shape).astype(F32)
    return (a.T if transposed_a else a), rng.standard_normal(b_shape).astype(F32)


def _reference(a, b):  # one fused multiply-add per step, each screened (blas_order._fma_chain)
    return bits(blas_order._fma_chain(a, b) + F32(0))


@pytest.mark.parametrize("shapes", SAMPLE_28, ids=str)
@pytest.mark.parametrize("plans", [True, False])
def test_emulated_xeon_sums_numpys_products_as_one_chain(cpu_machine, monkeypatch, shapes, plans):
    cpu_machine("GenuineIntel", "avx512")
    monkeypatch.setattr(blas_order, "PLANS", plans)
    monkeypatch.setattr(blas_order, "_plans", {})
    a, b = _operands(*shapes)
    assert not blas_order.follows_torch(a, b)  # torch's order is not claimed: numpy's BLAS's
    expected = _reference(a, b) if ELSEWHERE else bits(np.matmul(a, b) + F32(0))
    for _ in range(2):  # the memo's miss, then its hit
        assert bits(blas_order.matrix_product(a, b) + F32(0)) == expected
        assert bits(blas_order.product_from_zero(a, b)) == expected


@pytest.mark.parametrize("vendor, isa", [("GenuineIntel", "avx2"), ("AuthenticAMD", "avx512"),
                                         ("AuthenticAMD", "avx2")])
def test_other_machines_keep_this_cpus_numpy(cpu_machine, vendor, isa):
    cpu_machine(vendor, isa)
    a, b = _operands(*SAMPLE_28[0])
    assert blas_order._recorded_cpus_blas(a, b) is None


@pytest.mark.parametrize("m, k, n", [(1, 30, 64), (32, 30, 1), (32, 1, 64), (32, 65, 8),
                                     (64, 64, 64)])
def test_only_the_small_gemms_it_was_seen_on(cpu_machine, m, k, n):
    """One row or column (gemv), k = 1 (no sum), k past TRANSPOSED_CHAIN_K or 2**18
    multiply-adds: not what the recorded lesson showed, left to numpy's BLAS."""
    cpu_machine("GenuineIntel", "avx512")
    a = np.ones((m, k), F32)
    b = np.ones((k, n), F32)
    assert blas_order._recorded_cpus_blas(a, b) is None
    assert blas_order._recorded_cpus_blas(a.astype(np.float64), b.astype(np.float64)) is None


def test_the_chain_is_taken_only_when_emulating_elsewhere(cpu_machine):
    cpu_machine("GenuineIntel", "avx512")
    a, b = _operands(*SAMPLE_28[1])
    kernel = blas_order._recorded_cpus_blas(a, b)
    assert (kernel is not None) == ELSEWHERE
