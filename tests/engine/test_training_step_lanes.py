"""The lesson-sized training step's Python-float paths (docs/benchmarks.md, "The lesson-sized
step in Python floats") against the numpy paths they stand for: the same bits, the same
warnings, the same state."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine.float_math import fused as float_fused
from gradrepl.engine.vector_math import _fma_exact
from tests.engine.float32_cases import ANY32 as _ANY32, F32, bits as _bits, run as _run

PATCHED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------------------------------------
# fma32 on a few lanes in Python floats


@st.composite
def _fma_operands(draw):
    shape = draw(st.sampled_from([(), (1,), (3,), (1, 3), (2, 4), (8,), (9,), (3, 1)]))
    operands = []
    for position in range(3):
        form = draw(st.sampled_from(["array", "array", "scalar", "other"]))
        if position == 0 or form == "array":
            operands.append(draw(hnp.arrays(F32, shape, elements=_ANY32)))
        elif form == "scalar":
            operands.append(F32(draw(_ANY32)))
        else:  # what the general path alone takes: another shape, a float64 array, a 0-d array
            operands.append(draw(st.sampled_from([
                np.ones((1,), F32) * F32(draw(_ANY32)), np.float64(0.1), np.array(F32(2.5))])))
    return operands


@settings(PATCHED, max_examples=400)
@given(_fma_operands())
def test_fma32_few_lanes_gives_the_general_paths_bits_and_warnings(monkeypatch, operands):
    short = _run(float_fused.fma32, *operands)
    with monkeypatch.context() as patch:
        patch.setattr(float_fused, "FEW_LANES", 0)
        general = _run(float_fused.fma32, *operands)
    assert short == general


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 8), st.data())
def test_fma32_few_lanes_is_the_fused_multiply_add(n, data):
    """Against the exact emulation (no screening at all), finite lanes only."""
    a, b, c = (data.draw(hnp.arrays(F32, n, elements=st.floats(-2.0**60, 2.0**60, width=32)
                                    | st.integers(-2**12, 2**12).map(lambda i: i * 2.0**-11)))
               for _ in range(3))
    with np.errstate(all="ignore"):
        assert _bits(float_fused.fma32(a, b, c)) == _bits(_fma_exact(a, b, c))


def test_fma32_few_lanes_leaves_midpoints_to_the_general_path():
    """(1 + 2**-18) * 2**-24 (1 - 2**-18) + (1 + 2**-23) is 2**-60 below the float32 midpoint
    1 + 3 * 2**-24; float64 rounds it onto the midpoint, and ties-to-even would then round up."""
    a = np.array([1 + 2.0**-18, 1.0, 2.0], F32)
    b = np.array([2.0**-24 * (1 - 2.0**-18), 1.0, 3.0], F32)
    c = np.array([1 + 2.0**-23, 2.0**-149, 1.0], F32)
    assert float_fused._fma32_few_lanes(a, b, c) is None
    assert _bits(float_fused.fma32(a, b, c)) == _bits(_fma_exact(a, b, c))
    assert float_fused.fma32(a, b, c)[0] == F32(1 + 2.0**-23)


def test_fma32_few_lanes_result_is_a_fresh_writable_array():
    a = np.array([1.0, 2.0, 3.0], F32)
    out = float_fused.fma32(a, F32(0.5), a)
    assert out.flags.writeable and out.dtype == F32 and out.shape == (3,)
    out[0] = 7
    assert a[0] == 1


# ---------------------------------------------------------------------------------------------
# views.regenerate lets go of dead views (a Linear's weight.t() once per forward)


def test_a_write_drops_dead_views_and_still_refreshes_live_ones():
    import gradrepl.torch as torch
    from gradrepl.engine.ops.inplace import write

    w = torch.ones(2, 3, requires_grad=True)
    for _ in range(10):
        w.t()  # dies at once
    live = w.t()
    with torch.no_grad():
        write(w, np.full((2, 3), 2, F32))
    assert [ref() for ref in w._views] == [live]
    assert live.grad_fn.name() == "AsStridedBackward0"


# ---------------------------------------------------------------------------------------------
# SGD's float32 update straight to fma32 and the parameter's memory


@st.composite
def _sgd_case(draw):
    dtype = draw(st.sampled_from([np.float32, np.float32, np.float64]))
    shapes = draw(st.lists(st.sampled_from([(), (1,), (3,), (1, 3), (4, 5), (12,)]),
                           min_size=1, max_size=3))
    values = st.floats(-1e3, 1e3, width=32) | st.integers(-64, 64).map(lambda i: i / 8)
    params = [draw(hnp.arrays(dtype, s, elements=values)) for s in shapes]
    grads = [[draw(hnp.arrays(dtype, s, elements=values)) for s in shapes] for _ in range(3)]
    momentum = draw(st.sampled_from([0, 0, 0.9, 0.5]))
    options = {"lr": draw(st.sampled_from([0.01, 0.1, 1e-3, 0.0, 2.5])), "momentum": momentum,
               "dampening": draw(st.sampled_from([0, 0.1])) if momentum else 0,
               "weight_decay": draw(st.sampled_from([0, 0, 1e-4])),
               "maximize": draw(st.booleans())}
    options["nesterov"] = bool(momentum) and options["dampening"] == 0 and draw(st.booleans())
    return params, grads, options


def _sgd_run(params, grads, options):
    import gradrepl.torch as torch

    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.SGD(tensors, **options)
    for step in grads:
        for t, g in zip(tensors, step):
            t.grad = torch.from_numpy(g.copy())
        opt.step()
    state = opt.state_dict()
    buffers = [_bits(s["momentum_buffer"].detach().numpy()) for _, s in sorted(state["state"].items())]
    return [_bits(t.detach().numpy()) for t in tensors], buffers, [t._version for t in tensors]


def _sgd_aliased_run(kind, fused_groups, monkeypatch):
    """Three momentum steps on parameters some of whose arrays are shared, with the group's
    fused update on or off; the parameters', buffers' and versions' bits."""
    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    monkeypatch.setattr(sgd, "FUSED_GROUPS", fused_groups)
    rng = np.random.default_rng(5)
    a = torch.tensor(rng.integers(-64, 64, (3, 4)).astype(F32) / 8, requires_grad=True)
    b = torch.tensor(rng.integers(-64, 64, (3, 4)).astype(F32) / 8, requires_grad=True)
    c = torch.tensor(rng.standard_normal(4).astype(F32), requires_grad=True)
    if kind == "shared memory":  # a leaf sharing a's memory: the loop updates a, then b sees it
        b = a.detach().requires_grad_()
    params = [a, b, c]
    opt = torch.optim.SGD(params, lr=0.125, momentum=0.5)
    for step in range(3):
        grads = [torch.from_numpy(rng.integers(-64, 64, p.shape).astype(F32) / 8)
                 for p in params]
        if kind == "shared grad":
            grads[1] = grads[0]
        elif kind == "grad is a parameter":  # b's gradient is a's memory, written before b's turn
            grads[1] = a.detach()
        elif kind == "view grad":
            grads[2] = torch.from_numpy(np.arange(8, dtype=F32)[::2] / 4)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
    buffers = [_bits(opt.state[p]["momentum_buffer"].detach().numpy()) for p in params]
    return [_bits(p.detach().numpy()) for p in params], buffers, [p._version for p in params]


@pytest.mark.parametrize("kind", ["plain", "shared memory", "shared grad",
                                  "grad is a parameter", "view grad"])
def test_sgd_fused_group_gives_the_loops_bits_or_leaves_aliased_arrays_to_it(monkeypatch, kind):
    """SGD's one update over a whole group (``sgd.FUSED_GROUPS``) against one per parameter:
    the same bits and versions with plain parameters (few-bit values: exact sums on float32
    midpoints), and where arrays are shared (the fused path must then leave it to the loop)."""
    assert _sgd_aliased_run(kind, True, monkeypatch) == _sgd_aliased_run(kind, False, monkeypatch)


def test_sgd_fused_group_is_what_the_mlp_step_takes(monkeypatch):
    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    taken = []
    original = sgd.SGD._fused_group
    monkeypatch.setattr(sgd.SGD, "_fused_group",
                        lambda self, group: taken.append(original(self, group)) or taken[-1])
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        model(torch.ones(4, 6)).sum().backward()
        opt.step()
    assert taken == [False, True]  # the first step makes the buffers


@settings(PATCHED, max_examples=150)
@given(_sgd_case())
def test_sgd_float32_short_path_gives_the_general_paths_parameters_and_state(monkeypatch, case):
    from gradrepl.torch.optim import sgd

    short = _sgd_run(*case)
    with monkeypatch.context() as patch:
        patch.setattr(sgd, "SHORT_PATH", False)
        patch.setattr(float_fused, "FEW_LANES", 0)
        general = _sgd_run(*case)
    assert short == general


# a float32 value of any magnitude SGD's sums can meet: few-bit values (exact sums on float32
# midpoints), subnormal and near-overflow ones, zeros of both signs, inf and nan now and then
_SGD_EXTREME = (st.integers(-64, 64).map(lambda i: i / 8)
                | st.floats(-1e3, 1e3, width=32)
                | st.sampled_from([float(F32(v)) for v in (0.0, -0.0, 1e-45, -1e-45, 1.1754942e-38,
                                                           3.4e38, -3.4e38, 3.4028235e38,
                                                           np.inf, np.nan)])
                | st.floats(-2.0**-120, 2.0**-120, width=32))


@st.composite
def _sgd_scratch_case(draw):
    shapes = draw(st.lists(st.sampled_from([(1,), (3,), (2, 3), (4, 5), (12,)]),
                           min_size=2, max_size=4))
    params = [draw(hnp.arrays(F32, s, elements=_SGD_EXTREME)) for s in shapes]
    grads = [[draw(hnp.arrays(F32, s, elements=_SGD_EXTREME)) for s in shapes]
             for _ in range(3)]
    lr = draw(st.sampled_from([0.01, 0.125, 2.5, 1e-30, 0.0]))
    momentum = draw(st.sampled_from([0.9, 0.5]))
    replace = draw(st.sampled_from([None, 0, 1]))  # p.data = ... before that parameter's step 2
    return params, grads, lr, momentum, replace


def _sgd_scratch_run(case, fused_groups, scratch, monkeypatch):
    import warnings

    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    params, grads, lr, momentum, replace = case
    monkeypatch.setattr(sgd, "FUSED_GROUPS", fused_groups)
    monkeypatch.setattr(sgd, "SCRATCH", scratch)
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.SGD(tensors, lr=lr, momentum=momentum)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, step in enumerate(grads):
            if replace is not None and i == 2:
                with torch.no_grad():
                    tensors[replace].data = tensors[replace].detach().clone() * 0.5
            for t, g in zip(tensors, step):
                t.grad = torch.from_numpy(g.copy())
            opt.step()
    buffers = [_bits(opt.state[t]["momentum_buffer"].detach().numpy()) for t in tensors]
    messages = sorted({str(w.message) for w in caught})
    return [_bits(t.detach().numpy()) for t in tensors], buffers, \
        [t._version for t in tensors], messages


_BIG = [np.array([3.4e38, 1.0, -2.0], F32), np.array([0.5, np.nan], F32)]


@settings(PATCHED, max_examples=60)
@given(_sgd_scratch_case())
@example((_BIG, [[-a for a in _BIG]] * 3, 2.5, 0.9, None))  # sums past float32's range, a nan
@example(([np.ones(3, F32), np.ones(2, F32)], [[np.ones(3, F32), np.ones(2, F32)]] * 3,
          0.125, 0.5, 1))  # few-bit sums, a parameter replaced
def test_sgd_fused_update_in_scratch_gives_the_loops_bits_state_and_warnings(monkeypatch, case):
    """SGD's fused group update in kept work arrays, rounded straight into the parameters
    (``sgd.SCRATCH``), against the per-parameter loop (``FUSED_GROUPS`` off) and the fused
    update through a result array: the same parameters', buffers' and versions' bits and the
    same warnings, on sums that land on midpoints, below the normal range, past float32's
    largest value, and on parameters replaced between steps (the work arrays made again)."""
    scratch = _sgd_scratch_run(case, True, True, monkeypatch)
    assert scratch == _sgd_scratch_run(case, False, True, monkeypatch)
    assert scratch == _sgd_scratch_run(case, True, False, monkeypatch)
    from gradrepl.torch.optim import sgd

    with monkeypatch.context() as patch:  # a group too large to keep work arrays for
        patch.setattr(sgd, "SCRATCH_ELEMENTS", 4)
        assert scratch == _sgd_scratch_run(case, True, True, monkeypatch)


def test_sgd_fused_update_in_scratch_is_what_the_mlp_step_takes(monkeypatch):
    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    fallbacks = []
    monkeypatch.setattr(sgd, "fma32", lambda *args: fallbacks.append(1) or float_fused.fma32(*args))
    counts = []
    for _ in range(3):
        opt.zero_grad()
        model(torch.ones(4, 6)).sum().backward()
        opt.step()
        counts.append(len(fallbacks))
    # the first step's loop (no buffers yet) calls fma32; then the scratch path, never falling back
    assert counts[0] > 0 and counts[1] == counts[2] == counts[0]
    assert len(opt._scratch) == 1
