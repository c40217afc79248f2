"""Properties of the printing module that recorded strings cannot show: its API, its cost, its
independence from torch, and consistency between equivalent inputs. What it prints is checked in
test_printing_goldens.py (recorded torch output) and test_printing_torch.py (live torch)."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import gradrepl.engine.printing as printing
from gradrepl.engine import dtypes
from gradrepl.engine.printing import (
    format_parameter,
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)


def stand_in(data, dtype, grad_fn=None, requires_grad=False):
    return types.SimpleNamespace(_data=data, dtype=dtype, grad_fn=grad_fn, requires_grad=requires_grad)


@pytest.fixture(autouse=True)
def default_options():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


def test_public_names():
    assert sorted(printing.__all__) == [
        "format_parameter",
        "format_tensor",
        "get_printoptions",
        "printoptions",
        "set_printoptions",
    ]


def test_importing_printing_never_imports_torch():
    code = "import sys, gradrepl.engine.printing; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_zero_dim_numpy_scalar_prints_like_zero_dim_array():
    pairs = ((np.float32(2.5), dtypes.float32), (np.int32(-7), dtypes.int32), (np.bool_(True), dtypes.bool_))
    for value, dtype in pairs:
        assert format_tensor(stand_in(value, dtype)) == format_tensor(stand_in(np.asarray(value), dtype))


def test_layout_of_the_data_does_not_matter():
    # a transposed (non-contiguous) view prints like its contiguous copy
    arr = np.arange(12, dtype=np.float64).reshape(3, 4).T / 3
    assert format_tensor(stand_in(arr, dtypes.float64)) == format_tensor(
        stand_in(np.ascontiguousarray(arr), dtypes.float64)
    )


def test_grad_fn_suffix_wins_over_requires_grad():
    grad_fn = types.SimpleNamespace(name=lambda: "AddBackward0")
    arr = np.ones(2, dtype=np.float32)
    with_both = format_tensor(stand_in(arr, dtypes.float32, grad_fn, requires_grad=True))
    assert "grad_fn=<AddBackward0>" in with_both and "requires_grad" not in with_both


def test_parameter_repr_is_a_header_over_the_tensor_repr():
    t = stand_in(np.ones(2, dtype=np.float32), dtypes.float32, requires_grad=True)
    assert format_parameter(t) == "Parameter containing:\n" + format_tensor(t)


def test_printoptions_restores_after_an_error():
    before = get_printoptions()
    with pytest.raises(KeyError):
        with printoptions(precision=1, sci_mode=True):
            raise KeyError
    assert get_printoptions() == before


def test_options_take_effect_on_the_next_print():
    t = stand_in(np.array([1.5], dtype=np.float32), dtypes.float32)
    default = format_tensor(t)
    with printoptions(precision=1):
        assert format_tensor(t) != default
    assert format_tensor(t) == default
