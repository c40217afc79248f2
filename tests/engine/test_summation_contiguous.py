"""summation_contiguous's kernels (x.sum(-1), x.sum(0) of C-contiguous float32/64 arrays)
give the general path's bits: the general path is torch's order (test_summation.py checks it
against torch's recorded values), these add the same tree in fewer numpy calls."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradrepl.engine.ops import summation
from gradrepl.engine.ops.summation import float_sum

# around every boundary of torch's kernel: one vector (8 float, 4 double), 4 accumulators of
# vectors, the cascade's blocks of 16 and its levels, 4 * 8 columns per group
_SIDES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 25, 31, 32, 33, 40, 63, 64, 65, 100, 127,
          128, 129, 255, 257, 500, 1000, 2049, 4100, 10000, 32767]
_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]


@st.composite
def _contiguous_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = tuple(draw(st.lists(st.sampled_from(_SIDES), min_size=1, max_size=3)))
    while math.prod(shape) >= summation.GRAIN_SIZE:  # torch's threads split larger sums
        shape = shape[1:] if len(shape) > 1 else (shape[0] // 2,)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fill = draw(st.sampled_from(["mixed", "mixed", "negative zeros", "cancelling"]))
    if fill == "negative zeros":  # every partial sum a zero: its sign must come out as torch's
        a = np.full(shape, -0.0)
        a.flat[rng.integers(0, a.size, 2)] = draw(st.sampled_from([0.0, -0.0]))
    elif fill == "cancelling":  # exact cancellations: zeros in the middle of the tree
        a = rng.choice([-1.0, 1.0, -0.0, 2.0**-30, -(2.0**-30)], shape)
    else:  # mixed magnitudes and signs: any other order of additions shows in the last bits
        a = rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-4, 4, shape) * rng.choice([-1, 1], shape)
    a = a.astype(dtype)
    if fill == "mixed" and draw(st.booleans()):
        a.flat[rng.integers(0, a.size, 3)] = draw(st.sampled_from(_SPECIALS))
    if draw(st.booleans()) and a.ndim > 1:
        a = np.asfortranarray(a)  # not C-contiguous: left to the other paths
    dims = draw(st.sampled_from([(0,), (a.ndim - 1,)]))
    return a, dims, draw(st.booleans())


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_contiguous_arrays())
def test_the_kernels_give_the_general_paths_bits(monkeypatch, case):
    a, dims, keepdim = case
    direct = summation._contiguous_sum(a, dims, keepdim)
    with monkeypatch.context() as patch:
        patch.setattr(summation, "SHORT_PATHS", False)
        general = float_sum(a, dims, keepdim)
    if direct is None:  # not a kernel's case: float_sum's other paths (test_summation.py)
        return
    assert type(direct) is type(general)
    direct, general = np.asarray(direct), np.asarray(general)
    assert (direct.dtype, direct.shape) == (general.dtype, general.shape)
    assert direct.tobytes() == general.tobytes()


@pytest.mark.parametrize("shape", [(10, 10), (40, 25), (100, 100), (3, 5, 16), (1, 33)])
@pytest.mark.parametrize("dims", [(0,), "last"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_benchmarks_sizes_take_the_kernels(shape, dims, dtype):
    rng = np.random.default_rng(3)
    a = (rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-2, 2, shape)).astype(dtype)
    dims = (a.ndim - 1,) if dims == "last" else dims
    if dims == (0,) and a.size // a.shape[0] < summation._VECTOR[a.dtype][1]:
        pytest.skip("too few columns for a vector: the general path")
    direct = summation._contiguous_sum(a, dims, False)
    assert direct is not None
    summation.SHORT_PATHS = False
    try:
        general = float_sum(a, dims)
    finally:
        summation.SHORT_PATHS = True
    assert np.asarray(direct).tobytes() == np.asarray(general).tobytes()


def test_a_result_is_fresh_and_the_input_untouched():
    a = np.arange(1, 101, dtype=np.float32).reshape(10, 10)
    before = a.copy()
    rows, cols = float_sum(a, (1,)), float_sum(a, (0,))
    assert not np.shares_memory(rows, a) and not np.shares_memory(cols, a)
    assert (a == before).all() and rows.sum() == cols.sum() == 5050


# ---------------------------------------------------------------------------------------------
# reductions' short path for x.sum() / x.mean() without a graph gives the general dispatch's
# tensor: same bytes, dtype, shape, grad_fn and errors

import gradrepl.torch as gtorch  # noqa: E402
from gradrepl.engine.ops import reductions  # noqa: E402


@st.composite
def _tensors_and_calls(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float16, np.int64]))
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 5, 8, 10, 25, 40, 100]), max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-4, 4, shape) * rng.choice([-1, 1], shape)
    if a.size and dtype != np.int64 and draw(st.booleans()):
        a.flat[rng.integers(0, a.size, 2)] = draw(st.sampled_from(_SPECIALS))
    a = np.asarray(a.astype(dtype) if dtype != np.int64 else (a * 100).astype(np.int64))
    if a.ndim > 1 and draw(st.booleans()):
        a = a.T  # not contiguous: the plan or the general path behind the short path
    dim = draw(st.none() | st.integers(-a.ndim - 1, a.ndim))
    return a, dim, draw(st.sampled_from(["sum", "mean"])), draw(st.booleans()), draw(st.booleans())


def _outcome(call):
    try:
        t = call()
    except Exception as error:  # noqa: BLE001 - the error is part of the behaviour compared
        return type(error).__name__, str(error)
    data = np.asarray(t.numpy() if not t.requires_grad else t.detach().numpy())
    return type(t).__name__, data.dtype, data.shape, data.tobytes(), t.requires_grad, \
        type(t.grad_fn).__name__


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_tensors_and_calls())
def test_the_dispatch_short_path_gives_the_general_paths_tensor(monkeypatch, case):
    a, dim, name, requires_grad, no_grad = case
    x = gtorch.from_numpy(a.copy())
    if requires_grad and a.dtype.kind == "f":
        x.requires_grad_()

    def call():
        method = getattr(x, name)
        if no_grad:
            with gtorch.no_grad():
                return method() if dim is None else method(dim)
        return method() if dim is None else method(dim)
    _outcome(call)  # the first call of a dim fills normalize_dims' cache, which the short path reads
    short = _outcome(call)
    with monkeypatch.context() as patch:
        patch.setattr(reductions, "SHORT_PATHS", False)
        general = _outcome(call)
    assert short == general


@st.composite
def _layouts_and_calls(draw):
    """_tensors_and_calls' cases, more layouts (transposed, strided, a column, a row of a
    bigger tensor) and dims as they come, with -0.0 sums and specials among the values."""
    a, dim, name, requires_grad, no_grad = draw(_tensors_and_calls())
    if a.ndim >= 1 and a.size and draw(st.booleans()):
        step = draw(st.sampled_from([2, 3]))
        a = np.repeat(a, step, axis=-1)[..., ::step]  # strided: a view of every step'th column
    if a.size and a.dtype.kind == "f" and draw(st.booleans()):
        a = a.copy()
        a[...] = -0.0
    return a, dim, name, requires_grad, no_grad, draw(st.booleans())


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_layouts_and_calls())
def test_the_no_graph_plan_path_gives_the_general_paths_tensor(monkeypatch, case):
    """reductions' first look (a summation plan found by layout and dim as passed, mean's
    division in place) against the dispatch with every short path off: plans are built on a
    key's first call here, so the third call takes the first look."""
    from gradrepl.engine.ops import summation_plan

    a, dim, name, requires_grad, no_grad, keepdim = case
    x = gtorch.from_numpy(a)
    if requires_grad and a.dtype.kind == "f":
        x.requires_grad_()

    def reduce():
        method = getattr(x, name)
        if keepdim:  # never the short path: the general one either way
            return method(keepdim=True) if dim is None else method(dim, True)
        return method() if dim is None else method(dim)

    def call():
        if no_grad:
            with gtorch.no_grad():
                return reduce()
        return reduce()
    with monkeypatch.context() as patch:
        patch.setattr(summation_plan, "BUILD_ON_CALL", 0)
        patch.setattr(summation_plan, "BUILD_CALLS_PER_ELEMENT", 0)
        outcomes = [_outcome(call) for _ in range(3)]
    with monkeypatch.context() as patch:
        patch.setattr(reductions, "SHORT_PATHS", False)
        patch.setattr(summation, "SHORT_PATHS", False)
        general = _outcome(call)
    assert outcomes == [general] * 3


def test_the_no_graph_plan_path_is_taken_and_mean_divides_a_fresh_array(monkeypatch):
    from gradrepl.engine.ops import summation_plan

    monkeypatch.setattr(summation_plan, "BUILD_ON_CALL", 0)
    monkeypatch.setattr(summation_plan, "BUILD_CALLS_PER_ELEMENT", 0)
    x = gtorch.from_numpy(np.arange(1, 101, dtype=np.float32).reshape(10, 10))
    for dim in (None, 0, 1, -1):
        for _ in range(2):
            x.sum(dim) if dim is not None else x.sum()
        assert (x._data.shape, x._data.strides, dim) in reductions._NO_GRAPH
    first, second = x.mean(1), x.mean(1)
    assert not np.shares_memory(first._data, second._data)
    assert first.tolist() == second.tolist() == [5.5 + 10 * i for i in range(10)]
    assert x.mean().item() == 50.5 and x.sum().item() == 5050.0
