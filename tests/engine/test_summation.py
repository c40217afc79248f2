"""sum and mean agree with torch bit for bit, checked against values recorded from torch 2.13
(tests/goldens/summation.json, by scripts/record_summation_goldens.py): no torch needed."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from op_helper import GOLDENS_DIR
from summation_cases import SPECS, digest, run

import gradrepl.torch as gtorch
from gradrepl.engine.ops import summation, summation_plan
from gradrepl.engine.ops.summation import float_sum

GOLDENS = json.loads((GOLDENS_DIR / "summation.json").read_text())["cases"]


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_matches_recorded_torch(spec):
    assert digest(run(gtorch, spec)) == GOLDENS[spec.id]


def test_every_spec_has_a_golden():
    missing = [s.id for s in SPECS if s.id not in GOLDENS]
    assert not missing, f"re-record with scripts/record_summation_goldens.py: {missing[:10]}"


def test_five_elements_from_the_lesson():
    # the case that showed the problem: numpy's pairwise sum gives 5.666144847869873
    x = gtorch.tensor([1.5409960746765137, 0.293428897857666, 2.1787893772125244,
                       0.568431019783020, 1.0845])
    assert x.sum().item() == 5.666145324707031


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_negative_zero_sums_to_positive_zero(dtype):
    # torch adds the sum into an output filled with 0, so -0.0 never comes out
    for x in (np.array(-0.0, dtype), np.full(5, -0.0, dtype), np.full((3, 4), -0.0, dtype)):
        assert np.signbit(float_sum(x)).any() == False  # noqa: E712
        if x.ndim:
            assert not np.signbit(float_sum(x, (0,))).any()


def test_reversed_strides_sum_like_the_copy_torch_would_hold():
    x = np.random.default_rng(1).standard_normal(1000).astype(np.float32)
    assert float_sum(x[::-1]) == float_sum(np.ascontiguousarray(x[::-1]))


def test_empty_and_dtype_argument():
    assert float_sum(np.zeros((0, 3), np.float32)) == 0
    assert float_sum(np.zeros((0, 3), np.float32), (0,)).shape == (3,)
    x = np.random.default_rng(2).standard_normal(37).astype(np.float32)
    assert float_sum(x, dtype=np.float64) == float_sum(x.astype(np.float64))


# ---------------------------------------------------------------------------------------------
# The short paths (summation.SHORT_PATHS) give the general path's bits, in fewer numpy calls

_SIDES = [1, 2, 3, 5, 8, 9, 17, 33, 64, 100, 130, 700]
_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 6e4]


@st.composite
def _summed_arrays(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    shape = tuple(draw(st.lists(st.sampled_from(_SIDES), min_size=1, max_size=3)))
    if math.prod(shape) > 70_000:
        shape = shape[:1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # mixed magnitudes and signs, so that any other order of additions shows in the last bits
    a = rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-3, 3, shape) * rng.choice([-1, 1], shape)
    a = a.astype(dtype)
    if draw(st.booleans()):
        a.flat[rng.integers(0, a.size, 3)] = draw(st.sampled_from(_SPECIALS))
    layout = draw(st.sampled_from(["C", "F", "swapped", "every other row"]))
    a = {"C": a, "F": np.asfortranarray(a), "swapped": a.swapaxes(0, -1),
         "every other row": a[::2]}[layout]
    dims = draw(st.none() | st.lists(st.integers(0, a.ndim - 1), min_size=1, unique=True).map(sorted))
    return a, dims, draw(st.booleans())


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_summed_arrays())
def test_short_paths_give_the_general_paths_bits(monkeypatch, case):
    a, dims, keepdim = case
    short = np.asarray(float_sum(a, dims, keepdim))
    with monkeypatch.context() as patch:  # undone after each example
        patch.setattr(summation, "SHORT_PATHS", False)
        general = np.asarray(float_sum(a, dims, keepdim))
    assert (short.dtype, short.shape) == (general.dtype, general.shape)
    assert short.tobytes() == general.tobytes()


def test_a_reduction_numpy_would_sum_pairwise_is_not_taken_for_a_chain():
    # the short path of _chain is numpy's reduce, which sums pairwise along an inner axis
    x = np.array([1.0, 1e8, -1e8, 1.0] * 4, np.float32)
    assert summation._chain(x) == np.add.accumulate(x)[-1]
    assert not summation._lanes_inside(x.reshape(16, 1), 0)
    assert summation._lanes_inside(x.reshape(8, 2), 0) and not summation._lanes_inside(x.reshape(2, 8).T, 0)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_summed_arrays(), copy_order=st.sampled_from(["C", "F", "B"]), sort_lanes=st.booleans(),
       adds_upto=st.sampled_from([0, 3]), cut_at_input=st.booleans(), zero_row=st.booleans(),
       by_stride=st.booleans())
def test_a_plan_gives_the_general_paths_bits(monkeypatch, case, copy_order, sort_lanes, adds_upto,
                                             cut_at_input, zero_row, by_stride):
    # summation_plan runs torch's tree in stages, padding short chains with +0.0 (which only
    # changes the sign of a zero the final + 0 normalises): a plan built on the first call, its
    # input copied in any order (C, axes reversed, the cascade's first blocks transposed), its
    # stages' lanes sorted by their slots or not, short view stages as binary adds or not, a chain of input elements continued by sums cut or not, the
    # final `+ 0` read from zeros past the stages' results or gathered, lanes sorted by their
    # step down the buffer first or not
    a, dims, keepdim = case
    monkeypatch.setattr(summation_plan, "ZERO_ROW", zero_row)
    monkeypatch.setattr(summation_plan, "BY_STRIDE", by_stride)
    monkeypatch.setattr(summation_plan, "CUTS", (cut_at_input,))
    monkeypatch.setattr(summation_plan, "COPY_ORDERS", (copy_order,))
    monkeypatch.setattr(summation_plan, "BLOCKED", False)  # "B" only when drawn, on any layout
    monkeypatch.setattr(summation_plan, "SORT_LANES", sort_lanes)
    monkeypatch.setattr(summation_plan, "ADDS_UPTO", adds_upto)
    monkeypatch.setattr(summation_plan, "BUILD_ON_CALL", 1)
    monkeypatch.setattr(summation_plan, "BUILD_CALLS_PER_ELEMENT", 0)
    monkeypatch.setattr(summation_plan, "_plans", {})
    monkeypatch.setattr(summation_plan, "ready", {})
    monkeypatch.setattr(summation, "_ready", summation_plan.ready)
    monkeypatch.setattr(summation, "_contiguous_sum", lambda *args: None)  # its own tests
    monkeypatch.setattr(summation, "_TINY", {})  # the sums shorter than one vector: planned too
    planned = np.asarray(float_sum(a, dims, keepdim))
    built = list(summation_plan._plans.values())
    planned_again = np.asarray(float_sum(a, dims, keepdim))  # the buffer reused
    with monkeypatch.context() as patch:
        patch.setattr(summation, "SHORT_PATHS", False)
        general = np.asarray(float_sum(a, dims, keepdim))
    assert (planned.dtype, planned.shape) == (general.dtype, general.shape)
    assert planned.tobytes() == general.tobytes() == planned_again.tobytes()
    if a.size <= summation_plan.MAX_SIZE:
        assert built and built[0] is not None


_TINY_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 3e38, -3e38, 1e-45, 1e-40, 1e8,
                  -1e8, 0.1, 2.0**-24, 1.0]


@st.composite
def tiny_arrays(draw):
    """float32 arrays of 1-7 elements and float64 of 1-3 (shorter than one vector), C, F,
    transposed or strided, of specials (both NaN signs, overflow, cancellation) and randoms."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(1, 7 if dtype is np.float32 else 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 30, n)
    specials = draw(st.lists(st.sampled_from(_TINY_SPECIALS), min_size=n, max_size=n))
    mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    values = np.where(mask, specials, values).astype(dtype)
    shape = draw(st.sampled_from([(n,), (1, n), (n, 1), (1, n, 1)]))
    a = values.reshape(shape)
    layout = draw(st.sampled_from(["C", "F", "transposed", "strided"]))
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "transposed":
        a = a.T
    elif layout == "strided":
        a = np.repeat(values, 2)[::2].reshape(shape)  # not dense: the general path
    return a


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(a=tiny_arrays())
def test_a_sum_shorter_than_one_vector_gives_the_general_paths_bits(monkeypatch, a):
    # summation._sum_tiny: a lesson's 2x3 mean; a NaN result goes to the general path (the
    # sign of NaN + NaN follows the operand order, which numpy's scalars do not keep)
    short = float_sum(a)
    with monkeypatch.context() as patch:
        patch.setattr(summation, "SHORT_PATHS", False)
        general = float_sum(a)
    assert type(short) is type(general) and short.dtype == general.dtype
    assert np.asarray(short).tobytes() == np.asarray(general).tobytes()


def test_a_plan_is_built_once_a_key_is_summed_often_and_returns_fresh_arrays(monkeypatch):
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    key = (a.shape, a.strides, (0,), False, a.dtype)
    for table in (summation_plan._plans, summation_plan._calls, summation_plan.ready):
        table.pop(key, None)
    monkeypatch.setattr(summation_plan, "BUILD_ON_CALL", 3)
    monkeypatch.setattr(summation_plan, "BUILD_CALLS_PER_ELEMENT", 0.1)  # 6th call
    first = [float_sum(a, (0,)) for _ in range(5)]
    assert key not in summation_plan._plans
    second = float_sum(a, (0,))
    assert summation_plan._plans[key] is not None and key in summation_plan.ready
    third = float_sum(a * 2, (0,))
    assert first[0].tobytes() == second.tobytes() and (third == 2 * second).all()
    assert not np.shares_memory(third, float_sum(a, (0,)))


@pytest.mark.parametrize("shape", [(10, 10), (40, 25), (100, 100), (3, 7, 33)])
@pytest.mark.parametrize("dims", [None, (0,), (1,)])
def test_a_plan_for_the_benchmarks_sizes(shape, dims):
    # stages of many lanes: strided views of the buffer, and gathers of what is left over; every
    # candidate of one symbolic run (as fastest builds them), each copy order cut and uncut
    rng = np.random.default_rng(5)
    a = (rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-3, 3, shape)).astype(np.float32)
    all_dims = tuple(range(a.ndim)) if dims is None else dims
    for layout in (a, a.T, np.asfortranarray(a)):
        out_shape = tuple(s for ax, s in enumerate(layout.shape) if ax not in all_dims)
        general = np.asarray(summation.general_sum(layout, all_dims, False, out_shape, a.dtype))
        tree = summation_plan._Tree(layout.shape, layout.strides, 4, all_dims, False, out_shape,
                                    a.dtype)
        plans = []
        for cut, copy_order in itertools.product((True, False), ("C", "F", "B")):
            plans.append(tree.plan(copy_order, cut))
            assert np.asarray(plans[-1].run(layout)).tobytes() == general.tobytes()
        for plan in plans:  # a candidate's buffer is its own: later candidates did not move it
            assert np.asarray(plan.run(layout)).tobytes() == general.tobytes()
        fastest = summation_plan.fastest_of(summation_plan.candidates(tree, layout, all_dims), layout)
        assert np.asarray(fastest.run(layout)).tobytes() == general.tobytes()
        assert np.asarray(fastest.run(layout * 2)).tobytes() == (general * 2).tobytes()


@st.composite
def _sums_over_one_dim(draw):
    """2-d float32/64 arrays of 2-40 rows of 1-130, C, F or transposed, with rows and columns
    of -0.0 and specials, and the dim summed: the shapes whose final stage can be a view."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (draw(st.integers(2, 40)), draw(st.integers(1, 130)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = (rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-3, 3, shape) *
         rng.choice([-1, 1], shape)).astype(dtype)
    a[rng.integers(0, shape[0])] = -0.0
    a[:, rng.integers(0, shape[1])] = -0.0
    if draw(st.booleans()):
        a.flat[rng.integers(0, a.size, 3)] = draw(st.sampled_from(_SPECIALS))
    a = {"C": a, "F": np.asfortranarray(a), "T": a.T}[draw(st.sampled_from(["C", "F", "T"]))]
    return a, draw(st.sampled_from([(0,), (1,)]))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_sums_over_one_dim(), cut=st.booleans(), by_stride=st.booleans())
def test_a_final_view_over_zeros_gives_the_general_paths_bits(monkeypatch, case, cut, by_stride):
    # summation_plan._final: the final `+ 0` read from slots past the stages' results; lanes
    # sorted by their step first (sum(0)'s blocks on one view) or not. The copy that puts the
    # summed dim's rows down the buffer (reversed axes for sum(1), C for sum(0)): where the
    # final stage is a view
    a, dims = case
    copy_order = "F" if dims == (1,) else "C"
    monkeypatch.setattr(summation_plan, "BY_STRIDE", by_stride)
    out_shape = tuple(s for ax, s in enumerate(a.shape) if ax not in dims)
    plan = summation_plan.build(a.shape, a.strides, a.itemsize, dims, False, out_shape, a.dtype,
                                copy_order, cut)
    general = np.asarray(summation.general_sum(a, dims, False, out_shape, a.dtype))
    for x in (a, -a, a):  # the buffer reused: the zeros past the results stay zero
        expected = np.asarray(summation.general_sum(x, dims, False, out_shape, a.dtype))
        assert plan.run(x).tobytes() == expected.tobytes()
    assert plan.run(a).tobytes() == general.tobytes()


@pytest.mark.parametrize("shape", [(40, 25), (100, 100)])
def test_a_row_sums_final_plus_zero_is_read_from_zeros_past_the_results(shape):
    # mean(1) copied axes reversed: the tail sums and lane sums sit one row of outputs apart,
    # so the final stage is one view whose last row (torch's `+ 0`) lies in slots no stage
    # writes; rows of -0.0 must still come out +0.0, and the zeros stay zero run after run
    a = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    a[3] = -0.0
    a[5, :] = [np.inf, -np.inf] * (shape[1] // 2) + [0.0] * (shape[1] % 2)
    plan = summation_plan.build(a.shape, a.strides, 4, (1,), False, shape[:1], a.dtype, "F", True)
    assert plan.final[1] is None  # a view, not a gather
    general = np.asarray(summation.general_sum(a, (1,), False, shape[:1], a.dtype))
    for x in (a, -a, a):
        expected = np.asarray(summation.general_sum(x, (1,), False, shape[:1], a.dtype))
        assert plan.run(x).tobytes() == expected.tobytes()
    assert not np.signbit(plan.run(a)[3]) and plan.run(a).tobytes() == general.tobytes()


def test_fastest_builds_one_symbolic_run_for_its_candidates(monkeypatch):
    made = []
    tree = summation_plan._Tree
    monkeypatch.setattr(summation_plan, "_Tree", lambda *args: made.append(1) or tree(*args))
    a = np.random.default_rng(6).standard_normal((40, 25)).astype(np.float32)
    plan = summation_plan.fastest(a, (0, 1), False, (), a.dtype)
    assert len(made) == 1
    assert np.asarray(plan.run(a)).tobytes() == np.asarray(
        summation.general_sum(a, (0, 1), False, (), a.dtype)).tobytes()


def test_candidates_that_make_the_same_calls_are_timed_once():
    # 40x25 mean(1): the cut and uncut plans of each copy order are one plan (two adds, a final
    # view); timing both picked either at random. The first in candidates' order is kept
    a = np.random.default_rng(6).standard_normal((40, 25)).astype(np.float32)
    tree = summation_plan._Tree(a.shape, a.strides, 4, (1,), False, (40,), a.dtype)
    plans = summation_plan.candidates(tree, a, (1,))
    assert [p.spec for p in summation_plan.distinct(plans)] == [("C", False), ("F", False)]
    assert summation_plan.fastest_of(plans, a).spec in {("C", False), ("F", False)}
    # a whole sum's candidates all differ (flat plans are never merged with another)
    tree = summation_plan._Tree(a.shape, a.strides, 4, (0, 1), False, (), a.dtype)
    plans = summation_plan.candidates(tree, a, (0, 1))
    assert summation_plan.distinct(plans) == plans


@st.composite
def _planned_layouts(draw):
    """float32/64 arrays of 1-3 dims of 1-40 per side and up to 1,200 elements (plans are
    built up to summation_plan.MAX_SIZE), C, F, transposed or strided, and the dims summed:
    every candidate of their keys."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = tuple(draw(st.lists(st.integers(1, 40), min_size=1, max_size=3)
                       .filter(lambda sides: math.prod(sides) <= 1200)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = (rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-3, 3, shape) *
         rng.choice([-1, 1], shape)).astype(dtype)
    a = {"C": a, "F": np.asfortranarray(a), "T": a.T,
         "strided": np.repeat(a, 2, axis=-1)[..., ::2]}[draw(st.sampled_from(["C", "F", "T", "strided"]))]
    dims = draw(st.sampled_from([tuple(range(a.ndim))] + [(d,) for d in range(a.ndim)]))
    return a, dims


@settings(max_examples=40, deadline=None, derandomize=True)
@given(case=_planned_layouts())
def test_a_candidate_left_untimed_makes_the_calls_of_one_kept_and_gives_its_bits(case):
    # summation_plan.distinct: a candidate dropped has the calls of an earlier one kept, and
    # both give the general path's bits (so the choice between them changes nothing but time)
    a, dims = case
    out_shape = tuple(s for ax, s in enumerate(a.shape) if ax not in dims)
    general = np.asarray(summation.general_sum(a, dims, False, out_shape, a.dtype))
    tree = summation_plan._Tree(a.shape, a.strides, a.itemsize, dims, False, out_shape, a.dtype)
    plans = summation_plan.candidates(tree, a, dims)
    kept = summation_plan.distinct(plans)
    assert kept == [p for p in plans if p in kept]  # in candidates' order
    calls = {summation_plan._calls_made(p) for p in kept if isinstance(p, summation_plan._Plan)}
    assert len(calls) == sum(isinstance(p, summation_plan._Plan) for p in kept)
    for plan in plans:
        if plan not in kept:
            assert summation_plan._calls_made(plan) in calls
        assert np.asarray(plan.run(a)).tobytes() == general.tobytes()


def test_a_plan_in_use_sends_the_next_call_to_the_general_path():
    """A plan's buffer is shared: while one call holds it (another thread, a signal handler
    mid-run), the next call must not write into it but sum the general way, with the same bits;
    and threads summing one shape at once all get the right answers."""
    import sys
    import threading

    rng = np.random.default_rng(8)
    a = (rng.uniform(0.5, 1.5, (20, 10)) * 10.0 ** rng.integers(-3, 3, (20, 10))).astype(np.float32)
    a = a[::2]  # every other row: planned (contiguous ones take summation_contiguous's kernels)
    for _ in range(200):
        expected = float_sum(a)  # builds and readies the plan
    key = (a.shape, a.strides, tuple(range(2)), False, a.dtype)
    plan = summation_plan._plans[key]
    with plan.in_use:
        assert plan.run(a) is None
        assert float_sum(a).tobytes() == expected.tobytes()
    inputs = [np.repeat(a * np.float32(k), 2, axis=0)[::2] for k in range(1, 9)]  # a's layout
    wanted = [float_sum(x).tobytes() for x in inputs]
    results = {}

    def work(k):
        results[k] = [float_sum(inputs[k]).tobytes() for _ in range(300)]
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: mid-run too
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(set(results[k]) == {wanted[k]} for k in range(8))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(n=st.sampled_from([32768, 32769, 32776, 65536, 65544, 100_000, 100_001, 262_150]),
       dtype=st.sampled_from([np.float16, np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1), special=st.sampled_from([None] + _SPECIALS),
       layout=st.sampled_from(["contiguous", "every other", "reversed"]))
def test_a_sum_split_between_threads_gives_the_general_paths_bits(monkeypatch, n, dtype, seed,
                                                                   special, layout):
    # _split_full sums equal shares of a contiguous run as rows of one view (W5's sum)
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 1.5, n) * 10.0 ** rng.integers(-3, 3, n) * rng.choice([-1, 1], n)
    a = a.astype(dtype)
    if special is not None:
        a[rng.integers(0, n, 3)] = special
    a = {"contiguous": a, "every other": np.repeat(a, 2)[::2], "reversed": a[::-1]}[layout]
    short = np.asarray(float_sum(a))
    with monkeypatch.context() as patch:
        patch.setattr(summation, "SHORT_PATHS", False)
        general = np.asarray(float_sum(a))
    assert short.dtype == general.dtype and short.tobytes() == general.tobytes()
