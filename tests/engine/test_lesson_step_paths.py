"""The lesson-sized training step's short paths (docs/benchmarks.md, "Sixth pass: W9") against
the general paths they stand for: the same bits, the same graph, the same gradients."""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as torch
from gradrepl.engine.ops import summation


addmm_module = importlib.import_module("gradrepl.engine.ops.addmm")  # ops.addmm is the function

F32, F64 = np.float32, np.float64
_PATCHED = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _bits(x):
    x = np.asarray(x)
    return x.dtype.str, x.shape, x.tobytes()


def _graph(t):
    """What a user can see of a node and its edges: names, output numbers, which edges are the
    same node."""
    fn = t.grad_fn
    if fn is None:
        return None
    edges = [(type(n).__name__ if n is not None else None, nr) for n, nr in fn.next_functions]
    return type(fn).__name__, edges


# ---------------------------------------------------------------------------------------------
# addmm (nn.Linear's forward on 2-D input)


@st.composite
def _addmm_case(draw):
    dtype = draw(st.sampled_from([F32, F64]))
    m, k, n = (draw(st.integers(1, 12)) for _ in range(3))
    elements = st.floats(-8, 8, width=32) | st.sampled_from([0.0, -0.0])
    bias_shape = draw(st.sampled_from([(n,), (1,), (m, n), (), (1, n)]))
    bias = draw(hnp.arrays(dtype, bias_shape, elements=elements))
    x = draw(hnp.arrays(dtype, (m, k), elements=elements))
    w = draw(hnp.arrays(dtype, (n, k), elements=elements))
    wants = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    other = draw(st.sampled_from([None, F32, F64]))  # a bias of another dtype: the general path
    scale = draw(st.sampled_from([(1, 1), (1, 1), (1.0, 1), (2, 1), (1, 0.5), (0, 1)]))
    upstream = draw(hnp.arrays(dtype, (m, n), elements=elements))
    return bias.astype(other or dtype), x, w, wants, scale, upstream


def _run_addmm(bias, x, w, wants, scale):
    b = torch.tensor(bias, requires_grad=wants[0] and bias.dtype.kind == "f")
    a = torch.tensor(x, requires_grad=wants[1])
    wt = torch.tensor(w, requires_grad=wants[2])
    try:
        out = torch.addmm(b, a, wt.t(), beta=scale[0], alpha=scale[1])
    except RuntimeError as error:
        return ("error", str(error)), None, (b, a, wt)
    return out, _graph(out), (b, a, wt)


@_PATCHED
@given(_addmm_case())
def test_addmm_short_path_gives_the_general_paths_bits_graph_and_gradients(monkeypatch, case):
    bias, x, w, wants, scale, upstream = case
    short = _run_addmm(bias, x, w, wants, scale)
    with monkeypatch.context() as patch:
        patch.setattr(addmm_module, "SHORT_PATH", False)
        general = _run_addmm(bias, x, w, wants, scale)
    if isinstance(general[0], tuple):
        assert short[0] == general[0]
        return
    assert _bits(short[0].detach().numpy()) == _bits(general[0].detach().numpy())
    assert short[1] == general[1]
    assert short[0].requires_grad == general[0].requires_grad
    if general[0].requires_grad:
        for out, _, _ in (short, general):
            out.backward(torch.tensor(upstream))
        for s, g in zip(short[2], general[2]):
            assert (s.grad is None) == (g.grad is None)
            if g.grad is not None:
                assert _bits(s.grad.numpy()) == _bits(g.grad.numpy())
                assert s.grad.stride() == g.grad.stride()


def test_addmm_short_path_keeps_the_zero_signs_and_saved_versions(monkeypatch):
    """-0 products plus a -0 bias give the same zero on both paths; and a weight changed in
    place after the forward fails the backward on both (it is saved for the input's gradient)."""
    seen = []
    for short in (True, False):
        monkeypatch.setattr(addmm_module, "SHORT_PATH", short)
        x = torch.tensor([[-0.0, 1.0], [1.0, 1.0]], requires_grad=True)
        w = torch.tensor([[1.0, -0.0]], requires_grad=True)
        out = torch.nn.functional.linear(x, w, torch.tensor([-0.0]))
        with torch.no_grad():
            w.mul_(2)
        try:
            out.sum().backward()
        except RuntimeError as error:
            message = str(error)
        else:
            message = None
        seen.append((_bits(out.detach().numpy()), message))
    assert seen[0] == seen[1]
    assert "modified by an inplace operation" in seen[0][1]


# ---------------------------------------------------------------------------------------------
# Module.parameters() of a module without children


def _leaf_modules():
    plain = torch.nn.Linear(3, 2)
    no_bias = torch.nn.Linear(3, 2, bias=False)  # a None parameter
    shared = torch.nn.Linear(2, 2)
    shared.again = shared.weight  # the same parameter under two names
    empty = torch.nn.ReLU()
    return [plain, no_bias, shared, empty]


def test_parameters_of_a_leaf_module_are_the_walks_parameters():
    for module in _leaf_modules():
        for recurse in (True, False):
            walked = [p for _, p in module.named_parameters(recurse=recurse)]
            listed = list(module.parameters(recurse=recurse))
            assert [id(p) for p in listed] == [id(p) for p in walked]
    parent = torch.nn.Sequential(*_leaf_modules())
    assert [id(p) for p in parent.parameters()] == \
        [id(p) for _, p in parent.named_parameters()]


# ---------------------------------------------------------------------------------------------
# Optimizer.step's grad mode


def test_optimizer_step_runs_without_grad_and_restores_the_mode_after_an_error():
    param = torch.nn.Parameter(torch.ones(2))
    param.grad = torch.ones(2)
    seen = []

    class Failing(torch.optim.SGD):
        def _update(self, group, param, grad, state):
            seen.append(torch.is_grad_enabled())
            raise ValueError("stop")

    opt = Failing([param], lr=0.1)
    for mode in (True, False):
        torch.set_grad_enabled(mode)
        try:
            opt.step()
        except ValueError:
            pass
        assert torch.is_grad_enabled() is mode
    torch.set_grad_enabled(True)
    assert seen == [False, False]


# ---------------------------------------------------------------------------------------------
# a whole sum of one vector and a tail (W9's (10, 1) loss and bias gradient)


@st.composite
def _one_vector(draw):
    dtype = draw(st.sampled_from([F32, F64]))
    load = 8 if dtype is F32 else 4
    n = draw(st.integers(load, 2 * load - 1))
    shape = draw(st.sampled_from([(n,), (n, 1), (1, n)]))
    wild = draw(st.booleans())
    elements = st.floats(allow_nan=True, allow_infinity=True, width=32) if wild else \
        st.floats(-1e4, 1e4, width=32) | st.sampled_from([0.0, -0.0])
    a = draw(hnp.arrays(dtype, shape, elements=elements))
    return np.asfortranarray(a) if draw(st.booleans()) else a


@_PATCHED
@given(_one_vector())
def test_one_vector_sums_match_the_general_sum_and_its_warnings(monkeypatch, a):
    import warnings

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            total = summation.float_sum(a)
        return _bits(total), type(total), [str(w.message) for w in caught]

    short = run()
    with monkeypatch.context() as patch:
        patch.setattr(summation, "SHORT_PATHS", False)
        general = run()
    assert short == general


def test_one_vector_sum_adds_the_tail_first():
    """Ten float32 values whose sum depends on the order: the tail, then the vector's lanes."""
    a = np.array([1e8, 1, 1, 1, 1, 1, 1, -1e8, 3, 5], F32)
    assert _bits(summation._sum_one_vector(a, F32(0))) == \
        _bits(summation._sum_contiguous(a, np.dtype(F32)))
    assert _bits(summation.float_sum(a.reshape(10, 1))) == \
        _bits(summation._sum_contiguous(a, np.dtype(F32)))


# ---------------------------------------------------------------------------------------------
# recording a one-input node (a view, most one-input ops) without _record's lists


def _node_state(t):
    fn = t.grad_fn
    if fn is None:
        return None
    return (type(fn).__name__, [(id(n) if n is not None else None, nr) for n, nr in
                                fn.next_functions],
            fn._needs, fn._versions, fn._saved_nothing, fn._output_nrs[:1])


def _one_input_results(leaf):
    parts = leaf.unbind(0)  # outputs 0 and 1 of one node
    no_grad_view = None
    with torch.no_grad():
        no_grad_view = leaf[0]
    results = []
    for x in (leaf, leaf * 2, parts[1], no_grad_view):
        results += [x.t() if x.dim() == 2 else x.unsqueeze(0), x.reshape(-1), x.unsqueeze(0),
                    x.expand(2, *x.shape), x.sum(0), x.exp(), x.transpose(0, -1)]
    return results


def test_one_input_nodes_are_recorded_as_the_general_loop_records_them(monkeypatch):
    from gradrepl.engine.ops import primitive

    def run():
        torch.manual_seed(0)
        leaf = torch.randn(2, 3, requires_grad=True)
        leaf.detach().mul_(1)  # a nonzero version in the saved versions
        results = _one_input_results(leaf)
        states = [_node_state(r) for r in results]
        ids = {}  # the nodes' ids differ between the runs: number them by first appearance
        def canon(state):
            if state is None:
                return None
            name, edges, *rest = state
            edges = [(ids.setdefault(i, len(ids)) if i is not None else None, nr) for i, nr in edges]
            return (name, edges, *rest)
        grads = []
        for r in results:
            if r.requires_grad:
                leaf.grad = None
                r.sum().backward(retain_graph=True)
                grads.append(None if leaf.grad is None else _bits(leaf.grad.numpy()))
        return [canon(s) for s in states], grads, results

    short = run()
    with monkeypatch.context() as patch:
        patch.setattr(primitive, "SHORT_PATHS", False)
        general = run()
    assert short[0] == general[0]
    assert short[1] == general[1]
