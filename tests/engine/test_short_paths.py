"""The engine's short paths for small graphs against its general paths: the same values bit for
bit, the same grad_fn names, the same gradients, the same errors.

Every short path has a switch that forces the general one (``SHORT_PATHS`` in its module); each
program here runs once with the switches on and once with them all off, and the two runs must
be indistinguishable.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradrepl.torch as torch
from gradrepl.engine import autograd, factories
from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops import operators, primitive

SWITCHES = [kernels, autograd, operators, primitive, factories]  # every module with a SHORT_PATHS switch


def _observe(program):
    """What a user could see of one run: the printed tensors, their grad_fn chains, every
    value's and gradient's bits and dtype, or the error raised."""
    try:
        tensors = program()
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(error).__name__, str(error))
    seen = []
    for t in tensors:
        if t is None:
            seen.append(None)
            continue
        data = np.asarray(t._data)
        fn = t.grad_fn
        names = []
        while fn is not None:
            names.append(type(fn).__name__)
            nxt = [n for n, _ in fn.next_functions if n is not None]
            fn = nxt[0] if nxt else None
        # 0-d data may be a numpy scalar or a 0-d array (tensor.py): not something users see
        seen.append((repr(t), data.shape, data.dtype.str, data.tobytes(), names))
    return seen


def both_paths(monkeypatch, program):
    short = _observe(program)
    with monkeypatch.context() as patch:  # undone after each example
        for module in SWITCHES:
            patch.setattr(module, "SHORT_PATHS", False)
        general = _observe(program)
    assert short == general
    return short


_SPECIALS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1e-30, 3e38, 6e4, np.inf, -np.inf, np.nan]
_VALUES = st.one_of(st.sampled_from(_SPECIALS), st.floats(allow_nan=True, allow_infinity=True, width=32))
_EXPONENTS = st.one_of(st.sampled_from([4, 5, -3, 1.5, 2.5, -0.75, 7, 0.3, 1e10, -1e10, 2.0, 3, 0.5]),
                       st.floats(-50, 50, width=32), st.integers(-10, 10))
_DTYPES = st.sampled_from([torch.float32, torch.float64, torch.float16])
_FAST = settings(max_examples=120, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FAST
@given(value=_VALUES, exponent=_EXPONENTS, dtype=_DTYPES)
def test_a_power_of_a_0d_tensor(monkeypatch, value, exponent, dtype):
    def program():
        x = torch.tensor(value, dtype=dtype, requires_grad=True)
        y = x ** exponent
        z = (y * 2) ** exponent
        z.backward()
        return x, y, z, x.grad
    both_paths(monkeypatch, program)


def test_the_power_short_path_is_taken_and_matches_libm():
    # 2 ** 0.3 in double, rounded once to float32: what torch's scalar loop computes
    y = torch.tensor(2.0) ** 0.3
    assert y.item() == float(np.float32(2.0 ** 0.3))
    assert type(y._data) is np.float32  # a numpy scalar, as 0-d arithmetic gives


_OPS = ["add", "sub", "mul", "div", "pow", "rmul", "radd", "rsub", "rdiv"]


@st.composite
def _polynomials(draw):
    """A W1-like program: ops between a 0-d leaf, its results and Python numbers."""
    steps = draw(st.lists(st.tuples(st.sampled_from(_OPS), st.integers(0, 10),
                                    st.sampled_from([2, 3, 0.5, -1.5, 4, 1, 0])),
                          min_size=1, max_size=8))
    return draw(_VALUES), draw(_DTYPES), steps


def _apply(op, a, n):
    return {"add": lambda: a + n, "sub": lambda: a - n, "mul": lambda: a * n,
            "div": lambda: a / n, "pow": lambda: a ** n, "rmul": lambda: n * a,
            "radd": lambda: n + a, "rsub": lambda: n - a, "rdiv": lambda: n / a}[op]()


@_FAST
@given(case=_polynomials(), retain=st.booleans())
def test_a_small_graph_forward_and_backward(monkeypatch, case, retain):
    value, dtype, steps = case

    def program():
        x = torch.tensor(value, dtype=dtype, requires_grad=True)
        results = [x]
        for op, pick, number in steps:
            a = results[pick % len(results)]
            b = results[(pick * 7 + 3) % len(results)]
            results.append(_apply(op, a, number) + b)
        y = results[-1]
        y.backward(retain_graph=retain)
        if retain:
            y.backward()  # accumulates a second time into x.grad
        return [*results, x.grad]
    both_paths(monkeypatch, program)


@pytest.mark.parametrize("program", [
    lambda: torch.tensor(2.0).backward(),  # no grad_fn
    lambda: torch.tensor([1.0, 2.0], requires_grad=True).mul(2).backward(),  # not a scalar
    lambda: (lambda y: (y.backward(), y.backward()))(torch.tensor(2.0, requires_grad=True) * 3),
    lambda: torch.tensor(2.0, requires_grad=True).backward(),  # a leaf root
])
def test_backward_errors_and_leaf_roots(monkeypatch, program):
    def run():
        program()
        return []
    both_paths(monkeypatch, run)


_SHAPES = st.sampled_from([(), (1,), (3,), (2, 3), (2, 1), (1, 3), (4, 2, 3)])
_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "atan2", "hypot", "fmod"]


@_FAST
@given(op=st.sampled_from(_BINARY), shapes=st.tuples(_SHAPES, _SHAPES),
       dtypes=st.tuples(_DTYPES, _DTYPES), seed=st.integers(0, 2**16))
def test_broadcast_binary_ops_and_their_gradients(monkeypatch, op, shapes, dtypes, seed):
    """The generated backward_arrays (sum_to's test inlined) against the generated backward,
    with broadcasting and mixed dtypes, so reductions and casts back to each input happen."""
    def program():
        rng = np.random.default_rng(seed)  # the same values for both runs
        a = torch.tensor(rng.uniform(0.5, 2, shapes[0]), dtype=dtypes[0], requires_grad=True)
        b = torch.tensor(rng.uniform(0.5, 2, shapes[1]), dtype=dtypes[1], requires_grad=True)
        y = getattr(torch, op)(a, b)
        (y * y).sum().backward()
        return a, b, y, a.grad, b.grad
    both_paths(monkeypatch, program)
