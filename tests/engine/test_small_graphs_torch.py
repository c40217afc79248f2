"""A lesson's small graphs against live torch, bit for bit: pow's backward on 0-d and small
tensors (a 0-d tensor's data is a numpy scalar, whose own ``**`` is the C library's pow where
torch computes x ** 3 as x * x * x and x ** -1 as 1 / x), sums shorter than one vector, and
W2's chain from a nested list through numbers, a power and a mean."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_summation import tiny_arrays

import gradrepl.torch as gtorch
from gradrepl.engine.ops.summation import float_sum

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])
_EXPONENTS = [2, 3, 4, 5, -1, -2, -3, 0.5, -0.5, 2.5, 2.0, 1, 0, 7, -0.75]


def _bits(t) -> bytes:
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") and not hasattr(t, "_data")
                      else t._data).tobytes()


@_SETTINGS
@given(value=st.floats(-30, 30, width=32), exponent=st.sampled_from(_EXPONENTS),
       dtype=st.sampled_from(["float32", "float64"]), shape=st.sampled_from([(), (2, 3)]))
def test_the_gradient_of_a_power(value, exponent, dtype, shape):
    if exponent in (1.5, 2.5, 0.5, -0.5, -0.75) and value < 0:
        value = -value  # NaN's sign is the C library's business (docs/floats.md)
    results = []
    for lib in (torch, gtorch):
        x = lib.full(shape, value, dtype=getattr(lib, dtype)) if shape else \
            lib.tensor(value, dtype=getattr(lib, dtype))
        x.requires_grad_(True)
        y = x ** exponent
        (y.sum() if shape else y).backward()
        results.append(x.grad.numpy().tobytes() if lib is torch else _bits(x.grad))
    assert results[0] == results[1]


@_SETTINGS
@given(a=tiny_arrays())
def test_a_sum_shorter_than_one_vector(a):
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        a = np.ascontiguousarray(a)
    assert np.asarray(float_sum(a)).tobytes() == torch.from_numpy(a).sum().numpy().tobytes()


@_SETTINGS
@given(values=st.lists(st.floats(-100, 100, width=32) | st.integers(-50, 50), min_size=6,
                       max_size=6),
       a=st.floats(-10, 10) | st.integers(-9, 9), b=st.floats(-10, 10) | st.integers(-9, 9),
       c=st.floats(-10, 10) | st.integers(-9, 9))
def test_the_lessons_chain(values, a, b, c):
    data = [[float(values[0])] + values[1:3], values[3:]]  # one float: a float tensor
    seen = []
    for lib in (torch, gtorch):
        x = lib.tensor(data, requires_grad=True)
        y = a * x + b
        z = c * y ** 2
        out = z.mean()
        out.backward()
        seen.append([str(out.dtype)] + [t.detach().numpy().tobytes() if lib is torch else _bits(t)
                                         for t in (x, y, z, out, x.grad)])
    assert seen[0] == seen[1]
