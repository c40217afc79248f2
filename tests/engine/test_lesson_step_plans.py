"""The lesson-sized step's m-w9 short paths against the general ones they stand for
(docs/benchmarks.md, "m-w9"): the memoised choice of a matrix product's kernel
(``blas_order.PLANS``) and SGD's few-lane update written straight into the parameter
(``sgd.FEW_LANES``). The same bits, the same warnings, the same versions."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine.ops import blas_order
from tests.cpu_vendor import cpu_machine, cpu_vendor  # noqa: F401 (fixtures)
from tests.engine.float32_cases import ANY32 as _ANY32, F32, bits as _bits, run as _run

PATCHED = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# ---------------------------------------------------------------------------------------------
# blas_order._plan: the kernel chosen once per layout


@st.composite
def _operands(draw):
    """Two matrices in the layouts the rules tell apart: C order, a transposed b (nn.Linear's
    ``weight.t()``, a (k, 1) column whose rows are apart), a Fortran-order a, float64."""
    m, k, n = draw(st.integers(1, 17)), draw(st.integers(1, 12)), draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([F32, F32, F32, np.float64]))
    elements = st.integers(-2**10, 2**10).map(lambda i: i * 2.0**-7) | _ANY32
    a = draw(hnp.arrays(dtype, (m, k), elements=elements))
    b = draw(hnp.arrays(dtype, (n, k), elements=elements)).T  # transposed
    if draw(st.booleans()):
        b = np.ascontiguousarray(b)
    if draw(st.booleans()):
        a = np.asfortranarray(a)
    return a, b


@settings(PATCHED, max_examples=40)
@given(_operands(), st.booleans(), st.sampled_from([1, 2]))
def test_planned_products_are_the_decided_ones(monkeypatch, operands, avx512, threads):
    """matrix_product and product_from_zero with the kernel memoised (asked twice: the memo's
    miss and hit) and decided afresh: the same bits and warnings, on either MKL kernel set and
    thread count (both in the memo's key)."""
    a, b = operands
    monkeypatch.setattr(blas_order, "_mkl_avx512", lambda: avx512)
    monkeypatch.setattr(blas_order, "THREADS", threads)
    results = []
    for plans in (True, True, False):
        monkeypatch.setattr(blas_order, "PLANS", plans)
        results.append([_run(blas_order.matrix_product, a, b),
                        _run(blas_order.product_from_zero, a, b)])
    assert results[0] == results[1] == results[2]


def test_a_plan_follows_the_vendor_and_the_kernel_set(cpu_vendor, monkeypatch):
    """The same layout under another vendor or kernel set is decided again (the memo's key),
    and AMD's rules, which read the data's alignment, are never memoised."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((10, 3)).astype(F32)
    w = rng.standard_normal((1, 3)).astype(F32)
    cpu_vendor("GenuineIntel")
    monkeypatch.setattr(blas_order, "_mkl_avx512", lambda: True)
    assert blas_order._plan(x, w.T) is blas_order._column_kernel
    monkeypatch.setattr(blas_order, "_mkl_avx512", lambda: False)
    assert blas_order._plan(x, w.T) is None  # MKL's AVX2 gemv: numpy's product
    cpu_vendor("AuthenticAMD")
    assert blas_order._plan(x, w.T) is blas_order._UNPLANNED
    base = np.zeros(64, F32)
    for a in (base[:30].reshape(10, 3), base[1:31].reshape(10, 3)):  # aligned, then not
        a[...] = x
        with monkeypatch.context() as patch:
            patch.setattr(blas_order, "PLANS", False)
            expected = _bits(blas_order.product_from_zero(a, w.T))
        assert _bits(blas_order.product_from_zero(a, w.T)) == expected


@settings(PATCHED, max_examples=60)
@given(st.sampled_from([(32, 64, 128), (32, 128, 10), (10, 32, 128), (128, 32, 64), (5, 7, 3),
                        (1, 9, 6), (12, 20, 12), (33, 40, 30), (6, 1, 1)]),
       st.booleans(), st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
def test_amd_layouts_no_rule_admits_are_memoised_as_numpys(monkeypatch, cpu_vendor, shape,
                                                        transposed, fortran, shifted, seed):
    """On an AMD CPU a layout AMD's rules refuse whatever the alignment (W8's products, past
    every size) is memoised as numpy's product, and one they admit is decided per call: the
    same bits and warnings as deciding afresh (``PLANS = False``), asked twice (the memo's miss
    and hit), on aligned and misaligned data."""
    cpu_vendor("AuthenticAMD")
    monkeypatch.setattr(blas_order, "_plans", {})
    m, k, n = shape
    rng = np.random.default_rng(seed)
    storage = rng.standard_normal(m * k + 1).astype(F32)
    a = storage[int(shifted):int(shifted) + m * k].reshape(m, k)  # 4 bytes in: misaligned
    if fortran:
        a = np.asfortranarray(a)
    b = rng.standard_normal((n, k)).astype(F32).T if transposed else \
        rng.standard_normal((k, n)).astype(F32)
    results = []
    for plans in (True, True, False):
        monkeypatch.setattr(blas_order, "PLANS", plans)
        results.append([_run(blas_order.matrix_product, a, b),
                        _run(blas_order.product_from_zero, a, b)])
    assert results[0] == results[1] == results[2]
    admitted = blas_order.blas_order_amd.layout_follows(a, b)
    assert blas_order._plan(a, b) is (blas_order._UNPLANNED if admitted else None)
    assert (len(blas_order._plans) == 0) == admitted


def test_the_lesson_step_takes_planned_kernels(monkeypatch, cpu_machine):
    """W9's forward (a gemv) and weight gradient (a one-row chain) both find their plans."""
    import gradrepl.torch as torch

    cpu_machine("GenuineIntel", "avx512")  # the Xeon these kernels were measured on
    monkeypatch.setattr(blas_order, "_plans", {})
    model = torch.nn.Linear(3, 1)
    ((model(torch.ones(10, 3)) - torch.ones(10, 1)) ** 2).mean().backward()
    assert sorted(getattr(p, "func", p).__name__ for p in blas_order._plans.values()) == [
        "_column_kernel", "_row_chain_kernel"]  # the weight gradient's chain written out


@settings(PATCHED, max_examples=80)
@given(st.integers(2, 10).flatmap(lambda m: st.tuples(
    st.just(m), st.integers(2, max(2, min(17, 32 // m))))), st.data())
def test_linear_column_is_the_product_plus_the_bias(monkeypatch, shape, data):
    """``blas_order.linear_column`` (nn.Linear(k, 1)'s gemv and bias in Python floats) against
    ``product_from_zero`` then numpy's float32 add, as addmm's ``_linear_case`` does without it:
    the same bits and warnings, or None (inf, nan, overflowing sums and biases included);
    a weight whose column is strided is left to numpy."""
    m, k = shape
    monkeypatch.setattr(blas_order, "_mkl_avx512", lambda: True)
    x = data.draw(hnp.arrays(F32, (m, k), elements=_ANY32))
    w = data.draw(hnp.arrays(F32, (1, k), elements=_ANY32))
    bias = data.draw(hnp.arrays(F32, (1,), elements=_ANY32))
    column = w.T if data.draw(st.booleans()) else np.repeat(w, 2, axis=0).T[:, :1]

    def general():
        product = blas_order.product_from_zero(x, column)
        return np.add(product, bias, out=product)

    expected = _run(general)
    answers = []
    for kernels in (True, False):  # the written-out kernel, then gemv_values and lists
        monkeypatch.setattr(blas_order, "LINEAR_KERNELS", kernels)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = blas_order.linear_column(x, column, bias)
        if got is not None:
            assert not caught and column.flags.c_contiguous
            assert _bits(got) == expected[0] and not expected[1]
            assert got.flags.writeable and got.flags.c_contiguous and got.shape == (m, 1)
        else:
            assert not caught
        answers.append(None if got is None else _bits(got))
    assert answers[0] == answers[1]  # both hand back the same cases


def test_linear_column_kernel_screens_its_fused_steps(monkeypatch, cpu_machine):
    """The written-out kernel's blocked rows: a fused first step whose float64 sum lands on a
    float32 midpoint exactly (few-bit values: kept, rounded once) and one that rounds twice
    (handed back, as gemv_values hands it back); the general path agrees with both."""
    cpu_machine("GenuineIntel", "avx512")  # the Xeon these kernels were measured on
    column = np.array([[1.0, 1.0, 1.0]], F32).T
    exact_midpoint = np.array([[1.0, 2.0**-24, 0.0]] * 4 + [[1.0, 1.0, 1.0]], F32)
    got = blas_order.linear_column(exact_midpoint, column, np.zeros(1, F32))
    product = blas_order.product_from_zero(exact_midpoint, column)
    assert got is not None and _bits(got) == _bits(product + F32(0))
    # x1 * w1 = (1 + 2**-18) * 2**-24 * (1 - 2**-18) = 2**-24 - 2**-60: its sum with 1 rounds
    # in float64 to 1 + 2**-24, a float32 midpoint, inexactly: it may have rounded twice
    twice = np.array([[1.0, 1 + 2.0**-18, 0.0]] * 4, F32)
    w = np.array([[1.0, 2.0**-24 - 2.0**-42, 1.0]], F32).T
    for kernels in (True, False):
        monkeypatch.setattr(blas_order, "LINEAR_KERNELS", kernels)
        assert blas_order.linear_column(twice, w, np.zeros(1, F32)) is None
    general = blas_order.product_from_zero(twice, w)
    assert _bits(general) == _bits(np.ones((4, 1), F32))  # (the exact sum's float32 rounding)


def test_linear_column_is_what_the_lesson_forward_takes(monkeypatch, cpu_machine):
    import gradrepl.torch as torch

    cpu_machine("GenuineIntel", "avx512")  # the Xeon these kernels were measured on
    taken = []
    original = blas_order.linear_column
    addmm_module = sys.modules["gradrepl.engine.ops.addmm"]  # (ops.addmm is the function)
    monkeypatch.setattr(addmm_module, "linear_column",
                        lambda *a: taken.append(original(*a)) or taken[-1])
    model = torch.nn.Linear(3, 1)
    out = model(torch.ones(10, 3))
    assert len(taken) == 1 and taken[0] is out._data
    out.sum().backward()  # the output's own memory: an ordinary, writable array
    assert model.weight.grad.shape == (1, 3)


# ---------------------------------------------------------------------------------------------
# SGD's few-lane update in Python floats, straight into the parameter's memory


def _sgd_steps(values, grads, lr, view):
    import gradrepl.torch as torch

    memory = np.array(values, F32)
    param = torch.from_numpy(memory[::2] if view else memory).requires_grad_()
    opt = torch.optim.SGD([param], lr=lr)
    out = []
    for g in grads:
        param.grad = torch.from_numpy(np.array(g, F32)[: param.shape[0]])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
        out.append((_bits(memory), param._version, sorted(str(w.message) for w in caught)))
    return out


@settings(PATCHED, max_examples=100)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(_ANY32, min_size=2 * n, max_size=2 * n),
    st.lists(st.lists(_ANY32, min_size=2 * n, max_size=2 * n), min_size=1, max_size=3))),
    st.sampled_from([0.1, 0.01, 2.5, 1e-3, 0.0, 3e38]), st.booleans())
def test_sgd_few_lane_update_gives_fma32s_bits_warnings_and_versions(monkeypatch, case, lr, view):
    """``sgd._few_lanes_update`` against ``write(param, fma32(...))`` on its numpy path (both
    FEW_LANES switches off): parameters and gradients of every float32 kind (inf, nan, sums
    that overflow float32, exact sums on midpoints), a strided parameter (the update must leave
    it to the general path), and up to 4 lanes."""
    from gradrepl.engine.float_math import fused
    from gradrepl.torch.optim import sgd

    values, grads = case
    short = _sgd_steps(values, grads, lr, view)
    with monkeypatch.context() as patch:
        patch.setattr(sgd, "FEW_LANES", 0)
        patch.setattr(fused, "FEW_LANES", 0)
        general = _sgd_steps(values, grads, lr, view)
    assert short == general


def test_sgd_few_lane_update_hands_back_what_it_cannot_vouch_for():
    """A sum rounding past float32's range, a midpoint sum that rounded twice, a nan: nothing
    written (the general path decides); an ordinary update: written, version bumped."""
    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    cases = [([3.4e38, 1.0], [-3.4e38, 0.0], F32(-1.0), False),
             # (1 + 2**-18) * 2**-24 (1 - 2**-18) + (1 + 2**-23): float64 lands on the midpoint
             ([1 + 2.0**-23], [2.0**-24 * (1 - 2.0**-18)], F32(1 + 2.0**-18), False),
             ([1.0, float("nan")], [1.0, 1.0], F32(-0.5), False),
             ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], F32(-0.5), True)]
    for values, grad, minus_lr, written in cases:
        param = torch.tensor(values, dtype=torch.float32, requires_grad=True)
        before = param.detach().numpy().copy()
        taken = sgd._few_lanes_update(param, param._data, np.array(grad, F32), minus_lr)
        assert taken is written
        assert param._version == int(written)
        if not written:
            assert param.detach().numpy().tobytes() == before.tobytes()
    assert param.detach().numpy().tolist() == [0.5, 1.5, 2.5]


# the layouts of a group's parameters: each param's memory (own, a contiguous slice sharing a
# buffer with the next parameter, strided, read-only, a detached view of the buffer, an
# inference tensor) and its gradient (own, float64, None,
# the memory of another parameter)
_LAYOUTS = st.sampled_from(["own", "own", "shared", "strided", "read-only", "detached view",
                            "inference"])
_GRADS = st.sampled_from(["own", "own", "own", "none", "float64", "other's memory"])


def _version(tensor):
    return tensor._write_count if tensor.is_inference() else tensor._version  # (torch refuses)


def _sgd_group_steps(case):
    import gradrepl.torch as torch

    sizes, layouts, grad_kinds, values, grads, lr, options = case
    buffer = np.array(values, F32)  # every parameter's memory, one after another
    params, start = [], 0
    for size, layout in zip(sizes, layouts):
        if layout == "strided":
            memory = buffer[start:start + 2 * size:2]
            start += 2 * size
        else:
            memory = buffer[start:start + size]
            start += size - (layout == "shared" and size > 1)  # overlaps the next one
        if layout == "read-only":
            memory = memory.copy()
            memory.flags.writeable = False
        if layout == "detached view":  # a leaf whose version counter is its base's
            params.append(torch.from_numpy(buffer)[start - size:start].detach().requires_grad_())
        elif layout == "inference":  # torch's error after the write, outside the mode
            with torch.inference_mode():
                params.append(torch.from_numpy(memory).requires_grad_())
        else:
            params.append(torch.from_numpy(memory).requires_grad_())
    opt = torch.optim.SGD(params, lr=0.1, **(options if options != "state entry" else {}))
    if options == "state entry":
        opt.state[params[0]]  # an empty entry (defaultdict): the loop's first step drops it
    opt.param_groups[0]["lr"] = lr  # any value, as a user or a scheduler may set it
    held = [p[:1] for p in params]  # live views: a write gives them a new history
    out = []
    for step_grads in grads:
        for i, (param, kind) in enumerate(zip(params, grad_kinds)):
            g = np.array(step_grads[:param.numel()], F32)
            if kind == "none":
                param.grad = None
            elif kind == "float64":
                param._grad = torch.from_numpy(g.astype(np.float64))  # (as a hook might leave it)
            elif kind == "other's memory":
                other = params[(i + 1) % len(params)]
                param._grad = other.detach() if other.numel() == param.numel() else \
                    torch.from_numpy(g)
            else:
                param.grad = torch.from_numpy(g)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                opt.step()
                error = None
            except Exception as e:  # noqa: BLE001 (the same error either way)
                error = f"{type(e).__name__}: {e}"
        out.append((_bits(buffer), [_bits(p.detach().numpy()) for p in params],
                    [_version(p) for p in params], torch.from_numpy(buffer)._version, sorted(str(w.message) for w in caught),
                    error, len(opt.state), [type(v.grad_fn).__name__ for v in held]))
    return out


@settings(PATCHED, max_examples=60)
@given(st.integers(1, 3).flatmap(lambda count: st.tuples(
    st.lists(st.integers(1, 6), min_size=count, max_size=count),
    st.lists(_LAYOUTS, min_size=count, max_size=count),
    st.lists(_GRADS, min_size=count, max_size=count),
    st.lists(_ANY32, min_size=40, max_size=40),
    st.lists(st.lists(_ANY32, min_size=6, max_size=6), min_size=1, max_size=3),
    st.sampled_from([0.1, 0.01, 1, 0, 2.5, 1e-3, 0.0, 3e38, 3.5e38, 1e39, 1e-45, float("nan")]),
    st.sampled_from([{}, {}, {}, {"weight_decay": 0.1}, {"maximize": True}, "state entry"]))))
# a float64 sum on a float32 midpoint that rounded twice (the screening must hand it back)
@example(([1, 2], ["own", "own"], ["own", "own"], [1 + 2.0**-23] * 40,
          [[2.0**-24 * (1 - 2.0**-18)] * 6], -(1 + 2.0**-18), {}))
# sums past float32's range (numpy's overflow warning), a nan
@example(([3, 1], ["own", "own"], ["own", "own"], [3.4e38] * 39 + [float("nan")],
          [[-3.4e38] * 6], 1, {}))
def test_sgd_group_path_gives_the_loops_bits_warnings_versions_and_state(monkeypatch, case):
    """``SGD._few_lanes_group`` (a group without momentum, decided once per group) against
    the loop of ``Optimizer.step`` (``FEW_LANE_GROUPS`` off): groups of 1 to 3 parameters of
    1 to 6 elements (past ``FEW_LANES`` too), of every float32 kind, with parameters sharing
    one buffer (an update must see the one before it), strided and read-only ones, gradients
    missing, float64 or another parameter's memory, lr of any size (nan, past float32's
    range), weight decay and maximize (the loop's), several steps with the rate kept."""
    from gradrepl.torch.optim import sgd

    short = _sgd_group_steps(case)
    with monkeypatch.context() as patch:  # (undone after each example)
        patch.setattr(sgd, "FEW_LANE_GROUPS", False)
        general = _sgd_group_steps(case)
    assert short == general


def test_sgd_group_path_keeps_the_rate_only_for_the_same_lr(monkeypatch):
    """The kept rate is the float32 of the lr object it was made from: a new lr (a scheduler's,
    ``-0.0`` after ``0.0``) makes it again, so the bits are those of the new value."""
    import gradrepl.torch as torch

    param = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.0)
    for lr, want in [(0.0, [0.0, -0.0]), (-0.0, [0.0, 0.0]), (1, [-1.0, -2.0])]:
        with torch.no_grad():
            param.zero_()
            param[1] = -0.0
        param.grad = torch.tensor([1.0, 2.0])
        opt.param_groups[0]["lr"] = lr
        opt.step()
        assert _bits(param.detach().numpy()) == _bits(np.array(want, F32))


def test_the_lesson_step_takes_the_few_lane_update(monkeypatch):
    import gradrepl.torch as torch
    from gradrepl.torch.optim import sgd

    taken = []
    original = sgd._few_lanes_write  # (the group path's: the loop's _few_lanes_update is not met)
    monkeypatch.setattr(sgd, "_few_lanes_write", lambda *a: taken.append(original(*a)) or taken[-1])
    monkeypatch.setattr(sgd, "_few_lanes_update", None)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ((model(torch.ones(10, 3)) - torch.ones(10, 1)) ** 2).mean().backward()
    opt.step()
    assert taken == [True, True]


# ---------------------------------------------------------------------------------------------
# Linear.forward's weight and bias, read through the module's mirror of its tables


def test_linear_forward_uses_what_its_attributes_name(monkeypatch):
    """``F.linear`` gets what ``self.weight`` / ``self.bias`` give (module._Table's mirror):
    without a bias, with a bias replaced or set to None, with an instance attribute shadowing
    the table (object.__setattr__), and in a subclass (which keeps the attribute lookup)."""
    import gradrepl.torch as torch
    from gradrepl.torch.nn import functional as F

    seen = []
    original = F.linear
    monkeypatch.setattr(F, "linear", lambda x, w, b: seen.append((w, b)) or original(x, w, b))
    x = torch.ones(2, 3)

    class Sub(torch.nn.Linear):
        pass

    models = [torch.nn.Linear(3, 2), torch.nn.Linear(3, 2, bias=False), torch.nn.Linear(3, 2),
              torch.nn.Linear(3, 2), Sub(3, 2)]
    models[2].bias = None
    models[3].weight = torch.nn.Parameter(torch.zeros(2, 3))
    object.__setattr__(models[3], "bias", torch.ones(2))  # shadows the registered bias
    for model in models:
        model(x)
        assert seen[-1][0] is model.weight and seen[-1][1] is model.bias
    assert seen[1][1] is None and seen[2][1] is None


def test_linear_column_leaves_a_bias_sum_past_float32s_range_to_numpy(monkeypatch, cpu_machine):
    """A gemv total plus the bias that rounds past float32's largest value: numpy's add warns
    of the overflow, so ``linear_column`` must hand it back (struct's native "f" format casts
    such a sum to inf without its OverflowError); a sum just inside the range it keeps."""
    cpu_machine("GenuineIntel", "avx512")  # the Xeon these kernels were measured on
    x = np.array([[3e38, 0], [0, 0]], F32)
    column = np.repeat(np.array([[1.0, 0.0]], F32), 2, axis=0).T[:, :1]
    assert blas_order.linear_column(x, column, np.array([3e38], F32)) is None
    assert blas_order.linear_column(-x, column, np.array([-3e38], F32)) is None
    inside = blas_order.linear_column(x, column, np.array([1e37], F32))
    product = blas_order.product_from_zero(x, column)
    assert inside is not None and _bits(inside) == _bits(np.add(product, F32(1e37)))
