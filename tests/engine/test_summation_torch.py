"""sum and mean against live torch, bit for bit: the recorded specs, plus Hypothesis drawing
shapes (1-d up to 5000, 2-d and 3-d), dtypes, value distributions, views, dims and keepdim."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from summation_cases import DISTRIBUTIONS, DTYPES, SPECS, VIEWS, Spec, run

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@st.composite
def specs(draw):
    ndim = draw(st.sampled_from([1, 1, 2, 2, 3]))
    if ndim == 1:
        shape = (draw(st.integers(1, 5000)),)
    else:
        side = 80 if ndim == 2 else 20
        shape = tuple(draw(st.integers(1, side)) for _ in range(ndim))
    dims = draw(st.one_of(
        st.none(), st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))
    return Spec(
        shape, draw(st.sampled_from(DTYPES)), draw(st.sampled_from(DISTRIBUTIONS)),
        draw(st.sampled_from(VIEWS)), draw(st.sampled_from(["sum", "mean"])),
        None if dims is None else tuple(dims), draw(st.booleans()), draw(st.integers(0, 2**16)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_drawn_sums_match_torch(spec):
    assert run(gtorch, spec) == run(torch, spec), spec.id


@pytest.mark.parametrize("spec", SPECS[::7], ids=[s.id for s in SPECS[::7]])
def test_recorded_specs_match_live_torch(spec):
    assert run(gtorch, spec) == run(torch, spec)


def test_large_tensors_split_between_threads():
    # 32768+ elements: torch sums each thread's share on its own first
    if torch.get_num_threads() != 2:
        pytest.skip("summation.THREADS models torch running 2 threads")
    for spec in (Spec((40000,)), Spec((70000,), "float16"), Spec((400, 200), view="sliced"),
                 Spec((257, 300), dims=(0,)), Spec((300, 257), view="transposed", dims=(1,))):
        assert run(gtorch, spec) == run(torch, spec), spec.id


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("shape,bias", [((64, 10), (10,)), ((37, 13), (1, 13)), ((8, 3, 50), (3, 1)),
                                        ((200,), ()), ((64, 10), (64, 1))])
def test_broadcast_gradients_match_torch(shape, bias, dtype):
    # the gradient of a broadcast input is torch's sum over the broadcast dims (sum_to_size)
    rng = np.random.default_rng(len(shape) + len(bias))
    x, b = rng.standard_normal(shape).astype(dtype), rng.standard_normal(bias).astype(dtype)
    grads = []
    for T in (gtorch, torch):
        tb = T.tensor(b.tolist(), dtype=getattr(T, dtype), requires_grad=True)
        tx = T.tensor(x.tolist(), dtype=getattr(T, dtype))
        (tx * tb * tx).sum().backward()
        grads.append(np.asarray(tb.grad.tolist()).tobytes())
    assert grads[0] == grads[1]


def test_half_vectors_fold_as_torch_loads_them():
    # a vector of 16 halves becomes two float vectors added lane by lane (x[i] + x[i + 8]);
    # the float sums rarely show through the final rounding to half, so try many mixed inputs
    rng = np.random.default_rng(7)
    for n in rng.integers(16, 20000, 1500):
        x = (rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n)).astype(np.float16)
        assert gtorch.from_numpy(x).sum().tolist() == torch.from_numpy(x).sum().tolist(), n


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_planned_sums_match_torch(spec):
    # the same drawn sums with a summation plan built on the first call (summation_plan)
    from gradrepl.engine.ops import summation_plan
    saved = summation_plan.BUILD_ON_CALL, summation_plan.BUILD_CALLS_PER_ELEMENT
    summation_plan.BUILD_ON_CALL, summation_plan.BUILD_CALLS_PER_ELEMENT = 1, 0
    try:
        assert run(gtorch, spec) == run(torch, spec), spec.id
    finally:
        summation_plan.BUILD_ON_CALL, summation_plan.BUILD_CALLS_PER_ELEMENT = saved
