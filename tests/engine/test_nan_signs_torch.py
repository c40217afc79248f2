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


@pytest.mark.parametrize("layout", ["contiguous", "rows", "transposed", "strided", "0-d"])
@pytest.mark.parametrize("n", [1, 31, 32, 33, 100, 32769])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_atanh_nan_signs_follow_torchs_vector_and_scalar_loops(dtype, n, layout):
    """float32 atanh below -1 is +NaN where torch's loop takes whole vectors, -NaN in its scalar
    tail; a NaN input comes back -NaN from the vector code, as itself from the scalar one."""
    import numpy as np

    def signs(lib):
        values = [-2.0, 2.0, -1.5, 3.0, -5.0, float("nan"), -float("nan"), -float("inf"), -1.0, 0.5]
        x = lib.tensor((values * (n // len(values) + 1))[:n], dtype=getattr(lib, dtype))
        x = {"contiguous": x, "rows": x.repeat(2, 1)[:, : max(1, n - 3)],
             "transposed": x.repeat(2, 1).t(), "strided": x[::2], "0-d": x[0]}[layout]
        return np.signbit(lib.atanh(x).numpy()).tolist()

    assert signs(gtorch) == signs(torch)
