"""torch.linspace and torch.arange bit for bit against live torch. linspace: its kernel is a scalar loop compiled with fused
multiply-adds (start + step * i for the first half, end - step * (steps - 1 - i) after), half
rounds each operator to half, integer dtypes compute in double and truncate. Long ranges are where
another rounding shows: 42 of linspace(-1, 1, 128)'s float32 values differed before. arange: AVX2
vectors filled from a rounded base, fused multiply-adds in double (float for half), 32768+
elements split between two threads; 17 of arange(0, 10, 0.1)'s float32 values differed before."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8"]
bounds = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, width=32))


def _same_bits(start, end, steps, dtype):
    expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
    actual = gtorch.linspace(start, end, steps, dtype=getattr(gtorch, dtype)).numpy()
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes(), (start, end, steps, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("start,end", [(-1, 1), (0, 1), (0, 10), (-3.5, 2.25), (0.1, 7.3), (5, 0)])
@pytest.mark.parametrize("steps", [0, 1, 2, 7, 100, 128, 1000, 5001])
def test_linspace_matches_torch_bit_for_bit(start, end, steps, dtype):
    if dtype == "uint8" and min(start, end) < 0:
        return
    _same_bits(start, end, steps, dtype)


@settings(max_examples=60, deadline=None)
@given(bounds, bounds, st.integers(2, 3000), st.sampled_from(DTYPES))
def test_any_linspace_matches_torch_bit_for_bit(start, end, steps, dtype):
    if dtype == "float16":
        assume(abs(start) < 6e4 and abs(end) < 6e4)
    if dtype == "uint8":
        assume(0 <= start <= 255 and 0 <= end <= 255)
    _same_bits(start, end, steps, dtype)


FLOATS = ["float32", "float64", "float16"]


def _same_arange(start, end, step, dtype):
    expected = torch.arange(start, end, step, dtype=getattr(torch, dtype)).numpy()
    actual = gtorch.arange(start, end, step, dtype=getattr(gtorch, dtype)).numpy()
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes(), (start, end, step, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("start,end,step", [(0, 10, 0.1), (-1, 1, 0.01), (0.5, 100, 0.37),
                                            (-3.3, 7.1, 0.013), (5, -5, -0.3), (0, 1, 1 / 3),
                                            (0, 3, 0.3), (0, 5, 1.0), (1000, 1001, 1e-4)])
def test_arange_matches_torch_bit_for_bit(start, end, step, dtype):
    _same_arange(start, end, step, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_long_arange_split_between_threads_matches_torch(dtype):
    _same_arange(2, 50000, 0.77, dtype)  # 64,933 elements: two shares, each vectors then a tail


@settings(max_examples=60, deadline=None)
@given(st.floats(-100, 100, width=32), st.floats(2.0**-10, 10, width=32), st.integers(1, 700),
       st.booleans(), st.sampled_from(FLOATS))
def test_any_arange_matches_torch_bit_for_bit(start, step, count, down, dtype):
    step = -step if down else step
    _same_arange(start, start + step * count, step, dtype)


@settings(max_examples=80, deadline=None)
@given(st.integers(-3000, 3000), st.integers(1, 50), st.integers(0, 300), st.booleans(),
       st.sampled_from(FLOATS))
def test_whole_number_ranges_take_a_short_path_with_the_general_paths_bits(start, step, count,
                                                                           down, dtype):
    """arange of whole numbers the dtype holds exactly skips the kernel's emulation; with
    factories.SHORT_PATHS off the emulation must give the same bytes (and torch too)."""
    from gradrepl.engine import factories

    step = -step if down else step
    end = start + step * count
    short = gtorch.arange(float(start), float(end), float(step), dtype=getattr(gtorch, dtype))
    saved, factories.SHORT_PATHS = factories.SHORT_PATHS, False
    try:
        general = gtorch.arange(float(start), float(end), float(step), dtype=getattr(gtorch, dtype))
    finally:
        factories.SHORT_PATHS = saved
    assert short.numpy().tobytes() == general.numpy().tobytes()
    _same_arange(float(start), float(end), float(step), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_a_range_from_minus_zero_keeps_its_sign(dtype):
    _same_arange(-0.0, 3.0, 1.0, dtype)
    _same_arange(-0.0, -3.0, -1.0, dtype)


OVERFLOWS = [(-1, "uint8"), (-256, "uint8"), (-1.0, "uint8"), (255.9, "uint8"), (300, "int8"),
             (-128.9, "int8"), (1e20, "int64"), (2 ** 63, "int64"), (float("nan"), "int32"),
             (float("inf"), "int16"), (1e39, "float32"), (-1e39, "float32"),
             (float("inf"), "float32"), (True, "int8"), (2.5, "bool"), (3, "float32")]


def _outcome(lib, call):
    try:
        return "ok", call(lib).numpy().tobytes()
    except Exception as error:  # the type and the words are what is compared
        return type(error).__name__, str(error)


@pytest.mark.parametrize("value,dtype", OVERFLOWS)
def test_a_fill_out_of_the_dtypes_range_is_refused_as_torch_refuses_it(value, dtype):
    """c10's checked conversion: -1 wraps into uint8 but -1.0 does not, NaN is no integer."""
    call = lambda lib: lib.full((2,), value, dtype=getattr(lib, dtype))  # noqa: E731
    assert _outcome(gtorch, call) == _outcome(torch, call)


@pytest.mark.parametrize("start,end,dtype", [(0, 300, "uint8"), (-1, 5, "uint8"),
                                             (0, 1e40, "float32"), (-1e10, 0, "int32")])
def test_linspace_bounds_are_checked_as_torch_checks_them(start, end, dtype):
    call = lambda lib: lib.linspace(start, end, 3, dtype=getattr(lib, dtype))  # noqa: E731
    assert _outcome(gtorch, call) == _outcome(torch, call)
