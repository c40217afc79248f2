"""summation_flat: the whole sum of a contiguous run as fixed calls gives the general path's bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradrepl.torch as gtorch
from gradrepl.engine.ops import reductions, summation, summation_flat, summation_plan

_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45, 6e4]


@st.composite
def _contiguous_runs(draw):
    """float32/float64 runs from four vectors to the thread grain (every cascade shape: no
    block, a partial first-level block, second-level blocks, leftover vectors, a scalar tail),
    1-d, C or F 2-d, of mixed magnitudes and signs, with specials and all -0.0 drawn."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    lanes = 8 if dtype is np.float32 else 4
    n = draw(st.integers(4 * lanes, summation.GRAIN_SIZE - 1) | st.integers(4 * lanes, 1100))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.uniform(0.5, 1.5, n) * 10.0 ** rng.integers(-3, 3, n) * rng.choice([-1, 1], n)
    fill = draw(st.sampled_from(["random", "specials", "negative zeros"]))
    if fill == "specials":
        values[rng.integers(0, n, 3)] = draw(st.sampled_from(_SPECIALS))
    elif fill == "negative zeros":
        values[:] = -0.0
    a = values.astype(dtype)
    divisors = [d for d in range(2, 50) if n % d == 0]
    layout = draw(st.sampled_from(["1-d", "C", "F"])) if divisors else "1-d"
    if layout != "1-d":
        a = a.reshape(draw(st.sampled_from(divisors)), -1)
        if layout == "F":
            a = np.asfortranarray(a)
    return a


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(a=_contiguous_runs(), blocked=st.booleans(), merged=st.sampled_from([None, False, True]))
def test_a_flat_plan_gives_the_general_paths_bits(a, blocked, merged):
    # the first-level blocks copied side by side (with the remainder behind zero rows) or
    # not, the second stage merged into one reduce over zero-padded blocks or not; each plan
    # run three times (its buffer reused: the zero rows stay zero)
    dims = tuple(range(a.ndim))
    assert summation_flat.applies(a, dims, a.dtype)
    plan = summation_flat.FlatPlan(a, a.dtype, blocked, merged)
    for x in (a, -a, a):
        expected = np.asarray(summation.general_sum(x, dims, False, (), a.dtype))
        got = plan.run(x)
        assert type(got) is type(expected[()]) and np.asarray(got).tobytes() == expected.tobytes()


def test_flat_plans_apply_to_whole_sums_of_contiguous_float_runs_only():
    a = np.ones((10, 10), np.float32)
    assert summation_flat.applies(a, (0, 1), a.dtype) and summation_flat.applies(a.T, (0, 1), a.dtype)
    assert not summation_flat.applies(a, (0,), a.dtype)  # a dim: summation_plan's
    assert not summation_flat.applies(a[::2], (0, 1), a.dtype)  # not contiguous
    assert not summation_flat.applies(a.astype(np.float16), (0, 1), np.dtype(np.float16))
    assert not summation_flat.applies(a[:3, :10], (0, 1), a.dtype)  # shorter than 4 vectors
    big = np.ones(summation.GRAIN_SIZE, np.float32)
    assert not summation_flat.applies(big, (0,), big.dtype)  # split between threads


@pytest.mark.parametrize("shape", [(10, 10), (40, 25), (100, 100)])
def test_the_benchmarks_whole_sums_take_a_flat_plan_through_the_tensor_methods(monkeypatch, shape):
    # W7's x.sum() and x.mean(): the plan is built after a few calls, timed against the
    # derived plans, and what it returns is the general path's sum (and that sum / n)
    monkeypatch.setattr(summation_plan, "BUILD_ON_CALL", 1)
    monkeypatch.setattr(summation_plan, "BUILD_CALLS_PER_ELEMENT", 0)
    monkeypatch.setattr(summation_plan, "_plans", {})
    monkeypatch.setattr(summation_plan, "ready", {})
    monkeypatch.setattr(summation, "_ready", summation_plan.ready)
    monkeypatch.setattr(reductions, "_NO_GRAPH", {})  # no plan an earlier test built
    monkeypatch.setattr(summation_plan, "COPY_ORDERS", ())  # only the flat candidates timed
    monkeypatch.setattr(summation_plan, "BLOCKED", False)
    monkeypatch.setattr(summation_plan, "CUTS", ())
    rng = np.random.default_rng(3)
    a = (rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-3, 3, shape)).astype(np.float32)
    x = gtorch.from_numpy(a)
    expected = summation.general_sum(a, (0, 1), False, (), a.dtype)
    for _ in range(3):
        assert x.sum().numpy().tobytes() == np.asarray(expected).tobytes()
        assert x.mean().numpy().tobytes() == np.asarray(expected / np.float32(a.size)).tobytes()
    plan = summation_plan._plans[(a.shape, a.strides, (0, 1), False, a.dtype)]
    assert isinstance(plan, summation_flat.FlatPlan)


@pytest.mark.torch
@pytest.mark.parametrize("n", [100, 1009, 10000, 32767])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flat_plans_give_live_torchs_bits(n, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    a = (rng.uniform(0.5, 1.5, n) * 10.0 ** rng.integers(-3, 3, n) * rng.choice([-1, 1], n)).astype(dtype)
    expected = torch.from_numpy(a).sum().numpy().tobytes()
    blocked = (False, True) if summation_flat._layout(n, a.dtype)[4] else (False,)
    for plan in [summation_flat.FlatPlan(a, a.dtype, b, m) for b in blocked for m in (False, True)]:
        assert np.asarray(plan.run(a)).tobytes() == expected, plan.spec
