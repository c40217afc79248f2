"""torch.dot (a vector @ a vector, inner, vdot) of float32 and float64 in AMD MKL's order
(ops/dot_order_amd.py): bit for bit against live torch on an AMD CPU over every branch (heads of
0-3 elements, whole blocks, one to three vectors left, the elements after them, strided and
expanded operands, the two threads' halves, beyond 64 KiB), and the vectorised rule against the
rule written as a scalar loop (no torch, any CPU)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.ops import dot_order_amd
from tests.cpu_vendor import needs_amd_mkl, real_torch  # noqa: F401 (fixture)

_SIZES = (1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 19, 28, 31, 32, 33, 63, 64, 65, 100, 257, 1001,
          4095, 4096, 4097, 8191, 8192, 8193, 16385, 20001, 70001)
# (first operand, second operand) slices of an array of 3n + 4 elements
_LAYOUTS = {
    "contiguous": (slice(0, None), slice(0, None)),
    "offset": (slice(1, None), slice(1, None)),
    "offset 3": (slice(3, None), slice(3, None)),
    "strided": (slice(0, None, 2), slice(1, None, 2)),
    "stride 3": (slice(2, None, 3), slice(0, None, 3)),
    "one strided": (slice(0, None), slice(0, None, 2)),
}


@pytest.mark.torch
@needs_amd_mkl
@pytest.mark.parametrize("layout", list(_LAYOUTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", _SIZES)
def test_dot_matches_torch_bit_for_bit(real_torch, n, dtype, layout):
    first, second = _LAYOUTS[layout]
    rng = np.random.default_rng(n)
    for _ in range(2):
        a, b = (rng.standard_normal(3 * n + 4).astype(dtype) for _ in range(2))
        ta, tb = real_torch.from_numpy(a)[first][:n], real_torch.from_numpy(b)[second][:n]
        want = real_torch.dot(ta, tb).numpy().tobytes()
        x, y = gt.from_numpy(a)[first][:n], gt.from_numpy(b)[second][:n]
        assert dot_order_amd.follows(x.numpy(), y.numpy(), 2)
        for got in (gt.dot(x, y), x @ y, gt.inner(x, y), gt.vdot(x, y)):
            assert got.numpy().tobytes() == want


@pytest.mark.torch
@needs_amd_mkl
def test_an_expanded_operand_is_strided(real_torch):
    a = np.arange(1, 38, dtype=np.float32) / 7
    want = real_torch.dot(real_torch.from_numpy(a), real_torch.from_numpy(a[:1]).expand(37))
    got = gt.dot(gt.from_numpy(a), gt.from_numpy(a[:1]).expand(37))
    assert got.numpy().tobytes() == want.numpy().tobytes()


def test_float32_operands_starting_apart_are_numpys():
    """MKL's order for float32 vectors whose starts differ modulo 16 bytes was not found: those
    stay numpy's dot (docs/floats.md)."""
    a = np.arange(40, dtype=np.float32) / 3
    assert not dot_order_amd.follows(a[1:33], a[2:34], 2)
    assert dot_order_amd.follows(a[1:33], a[5:37], 2)
    assert dot_order_amd.follows(a.astype(np.float64)[1:33], a.astype(np.float64)[2:34], 2)


def _dot_as_a_loop(a, b, start):
    """The rule of dot_order_amd, one element at a time, for one thread."""
    lanes = 16 // a.itemsize
    zero = a.dtype.type(0.0)
    if a.strides[0] != a.itemsize or b.strides[0] != b.itemsize:
        sums = [zero] * (1 if a.dtype == np.float32 else 2)
        for i in range(len(a)):
            sums[i % len(sums)] = sums[i % len(sums)] + a[i] * b[i]
        return sums[0] + sums[-1] if len(sums) == 2 else sums[0]
    acc = [[zero] * lanes for _ in range(4)]
    head = min((-start) % lanes, len(a))
    for i in range(head):
        acc[0][0] = acc[0][0] + a[i] * b[i]
    vectors = (len(a) - head) // lanes
    whole = vectors // 4 * 4
    deal = (0, 1, 0) if a.dtype == np.float32 else (0, 0, 0)
    for v in range(vectors):
        k = v % 4 if v < whole else deal[v - whole]
        for lane in range(lanes):
            i = head + v * lanes + lane
            acc[k][lane] = acc[k][lane] + a[i] * b[i]
    for i in range(head + vectors * lanes, len(a)):
        acc[0][0] = acc[0][0] + a[i] * b[i]
    total = [((acc[0][i] + acc[1][i]) + acc[2][i]) + acc[3][i] for i in range(lanes)]
    if lanes == 4:
        return (total[0] + total[2]) + (total[1] + total[3])
    return total[0] + total[1]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), double=st.booleans(), start=st.integers(0, 3),
       step=st.sampled_from([1, 1, 2, 3]), seed=st.integers(0, 2**32 - 1))
def test_vectorised_rule_is_the_loop(n, double, start, step, seed):
    dtype = np.float64 if double else np.float32
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(start + step * n).astype(dtype)[start::step] for _ in range(2))
    got = np.asarray(dot_order_amd.dot(a, b, 1)).tobytes()
    assert got == np.asarray(_dot_as_a_loop(a, b, start)).tobytes()


def test_the_threads_halves_are_the_loops():
    rng = np.random.default_rng(0)
    for dtype, n in ((np.float32, 8195), (np.float64, 4099)):
        a, b = (rng.standard_normal(n + 1).astype(dtype)[1:] for _ in range(2))
        half = -(-n // 2)
        want = _dot_as_a_loop(a[:half], b[:half], 1) + _dot_as_a_loop(a[half:], b[half:], 1 + half)
        assert np.asarray(dot_order_amd.dot(a, b, 2)).tobytes() == np.asarray(want).tobytes()
