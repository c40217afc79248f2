"""torch.dot (and a vector @ a vector, torch.inner of two vectors) of float32 and float64 in MKL's
sdot/ddot order on Intel AVX-512 (blas_order.mkl_dot): bit for bit against live torch over every
branch of the rule (whole blocks of four vectors, one to three vectors left, a partial vector,
MKL's two threads), and the vectorised rule against the rule written as a loop (no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.ops import blas_order
from gradrepl.engine.vector_math import fma64
from tests.cpu_vendor import UNMEASURED, real_torch  # noqa: F401 (fixture)


@pytest.mark.torch
@pytest.mark.parametrize("dtype,n", [
    *((np.float32, n) for n in (1, 3, 10, 16, 17, 33, 48, 63, 64, 65, 100, 257, 8191, 8192, 12345)),
    *((np.float64, n) for n in (1, 3, 8, 9, 24, 31, 32, 33, 100, 1001, 4095, 4096, 5001)),
])
def test_dot_matches_torch_bit_for_bit(real_torch, dtype, n):
    rng = np.random.default_rng(n)
    for _ in range(4):
        a, b = (rng.standard_normal(n).astype(dtype) for _ in range(2))
        if not blas_order.follows_mkl_dot(a, b):
            pytest.skip(f"not Intel AVX-512 MKL: numpy's order. {UNMEASURED}")
        want = real_torch.dot(real_torch.from_numpy(a), real_torch.from_numpy(b)).numpy().tobytes()
        x, y = gt.from_numpy(a), gt.from_numpy(b)
        for got in (gt.dot(x, y), x @ y, gt.inner(x, y)):
            assert got.numpy().tobytes() == want


def _dot_as_a_loop(a, b):
    """The rule of blas_order.mkl_dot, one element at a time (no reshapes, no masks)."""
    fma = fma32 if a.dtype == np.float32 else fma64
    lanes = 64 // a.itemsize
    if a.nbytes >= 32768:
        half = -(-len(a) // 2)
        return _dot_as_a_loop(a[:half], b[:half]) + _dot_as_a_loop(a[half:], b[half:])
    acc = [[a.dtype.type(0)] * lanes for _ in range(4)]
    vectors = len(a) // lanes
    for v in range(vectors):
        left = vectors - vectors // 4 * 4
        k = v % 4 if v < vectors - left else (0, 1, 0)[v - (vectors - left)]
        for lane in range(lanes):
            acc[k][lane] = fma(a[v * lanes + lane], b[v * lanes + lane], acc[k][lane])
    for i in range(vectors * lanes, len(a)):  # the partial vector into accumulator 0
        acc[0][i % lanes] = fma(a[i], b[i], acc[0][i % lanes])
    total = [(acc[0][i] + acc[1][i]) + (acc[2][i] + acc[3][i]) for i in range(lanes)]
    for shift in ((8, 4, 1, 2) if a.dtype == np.float32 else (4, 2, 1)):
        total = [total[i] + total[i ^ shift] for i in range(lanes)]
    return total[0]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), double=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_vectorised_rule_is_the_loop(n, double, seed):
    dtype = np.float64 if double else np.float32
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    assert np.asarray(blas_order.mkl_dot(a, b)).tobytes() == np.asarray(_dot_as_a_loop(a, b)).tobytes()


def test_the_threads_halves_are_the_loops():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(8195).astype(np.float32) for _ in range(2))
    assert np.asarray(blas_order.mkl_dot(a, b)).tobytes() == np.asarray(_dot_as_a_loop(a, b)).tobytes()
