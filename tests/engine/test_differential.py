"""Differential test against live torch: Hypothesis draws shapes, dtypes and values; every
observable (printed repr, values, dtype, grad_fn names and edges, gradients, errors) must agree.

Where torch's float math differs from numpy's in the last bit (exp via SLEEF, sums in another
order), values are compared within a few ulps; the printed repr is then compared only when the
values are identical, since a last-bit difference can legitimately move a printed digit.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as gtorch
from op_helper import A, Case, T, decode, differences, run_case

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

# GRADREPL_HYPOTHESIS_EXAMPLES=500 hunts longer, with fresh random draws
EXAMPLES = int(os.environ.get("GRADREPL_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES == 25,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FLOAT_DTYPES = ["float32", "float64"]
ALL_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


# sums in another order than torch's (cancellation near zero shows it), and a float64 result may
# come from float32 math (a float32 gradient summed, then cast back to a
# float64 input's dtype), where the order of summation shows at float32's precision
LOOSE = dict(rtol=2e-6, atol=1e-5)


def _relax(mine, theirs):
    """Drop printed reprs of tensors whose values are not bit-identical (see module docstring)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        if "values" in mine and "values" in theirs and "repr" in mine:
            a, b = decode(mine["values"]), decode(theirs["values"])
            if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                mine.pop("repr"), theirs.pop("repr", None)
        for key in set(mine) & set(theirs):
            _relax(mine[key], theirs[key])
    elif isinstance(mine, list) and isinstance(theirs, list):
        for a, b in zip(mine, theirs):
            _relax(a, b)


def check(case: Case) -> None:
    expected = run_case(torch, case)
    mine = run_case(gtorch, case)
    _relax(mine, expected)
    found = differences(mine, expected, where=case.id, tolerance=LOOSE)
    assert not found, "\n".join(found)


def values(shape, dtype):
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    if dtype in ("float32", "float64", "float16"):
        width = {"float16": 16, "float32": 32, "float64": 64}[dtype]
        # no -0.0: the sign of a zero gradient from BLAS (mm with one inner term) is the one
        # thing left that differs, and it is not worth a lesson
        return hnp.arrays(dtype, shape, elements=st.floats(-4, 4, width=width).map(lambda x: x + 0.0))
    info = np.iinfo(dtype)
    return hnp.arrays(dtype, shape, elements=st.integers(max(info.min, -20), min(info.max, 20)))


def tensor_input(array, grad=None):
    return A(array.shape, str(array.dtype), values=array, grad=grad)


# ---------------------------------------------------------------------------------------------

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "eq": lambda a, b: a == b, "lt": lambda a, b: a < b,
    "where": lambda a, b: T.where(a > b, a, b), "add_alpha": lambda a, b: T.add(a, b, alpha=2),
    "radd_scalar": lambda a, b: 1.5 + a * b, "rdiv_scalar": lambda a, b: 2 / (a * a + 1) + b,
}


@SETTINGS
@given(st.sampled_from(sorted(BINARY)), hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES), st.data())
def test_binary_ops(op, shapes, left, right, data):
    a = data.draw(values(shapes.input_shapes[0], left))
    b = data.draw(values(shapes.input_shapes[1], right))
    check(Case(f"binary_{op}", BINARY[op], [tensor_input(a), tensor_input(b)]))


UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu"]


@SETTINGS
@given(st.sampled_from(UNARY), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
       st.sampled_from(ALL_DTYPES), st.data())
def test_unary_ops(op, shape, dtype, data):
    array = data.draw(values(shape, dtype))
    if op in ("log", "sqrt") and dtype != "bool":
        array = np.abs(array) + array.dtype.type(1)
    check(Case(f"unary_{op}", lambda a: getattr(a, op)(), [tensor_input(array)]))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.sampled_from(["sum", "mean"]),
       st.booleans(), st.sampled_from(FLOAT_DTYPES + ["int32"]), st.data())
def test_reductions(shape, op, keepdim, dtype, data):
    array = data.draw(values(shape, dtype))
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=len(shape), unique=True))
    dim = None if not dims else (dims[0] if len(dims) == 1 else tuple(dims))
    fn = (lambda a: getattr(a, op)()) if dim is None else (lambda a: getattr(a, op)(dim, keepdim=keepdim))
    check(Case(f"reduce_{op}", fn, [tensor_input(array)]))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
def test_views(shape, data):
    array = data.draw(values(shape, "float32"))
    ndim = len(shape)
    perm = data.draw(st.permutations(range(ndim)))
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    start = data.draw(st.integers(0, ndim - 1))
    fns = [
        lambda a: a.permute(*perm).reshape(-1),
        lambda a: a.transpose(d0, d1).contiguous().view(-1),
        lambda a: a.flatten(start),
        lambda a: a.unsqueeze(d0 if d0 >= 0 else d0 - 1).squeeze(),
        lambda a: a.T * 2,
    ]
    fn = data.draw(st.sampled_from(fns))
    check(Case("views", fn, [tensor_input(array)]))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), st.data())
def test_indexing(shape, data):
    array = data.draw(values(shape, "float64"))
    items = []
    for size in shape[: data.draw(st.integers(1, len(shape)))]:
        kind = data.draw(st.sampled_from(["int", "slice", "none", "list"]))
        if kind == "int":
            items.append(data.draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = data.draw(st.none() | st.integers(-size - 1, size + 1))
            stop = data.draw(st.none() | st.integers(-size - 1, size + 1))
            step = data.draw(st.none() | st.integers(1, 3))
            items.append(slice(start, stop, step))
        elif kind == "none":
            items.append(None)
        else:
            items.append(data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3)))
    if sum(isinstance(i, list) for i in items) > 1:
        items = [i[0] if isinstance(i, list) else i for i in items]
    index = tuple(items)
    check(Case(f"index_{index!r}", lambda a: a[index] * 1, [tensor_input(array)]))


MATMUL_SHAPES = st.sampled_from([
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((4, 2, 3), (4, 3, 2)),
    ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2)), ((3,), (4, 3, 2)), ((4, 2, 3), (3,)),
    ((1, 4, 2, 3), (5, 1, 3, 2)), ((2, 3), (4, 3)), ((5, 2, 3), (4, 3, 2)),
])


@SETTINGS
@given(MATMUL_SHAPES, st.sampled_from(FLOAT_DTYPES), st.booleans(), st.booleans(), st.data())
def test_matmul(shapes, dtype, grad_a, grad_b, data):
    a = data.draw(values(shapes[0], dtype))
    b = data.draw(values(shapes[1], dtype))
    case = Case("matmul", lambda x, y: x @ y, [tensor_input(a, grad_a), tensor_input(b, grad_b)])
    expected = run_case(torch, case)
    mine = run_case(gtorch, case)
    _relax(mine, expected)
    found = differences(mine, expected, where="matmul", tolerance=LOOSE)
    assert not found, "\n".join(found)


@SETTINGS
@given(st.lists(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), min_size=1, max_size=3),
       st.sampled_from(["stack", "cat"]), st.integers(-2, 2), st.data())
def test_stack_and_cat(shapes, op, dim, data):
    arrays = [data.draw(values(shape, data.draw(st.sampled_from(FLOAT_DTYPES + ["int64"])))) for shape in shapes]
    check(Case(op, lambda *ts: getattr(T, op)(list(ts), dim), [tensor_input(a) for a in arrays]))


def _inplace(method):
    def fn(a, s):
        b = a.clone()
        getattr(b, method)(s)
        return b
    return fn


SCALAR_OPS = {
    "add": lambda a, s: a + s, "sub": lambda a, s: a - s, "mul": lambda a, s: a * s,
    "div": lambda a, s: a / s, "pow": lambda a, s: a ** s, "radd": lambda a, s: s + a,
    "rsub": lambda a, s: s - a, "rmul": lambda a, s: s * a, "rdiv": lambda a, s: s / a,
    "rpow": lambda a, s: s ** a, "eq": lambda a, s: a == s, "gt": lambda a, s: s > a,
    "iadd": _inplace("__iadd__"), "isub": _inplace("__isub__"), "imul": _inplace("__imul__"),
    "idiv": _inplace("__itruediv__"), "ipow": _inplace("__ipow__"),
}


@SETTINGS
@given(st.sampled_from(sorted(SCALAR_OPS)), hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       st.sampled_from(ALL_DTYPES),
       st.one_of(st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.0, 0.0]), st.booleans()), st.data())
def test_python_scalar_ops(op, shape, dtype, scalar, data):
    if op == "rpow" and isinstance(scalar, bool):
        return  # torch 2.13's backward of True ** x fails an internal assert (a torch bug)
    array = data.draw(values(shape, dtype))
    if op in ("pow", "ipow", "rpow") and dtype != "bool":
        array = np.abs(array) + array.dtype.type(1)  # no 0 ** negative or negative ** fraction
    check(Case(f"scalar_{op}", lambda a: SCALAR_OPS[op](a, scalar), [tensor_input(array)]))


numbers = st.one_of(st.integers(-6, 6), st.floats(-6, 6, allow_nan=False).map(lambda x: round(x, 2)))


@SETTINGS
@given(numbers, st.one_of(st.none(), numbers), st.one_of(st.none(), numbers.filter(lambda x: x != 0)),
       st.sampled_from([None, "float32", "float64", "int64", "int32"]))
def test_arange(start, end, step, dtype):
    def fn():
        kwargs = {} if dtype is None else {"dtype": getattr(T, dtype)}
        if end is None:
            return T.arange(start, **kwargs)
        if step is None:
            return T.arange(start, end, **kwargs)
        return T.arange(start, end, step, **kwargs)
    check(Case(f"arange({start}, {end}, {step}, {dtype})", fn, [], backward=False))


@SETTINGS
@given(numbers, numbers, st.integers(0, 40), st.sampled_from([None, "float32", "float64", "int64"]))
def test_linspace(start, end, steps, dtype):
    def fn():
        kwargs = {} if dtype is None else {"dtype": getattr(T, dtype)}
        return T.linspace(start, end, steps, **kwargs)
    check(Case(f"linspace({start}, {end}, {steps})", fn, []))


scalars = st.one_of(st.booleans(), st.integers(-300, 300), st.floats(-1e6, 1e6, allow_nan=False))
nested = st.recursive(scalars, lambda inner: st.lists(inner, min_size=1, max_size=3), max_leaves=8)


@SETTINGS
# uint8 is left out: torch range-checks ints in lists (tensor([256], dtype=uint8) fails) but wraps
# a lone int (tensor(-1, dtype=uint8) is 255); gradrepl wraps both (a known difference)
@given(nested, st.sampled_from([None, "float32", "float64", "int64", "bool"]))
def test_tensor_type_inference(data, dtype):
    assume(_rectangular(data))  # ragged data: torch's error depends on where it first looks
    def fn():
        kwargs = {} if dtype is None else {"dtype": getattr(T, dtype)}
        return T.tensor(data, **kwargs)
    check(Case("tensor", fn, [], backward=False))


def _rectangular(data) -> bool:
    return _shape_of(data) is not None


def _shape_of(data):
    """The nested list's shape, or None when it is ragged in length or depth."""
    if not isinstance(data, list):
        return ()
    shapes = {_shape_of(x) for x in data}
    if len(shapes) != 1 or None in shapes:
        return None
    return (len(data),) + shapes.pop()
