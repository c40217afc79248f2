"""allclose/isclose against live torch: the calls of close_calls.py, and values over every dtype,
tolerance and special value (integers are compared in the default float dtype)."""

import numpy as np
import pytest
from close_calls import CALLS, outcome
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("call", CALLS)
def test_close_takes_arguments_as_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)


_DTYPES = ["float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"]
_TOLERANCES = st.sampled_from([0.0, 1e-8, 1e-7, 1e-6, 1e-5, 0.3, 0.5, 1.0, 2.5, 100.0])


@st.composite
def _pairs(draw):
    dtype = draw(st.sampled_from(_DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        a, b = rng.integers(0, 2, 8).astype(bool), rng.integers(0, 2, 8).astype(bool)
    elif dtype.startswith("float"):
        a = (rng.standard_normal(8) * draw(st.sampled_from([1e-8, 1.0, 1e5, 1e30]))).astype(dtype)
        b = (a * (1 + rng.standard_normal(8) * draw(st.sampled_from([1e-5, 1e-6, 1e-8])))).astype(dtype)
        a[rng.random(8) < 0.1], b[rng.random(8) < 0.1] = np.inf, np.nan
    else:
        info = np.iinfo(dtype)
        top = min(int(info.max), draw(st.sampled_from([5, 300, 2**20, 2**45])))
        bottom = max(int(info.min), -top)
        a = rng.integers(bottom, top, 8).astype(dtype)
        b = (a.astype(np.int64) + rng.integers(-3, 4, 8)).clip(info.min, info.max).astype(dtype)
    return a, b


@settings(max_examples=300, deadline=None)
@given(_pairs(), _TOLERANCES, _TOLERANCES, st.booleans())
def test_isclose_values_match_torch(pair, rtol, atol, equal_nan):
    a, b = pair
    ours = gtorch.isclose(gtorch.tensor(a), gtorch.tensor(b), rtol, atol, equal_nan)
    theirs = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), rtol, atol, equal_nan)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert gtorch.allclose(gtorch.tensor(a), gtorch.tensor(b), rtol, atol, equal_nan) == \
        torch.allclose(torch.from_numpy(a), torch.from_numpy(b), rtol, atol, equal_nan)
