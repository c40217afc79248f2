"""engine/float_math's SLEEF functions, double-word arithmetic and loop layouts: exactness of the
building blocks (no torch needed), the fast layouts against literal simulations of torch's loops,
and the functions bit for bit against live torch on whole vectors and special values."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradrepl.engine.cpu_capability import vector_lanes
from gradrepl.engine.float_math import loops, sleef_double, sleef_single, softmax
from gradrepl.engine.float_math.double_float import DOUBLE, SINGLE

_FLOAT32 = st.floats(-2.0 ** 48, 2.0 ** 48, allow_nan=False, width=32).filter(
    lambda v: v == 0 or abs(v) > 1e-12)
# Dekker's product is exact while the product's low half stays a normal double (|a*b| above
# about 2**-969 = 2e-292): two factors above 1e-140 keep every product far from that edge.
_FLOAT64 = st.floats(-1e150, 1e150, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-140)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_FLOAT32, _FLOAT32), min_size=1, max_size=16))
def test_single_word_products_are_exact(pairs):
    x, y = (np.array(v, np.float32) for v in zip(*pairs))
    hi, lo = SINGLE.mul_ff(x, y)
    for a, b, h, l in zip(x, y, hi, lo):
        assert Fraction(float(h)) + Fraction(float(l)) == Fraction(float(a)) * Fraction(float(b))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_FLOAT64, _FLOAT64), min_size=1, max_size=16))
def test_double_word_products_are_exact(pairs):
    x, y = (np.array(v) for v in zip(*pairs))
    hi, lo = DOUBLE.mul_ff(x, y)
    for a, b, h, l in zip(x, y, hi, lo):
        assert Fraction(h) + Fraction(l) == Fraction(a) * Fraction(b)


@pytest.mark.parametrize("mine, reference, low, high", [
    (sleef_single.exp2f, np.exp2, -140, 127), (sleef_single.expm1f, np.expm1, -20, 88),
    (sleef_single.log1pf, np.log1p, -0.999, 1e30), (sleef_single.logf, np.log, 1e-30, 1e30),
    (lambda x: sleef_single.powf(x, np.float32(1.7)), lambda x: x ** float(np.float32(1.7)),
     1e-10, 1e10),
])
def test_float32_functions_are_within_an_ulp(mine, reference, low, high):
    x = np.geomspace(low, high, 20000) if low > 0 else np.linspace(low, high, 20000)
    x = x.astype(np.float32)
    exact = reference(x.astype(np.float64))
    assert np.all(np.abs(mine(x) - exact) <= np.spacing(np.abs(exact).astype(np.float32)))


@pytest.mark.parametrize("mine, reference, low, high", [
    (sleef_double.exp2, np.exp2, -1000, 1000), (sleef_double.expm1, np.expm1, -40, 700),
    (sleef_double.log1p, np.log1p, -0.999, 1e300), (sleef_double.log, np.log, 1e-300, 1e300),
    (lambda x: sleef_double.pow(x, 1.7), lambda x: x ** 1.7, 1e-100, 1e100),
])
def test_float64_functions_are_within_an_ulp(mine, reference, low, high):
    x = np.geomspace(low, high, 20000) if low > 0 else np.linspace(low, high, 20000)
    exact = reference(x)
    assert np.all(np.abs(mine(x) - exact) <= 2 * np.spacing(np.abs(exact)))  # numpy's own half ulp


# ---------------------------------------------------------------------------------------------
# fast layouts against literal simulations of torch's loops

def _softmax_columns_by_loop(outer, inner, lanes, threads):
    """_vec_softmax's while loop, step by step, over each thread's range."""
    total = outer * inner
    threads = min(threads, total)
    chunk = -(-total // threads)
    vector = np.zeros(total, bool)
    for begin in range(0, total, chunk):
        end, idx = min(total, begin + chunk), begin
        while idx < end:
            inner_idx = idx % inner
            if inner_idx + lanes <= inner and idx + lanes <= end:
                vector[idx:idx + lanes] = True
                idx += lanes
            else:
                idx += (end - idx) if idx + lanes > end else (inner - inner_idx)
    return vector.reshape(outer, inner)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 9), st.integers(1, 70), st.sampled_from([4, 8, 16, 32]), st.integers(1, 4))
def test_softmax_columns_follow_torchs_loop(outer, inner, lanes, threads):
    assert np.array_equal(softmax.softmax_vector_columns(outer, inner, lanes, threads),
                          _softmax_columns_by_loop(outer, inner, lanes, threads))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3000), st.integers(1, 2000), st.sampled_from([2, 4, 8]))
def test_log_softmax_columns_follow_torchs_chunks(outer, size, inner, itemsize):
    lanes = vector_lanes(itemsize)
    chunk = min(max(128 * 1024 // size // itemsize, lanes) // lanes * lanes, inner)
    expected = np.zeros(inner, bool)
    for start in range(0, inner, chunk):
        width = min(chunk, inner - start)
        expected[start:start + width - width % lanes] = True
    assert np.array_equal(softmax.log_softmax_vector_columns(outer, size, inner, itemsize)[0],
                          expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 70), st.sampled_from(["float32", "float64"]))
def test_reduce_sum_adds_as_reduce_all(n, dtype):
    rows = np.random.default_rng(n).normal(0, 1, (3, n)).astype(dtype)
    lanes = vector_lanes(rows.itemsize)
    expected = []
    for row in rows:
        if n < lanes:
            acc = row[0]
            for v in row[1:]:
                acc = acc + v
            expected.append(acc)
            continue
        acc = list(row[:lanes])
        for i, v in enumerate(row[lanes:]):
            acc[i % lanes] = acc[i % lanes] + v
        if dtype == "float32":
            step = lanes // 2
            while step:
                acc = [acc[i] + acc[i ^ step] for i in range(lanes)]
                step //= 2
            expected.append(acc[0])
        else:
            total = acc[0]
            for v in acc[1:]:
                total = total + v
            expected.append(total)
    assert np.array_equal(softmax.reduce_sum(rows), np.array(expected, dtype))


_SHAPES = st.lists(st.integers(1, 6), min_size=0, max_size=3)


@settings(max_examples=100, deadline=None)
@given(_SHAPES, _SHAPES, st.booleans())
def test_pair_loop_writes_every_element_from_its_inputs(shape_a, shape_b, transpose):
    """elementwise_pair's run split (the fast path) gives the plain broadcast op when the vector
    and scalar functions agree: every element written once, from the right inputs."""
    rng = np.random.default_rng(len(shape_a) * 7 + len(shape_b))
    a = rng.uniform(0.5, 2, shape_a)
    a = a.T if transpose else a
    b = rng.uniform(-2, 2, shape_b)
    try:
        expected = np.power(a, b)
    except ValueError:
        return
    assert np.array_equal(loops.elementwise_pair(a, b, np.power, np.power), expected)


def test_pair_loop_runs_are_contiguous_or_broadcast_dims():
    a, b = np.ones((3, 4)), np.ones(4)
    assert loops._run_length((np.broadcast_to(a, (3, 4)), np.broadcast_to(b, (3, 4))), (3, 4)) == 4
    assert loops._run_length((a, np.ones((3, 4))), (3, 4)) == 12
    assert loops._run_length((a.T, np.ones((4, 3))), (4, 3)) == 1  # a transposed: no run
    marks = loops.elementwise_pair(np.ones((3, 40)), np.ones(40), lambda x, y: x * 0,
                                   lambda x, y: x * 0 + 1)
    lanes = vector_lanes(8)
    assert marks.sum() == 3 * (40 % (2 * lanes))  # each row's tail goes to the scalar loop


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=1, max_size=64),
       st.booleans())
def test_tanh_backwards_short_path_is_the_fused_multiply_add(values, strided):
    """kernels._one_minus_square32 skips the exact emulation where float64 is already exact."""
    from gradrepl.engine.float_math import kernels
    from gradrepl.engine.vector_math import fma

    y = np.array(values + [v / 1e3 for v in values], np.float32)
    y = y[::2] if strided else y
    assert np.array_equal(kernels._one_minus_square32(y), fma(-y, y, np.float32(1)))
    zero_d = np.array(values[0], np.float32)  # a 0-d tensor's data stays 0-d
    assert kernels._one_minus_square32(zero_d).shape == ()
    assert kernels._one_minus_square32(zero_d) == fma(-zero_d, zero_d, np.float32(1))
