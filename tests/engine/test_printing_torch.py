"""Differential test: gradrepl's printing against live PyTorch, on Hypothesis-drawn tensors.

Runs only where torch is installed; the recorded goldens cover the same ground without it.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine import dtypes
from gradrepl.engine.printing import format_tensor, set_printoptions
torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

FLOAT_DTYPES = ["float32", "float64", "float16"]
INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "bool"]
WIDTH = {"float16": 16, "float32": 32, "float64": 64}


class NamedGradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


def stand_in(arr: np.ndarray, grad_fn, requires_grad: bool):
    """What printing reads from a tensor (the Tensor class is written elsewhere)."""
    return types.SimpleNamespace(
        _data=arr[()] if arr.ndim == 0 else arr,
        dtype=dtypes.from_numpy_dtype(arr.dtype),
        grad_fn=NamedGradFn(grad_fn) if grad_fn else None,
        requires_grad=requires_grad,
    )


def float_families(dtype: str) -> list:
    """Strategies for one magnitude family each: int mode, fixed, tiny (scientific), anything."""
    width = WIDTH[dtype]
    return [
        st.integers(-2000, 2000).map(float),
        st.floats(-10, 10, width=width),
        st.floats(-1 / 1024, 1 / 1024, width=width),  # bounds exact in every width
        st.floats(allow_nan=False, allow_infinity=False, width=width),
    ]


def float_specials(dtype: str):
    info = np.finfo(dtype)
    extremes = [float(info.max), float(info.tiny), float(info.smallest_subnormal)]
    return st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, *extremes])


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    if dtype in FLOAT_DTYPES:
        # one family per array, so int mode and fixed mode are not drowned by mixed magnitudes;
        # listing it three times makes a special value (nan, -0., extremes) one draw in four
        family = draw(st.sampled_from(float_families(dtype)))
        elements = st.one_of(family, family, family, float_specials(dtype))
    elif dtype == "bool":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    return draw(hnp.arrays(dtype, shape, elements=elements))


print_options = st.fixed_dictionaries(
    {},
    optional={
        "precision": st.integers(0, 8),
        "threshold": st.sampled_from([1000, 0, 3, 10, 30, math.inf]),
        "edgeitems": st.integers(0, 4),
        "linewidth": st.sampled_from([0, 10, 40, 80, 120]),
        "sci_mode": st.sampled_from([None, True, False]),
        "profile": st.sampled_from(["default", "short", "full"]),
    },
)


class LongNamedIdentityFunction(torch.autograd.Function):
    """Only here for its long grad_fn name, which pushes suffixes onto their own line."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad


def torch_with_suffix(arr: np.ndarray, suffix: str):
    t = torch.from_numpy(arr.copy())
    if suffix == "none" or not t.is_floating_point():
        return t
    leaf = t.requires_grad_()
    if suffix == "requires_grad":
        return leaf
    return leaf * 1 if suffix == "mul" else LongNamedIdentityFunction.apply(leaf)


@pytest.fixture(autouse=True)
def reset_print_state():
    yield
    torch.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    set_printoptions(profile="default")
    dtypes.set_default_dtype(dtypes.float32)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arr=arrays(),
    options=print_options,
    suffix=st.sampled_from(["none", "none", "requires_grad", "mul", "long"]),
    default_float64=st.integers(0, 9).map(lambda i: i == 0),
)
def test_repr_matches_live_torch(arr, options, suffix, default_float64):
    t = torch_with_suffix(arr, suffix)
    grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    ours = stand_in(arr, grad_fn, t.requires_grad)
    try:
        torch.set_default_dtype(torch.float64 if default_float64 else torch.float32)
        dtypes.set_default_dtype(dtypes.float64 if default_float64 else dtypes.float32)
        torch.set_printoptions(**options)
        set_printoptions(**options)
        assert format_tensor(ours) == repr(t)
    finally:
        torch.set_printoptions(profile="default")
        set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)
        dtypes.set_default_dtype(dtypes.float32)
