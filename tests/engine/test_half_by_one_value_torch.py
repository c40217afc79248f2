"""float16 times or divided by one value, against live torch: torch's mul and div kernels take
that value (a Python number, a 0-d or one-element tensor of any dtype) to float32 once and
compute every product in float32, rounding once to half (promotion.half_by_one_value); numpy
would round the value to half first, which is an ulp off in about a quarter of the products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

_OPS = {
    "a * b": lambda lib, a, b: a * b,
    "b * a": lambda lib, a, b: b * a,
    "a / b": lambda lib, a, b: a / b,
    "torch.mul": lambda lib, a, b: lib.mul(a, b),
    "a.mul_(b)": lambda lib, a, b: a.clone().mul_(b),
    "a.div_(b)": lambda lib, a, b: a.clone().div_(b),
    "div floor": lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
    "div trunc": lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    "b / a": lambda lib, a, b: b / a,
}
_SECOND = ["float", "int", "0-d float32", "0-d float64", "0-d int64", "0-d float16",
           "(1,) float16", "(1,) float32"]


def _second(lib, kind, value):
    if kind == "float":
        return value
    if kind == "int":
        return int(value * 100)
    shape, dtype = kind.split()
    array = np.array(value * (100 if dtype == "int64" else 1)).astype(dtype)
    t = lib.tensor(array.tolist(), dtype=getattr(lib, dtype))
    return t.reshape(1) if shape == "(1,)" else t


def _run(lib, op, a_values, kind, value):
    a = lib.tensor(a_values, dtype=lib.float16)
    try:
        out = _OPS[op](lib, a, _second(lib, kind, value))
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return type(error).__name__
    data = out.numpy() if lib is torch else np.asarray(out._data)
    return str(out.dtype), data.shape, data.tobytes()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(op=st.sampled_from(sorted(_OPS)), kind=st.sampled_from(_SECOND),
       a_values=st.one_of(st.floats(-60, 60, width=16), st.lists(st.floats(-60, 60, width=16),
                                                                 min_size=1, max_size=4)),
       value=st.floats(-9, 9).filter(lambda v: abs(v) > 1e-3), seed=st.integers(0, 99))
def test_float16_by_one_value_matches_torch(op, kind, a_values, value, seed):
    value += np.random.default_rng(seed).uniform(-0.5, 0.5)  # not a round number: rounding shows
    assert _run(gtorch, op, a_values, kind, value) == _run(torch, op, a_values, kind, value)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(a_values=st.lists(st.floats(-8, 8, width=16), min_size=1, max_size=3),
       numbers=st.tuples(st.floats(-9, 9), st.floats(-9, 9)).filter(
           lambda ab: min(abs(ab[0]), abs(ab[1])) > 1e-2), seed=st.integers(0, 99))
def test_float16_gradients_by_one_value_match_torch(a_values, numbers, seed):
    """The backward formulas multiply and divide by the same number (grad * 0.3): torch's
    kernels again compute those in float32."""
    a, b = np.array(numbers) + np.random.default_rng(seed).uniform(-0.5, 0.5, 2)

    def run(lib):
        x = lib.tensor(a_values, dtype=lib.float16, requires_grad=True)
        w = lib.tensor(float(b), dtype=lib.float16, requires_grad=True)
        ((x * float(a)) / float(b) * 1.7 / w + 2.5 / x).sum().backward()
        return [(t.grad.numpy() if lib is torch else np.asarray(t.grad._data)).tobytes()
                for t in (x, w)]
    assert run(gtorch) == run(torch)
