"""NaN bits of float functions at invalid and NaN inputs against live torch (0-d and n-d)."""

import pytest
from nan_sign_cases import OPS, SHAPES, VALUES, nan_bits

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("shape", SHAPES + [(1,), (17,), (100,)], ids=str)
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", OPS)
def test_nan_bits_match_torch(op, dtype, value, shape):
    assert nan_bits(gtorch, op, dtype, shape, value) == nan_bits(torch, op, dtype, shape, value)
