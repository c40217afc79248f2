"""The engine's short paths for small graphs against its general paths: the same values bit for
bit, the same grad_fn names, the same gradients, the same errors.

Every short path has a switch that forces the general one (``SHORT_PATHS`` in its module); each
program here runs once with the switches on and once with them all off, and the two runs must
be indistinguishable.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import gradrepl.torch as torch
from gradrepl.engine import autograd, factories
from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops import number_operands, operators, primitive, summation

# every module with a SHORT_PATHS switch
SWITCHES = [kernels, autograd, operators, primitive, factories, number_operands, summation]


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


_DAG_OPS = ["add", "mul", "sub", "unbind0", "unbind1", "split", "exp", "sum", "mul_scalar", "pow2"]


@st.composite
def _dags(draw):
    """A graph over 1-d tensors where results are reused (several consumers per node) and some
    come from several-output ops (unbind, split: edges with output numbers other than 0)."""
    steps = draw(st.lists(st.tuples(st.sampled_from(_DAG_OPS), st.integers(0, 20),
                                    st.integers(0, 20)), min_size=1, max_size=10))
    return draw(_DTYPES), steps, draw(st.integers(0, 2**16))


def _dag_step(op, a, b):
    if op in ("add", "mul", "sub"):
        return getattr(torch, op)(a, b)
    if op == "unbind0":
        return torch.stack(a.unbind(0)[::-1])  # every output used, in another order
    if op == "unbind1":
        first, *_ = a.unbind(0)
        return a * first  # one output of several used, broadcast back
    if op == "split":
        left, right = a.split(1)
        return torch.cat([right * left, left])
    return {"exp": lambda: (a * 0.25).exp(), "sum": lambda: a.sum() + b,
            "mul_scalar": lambda: a * 1.5, "pow2": lambda: a ** 2}[op]()


def _edges(t) -> list:
    """The whole graph under ``t`` as the user sees it: each node's name and its
    next_functions (names and output numbers), in a fixed walk order."""
    seen, out, stack = set(), [], [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        out.append((fn.name(), [(None if n is None else n.name(), nr) for n, nr in fn.next_functions]))
        stack.extend(n for n, _ in fn.next_functions)
    return out


@_FAST
@given(case=_dags())
def test_a_graph_with_shared_and_several_output_nodes(monkeypatch, case):
    """The plain walk (a heap of nodes as gradients reach them) against the general walk (every
    reachable node found and sorted first): the same order of summation, so the same bits, and
    the same next_functions (names and output numbers) before and after backward."""
    dtype, steps, seed = case
    structures = []

    def program():
        rng = np.random.default_rng(seed)
        x = torch.tensor(rng.uniform(0.5, 1.5, 2), dtype=dtype, requires_grad=True)
        results = [x]
        for op, i, j in steps:
            a, b = results[i % len(results)], results[j % len(results)]
            results.append(_dag_step(op, a, b))
        before = _edges(results[-1])
        results[-1].sum().backward()
        structures.append((before, _edges(results[-1])))
        return [*results, x.grad]
    short = both_paths(monkeypatch, program)
    assert short[-1] is not None  # x.grad was reached
    (before, after), general = structures
    assert before == after and (before, after) == general


# ---------------------------------------------------------------------------------------------
# The operators' short path (ops/operators.py), apply_binary's Python operator and
# torch.tensor(float) against the registered functions and the rows' own forwards

_ALL_DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32,
               torch.int16, torch.int8, torch.uint8, torch.bool]
_NUMBERS = st.one_of(
    st.sampled_from([0.5, 2.0, -0.0, 0.0, 3, 0, -1, 1, 300, -300, 2**40, 2**63, -2**63 - 1,
                     True, False, np.nan, np.inf, -np.inf, 1e300, 1e-300, 0.1, 3001, 65504.0]),
    st.floats(-1e3, 1e3), st.floats(), st.integers(-3000, 3000), st.integers(-2**70, 2**70))
_ELEMENTS = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.5, 2.0, 0.1, 3.0, 7.0, 250.0, -3e38,
                                       6e4, 1e-8, np.inf, -np.inf, np.nan]), st.floats(-1e3, 1e3))
_OPERATORS = {
    "x + n": lambda x, n: x + n, "n + x": lambda x, n: n + x, "x - n": lambda x, n: x - n,
    "n - x": lambda x, n: n - x, "x * n": lambda x, n: x * n, "n * x": lambda x, n: n * x,
    "x / n": lambda x, n: x / n, "n / x": lambda x, n: n / x, "x ** n": lambda x, n: x ** n,
    "-x": lambda x, n: -x, "x.mul(n)": lambda x, n: x.mul(n), "torch.add(x, n)":
    lambda x, n: torch.add(x, n), "x.div(n)": lambda x, n: x.div(n),
}


def _leaf(values, dtype, shape, seed=0):
    """A tensor of ``values`` (hypothesis' specials) interleaved with random ones (rounding)."""
    size = int(np.prod(shape))
    randoms = np.random.default_rng(seed).uniform(-4, 4, size)
    mixed = np.array([values[i // 2 % len(values)] if i % 2 else randoms[i] for i in range(size)])
    x = torch.tensor(mixed.reshape(shape).tolist()).to(dtype)
    return x.requires_grad_() if dtype.is_floating_point else x


def _differentiate(x, y):
    """Backward through y when it can have a gradient; the tensors a user could look at."""
    if y.requires_grad:
        (y.sum() if y.dim() else y).backward()
    return [x, y, x.grad if x.requires_grad else None]


@_FAST
@given(dtype=st.sampled_from(_ALL_DTYPES), shape=_SHAPES, values=st.lists(_ELEMENTS, min_size=1,
       max_size=6), number=_NUMBERS, op=st.sampled_from(sorted(_OPERATORS)),
       seed=st.integers(0, 2**16))
def test_operators_between_a_tensor_and_a_number(monkeypatch, dtype, shape, values, number, op,
                                                 seed):
    def program():
        x = _leaf(values, dtype, shape, seed)
        return _differentiate(x, _OPERATORS[op](x, number))
    both_paths(monkeypatch, program)


@_FAST
@given(dtype=_DTYPES, shape=_SHAPES, number=st.one_of(st.floats(-20, 20), st.integers(-5000, 5000)),
       op=st.sampled_from(["x * n", "n * x", "x / n", "n / x", "x + n", "n - x", "x.mul(n)",
                           "x.div(n)", "x ** n"]), seed=st.integers(0, 2**16))
def test_float_tensors_and_ordinary_numbers(monkeypatch, dtype, shape, number, op, seed):
    """The lessons' case, where rounding shows: float16 times a number is computed in float32."""
    if isinstance(number, float):  # hypothesis prefers round numbers, which round alike
        number += np.random.default_rng(seed).uniform(-1, 1)

    def program():
        x = _leaf([0.5], dtype, shape, seed)
        return _differentiate(x, _OPERATORS[op](x, number))
    both_paths(monkeypatch, program)


_TENSOR_OPERATORS = {"x + w": lambda x, w: x + w, "x - w": lambda x, w: x - w,
                     "x * w": lambda x, w: x * w, "x / w": lambda x, w: x / w,
                     "x ** w": lambda x, w: x ** w, "w * x": lambda x, w: w * x,
                     "torch.mul(x, w)": lambda x, w: torch.mul(x, w)}


@_FAST
@given(dtypes=st.one_of(st.sampled_from(_ALL_DTYPES).map(lambda d: (d, d)),
                        st.tuples(st.sampled_from(_ALL_DTYPES), st.sampled_from(_ALL_DTYPES))),
       shapes=st.tuples(_SHAPES, _SHAPES), values=st.lists(_ELEMENTS, min_size=2, max_size=8),
       op=st.sampled_from(sorted(_TENSOR_OPERATORS)), seed=st.integers(0, 2**16),
       wants=st.sampled_from([(True, True), (True, False), (False, True)]),
       after=st.sampled_from(["backward", "x changed in place", "w changed in place",
                              "through a chain", "twice"]))
def test_operators_between_two_tensors(monkeypatch, dtypes, shapes, values, op, seed, wants,
                                       after):
    """Same dtypes take the short path, mixed ones the general; broadcasting and its errors;
    either operand alone wanting a gradient (the edges, what is saved), a saved operand changed
    in place (torch's version check), an operand that is itself a result (an edge to a node,
    not an accumulator) and a second backward (the saved tensors freed)."""
    def program():
        x0 = _leaf(values, dtypes[0], shapes[0], seed)
        w0 = _leaf(values[::-1], dtypes[1], shapes[1], seed + 1)
        x0.requires_grad_(x0.requires_grad and wants[0])
        w0.requires_grad_(w0.requires_grad and wants[1])
        x, w = x0, w0
        if after == "through a chain":
            x, w = (x * 1 if x.requires_grad else x), (w * 1 if w.requires_grad else w)
        y = _TENSOR_OPERATORS[op](x, w)
        if after.endswith("changed in place"):
            with torch.no_grad():
                (x if after[0] == "x" else w).add_(1)
        for _ in range(2 if after == "twice" else 1):
            if y.requires_grad:
                (y.sum() if y.dim() else y).backward()
        return [x, w, y, *(t.grad if t.requires_grad else None for t in (x0, w0))]
    both_paths(monkeypatch, program)


@_FAST
@given(value=st.one_of(st.floats(), st.sampled_from([-0.0, 1e300, -1e300, 7e4, 1e-45, 3.4e38])),
       default=st.sampled_from([torch.float32, torch.float64, torch.float16]),
       requires_grad=st.sampled_from([False, True, 0, 1]))
def test_torch_tensor_of_a_float(monkeypatch, value, default, requires_grad):
    def program():
        previous = torch.get_default_dtype()
        torch.set_default_dtype(default)
        try:
            x = torch.tensor(value, requires_grad=requires_grad)
        finally:
            torch.set_default_dtype(previous)
        return [x, x * 2, torch.tensor(value, dtype=torch.float64, requires_grad=True)]
    both_paths(monkeypatch, program)


@settings(_FAST, max_examples=300)
@given(value=st.one_of(st.floats(), st.sampled_from(
    [-0.0, 3.4028234663852886e38, -3.4028234663852886e38, 3.4028235677973366e38, 1.401298464324817e-45,
     7.006492321624085e-46, 2.2250738585072014e-308, 5e-324, 0.1, 1 / 3])),
       kind=st.sampled_from([np.float32, np.float64]))
def test_a_float_made_a_numpy_scalar_by_a_product_with_one(value, kind):
    """The identity the float short paths rest on (dtypes.SCALAR_ONES: torch.tensor(2.0), a 0-d
    power's result): within float32's finite range, one of a type times a Python float is that
    type's constructor of it, bit for bit, -0.0 and subnormals included; outside it (and for
    NaN, whose payload the product may quieten) the constructor is called."""
    from gradrepl.engine import dtypes

    if -dtypes.FLOAT32_MAX <= value <= dtypes.FLOAT32_MAX:
        product = dtypes.SCALAR_ONES[kind] * value
        assert type(product) is kind and product.tobytes() == kind(value).tobytes()
    if kind is np.float32:
        x = torch.tensor(value, requires_grad=True)  # the short path, either way
        with np.errstate(over="ignore"):
            assert x._data.tobytes() == np.array(value, np.float32).tobytes()


def test_torch_tensor_of_a_float_honours_the_default_device(monkeypatch):
    def program():
        torch.set_default_device("meta")
        try:
            return [torch.tensor(2.0)]
        finally:
            torch.set_default_device(None)
    assert both_paths(monkeypatch, program)[0] == "error"


def test_the_operators_short_path_is_taken():
    # the recorded node is written by the same function either way; what the short path saves
    # is the registered function's calls, so check that it does not call them
    x = torch.tensor(2.0, requires_grad=True)
    calls = []
    original = operators.SHORT_PATHS
    try:
        for short in (True, False):
            operators.SHORT_PATHS = short
            primitive_apply = primitive.apply_binary
            primitive.apply_binary = lambda *args: calls.append(short) or primitive_apply(*args)
            try:
                from gradrepl.engine.ops import arithmetic_functions
                arithmetic_functions.apply_binary = primitive.apply_binary
                y = x * 0.5 + x
            finally:
                primitive.apply_binary = primitive_apply
                arithmetic_functions.apply_binary = primitive_apply
    finally:
        operators.SHORT_PATHS = original
    assert y.grad_fn.name() == "AddBackward0"
    assert calls == [False, False]  # only the general path went through apply_binary


def _closure(function) -> dict:
    return dict(zip(function.__code__.co_freevars, (c.cell_contents for c in function.__closure__)))


def test_each_operator_is_generated_with_its_rows_recording():
    # operators.binary / with_number / unary: each operator is generated for its row with the
    # recording in it (primitive.binary_recording, unary_application: the source the general
    # path's _record_binary and apply_unary are generated from, with the row's facts as
    # constants), as a code object of its own, so CPython specialises its node writes for one
    # node class; no two rows may share one
    from gradrepl.engine.ops import arithmetic as rows

    Tensor = torch.Tensor
    codes = {}
    for name, row, recording in [
            ("__mul__", rows.MUL, primitive.binary_recording),
            ("__add__", rows.ADD, primitive.binary_recording),
            ("__sub__", rows.SUB, primitive.binary_recording),
            ("__truediv__", rows.DIV, primitive.binary_recording),
            ("__pow__", rows.POW_SCALAR, primitive.unary_application),
            ("__rsub__", rows.RSUB_SCALAR, primitive.unary_application),
            ("__neg__", rows.NEG, primitive.unary_application)]:
        operator = getattr(Tensor, name)
        constants = _closure(operator)
        assert constants["prim"] is row and constants["node_class"] is row.node_class
        names = operator.__code__.co_names
        assert "_record_binary" not in names and "apply_unary" not in names
        # the recording's node writes are in the operator itself, from the row's own lines
        lines = recording(row, a="self", **(
            {"arguments": "()" if name == "__neg__" else "(other,)"}
            if recording is primitive.unary_application else
            {"b": "other", "mixed": False, "other_is_tensor": False, "a_requires": True,
             "switches": "_primitive."}))
        body = "\n".join(line.strip() for line in operator.source.splitlines())
        assert "\n".join(line.strip() for line in lines) in body
        codes[name] = operator.__code__
    assert len({id(code) for code in codes.values()}) == len(codes)
    assert Tensor.__mul__ is Tensor.__rmul__  # one operator for both sides
    # the general path's functions are generated from the same lines, nothing known
    assert "\n".join(primitive.binary_recording()) in "\n".join(
        line[4:] for line in primitive._record_binary.source.splitlines())
    assert "\n".join(primitive.unary_application()) in "\n".join(
        line[4:] for line in primitive.apply_unary.source.splitlines())

    # and what an operator records is what the general path records (torch.mul, torch.add,
    # torch.pow, torch.sub go through apply_binary's and apply_unary's recording)
    def program(short):
        x = torch.tensor(1.5, requires_grad=True)
        if short:
            y = -((x * 0.5 + x) ** 2 - x) / x
        else:
            y = torch.div(torch.neg(torch.sub(torch.pow(torch.add(torch.mul(x, 0.5), x), 2), x)), x)
        y.backward()
        fn, names = y.grad_fn, []
        while fn is not None:
            edges = fn.next_functions
            names.append((fn.name(), [(type(n).__name__, nr) for n, nr in edges]))
            fn = edges[0][0] if edges else None
        return repr(y), names, x.grad.numpy().tobytes()
    assert program(True) == program(False)


def test_a_generated_function_counts_as_gradreprls_own_code():
    # warn.warn_user and the shell's tracebacks (session/errors.py) skip frames in gradrepl's
    # directory: a generated operator's frame must be one of them, and its source is known
    import linecache
    import os

    from gradrepl.engine import warn

    x = torch.tensor(2.0, requires_grad=True)
    for function in (torch.Tensor.__mul__, torch.Tensor.__pow__, primitive._record_binary,
                     primitive.apply_unary, (x * x).grad_fn._primitive.step):
        filename = function.__code__.co_filename
        assert filename.startswith(warn._PACKAGE_DIR + os.sep)
        assert "".join(linecache.getlines(filename)).count(function.source.splitlines()[0])


_LEAF_POOLS = {
    "float": [0.5, -0.0, 1e300, -2.5e-8, np.nan, np.inf, 3.0, 0.1],
    "int": [0, 2, -7, 300, 2**40, -2**63, 2**63, -2**64],
    "bool": [True, False],
    "numpy": [np.float64(1.5), np.float32(2.5), np.int32(3), np.bool_(True), np.int64(-4)],
}


def _nested_list(seed):
    """Nested lists of a random shape whose leaves mix one to three kinds of number (so that
    [True, 2], all ints, floats among ints and numpy scalars each come up), rows sometimes
    tuples, and sometimes one row cut short (ragged). A seed, not hypothesis' own draws:
    hypothesis favours empty and single-kind lists, which hide the mixtures."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(sorted(_LEAF_POOLS), size=rng.integers(1, 4), replace=False)
    pool = [v for k in kinds for v in _LEAF_POOLS[k]]
    shape = [int(n) for n in rng.integers(0 if rng.random() < 0.1 else 1, 4, rng.integers(1, 4))]
    as_tuple = rng.random() < 0.3

    def build(dims):
        if len(dims) == 1:
            return [pool[rng.integers(len(pool))] for _ in range(dims[0])]
        rows = [build(dims[1:]) for _ in range(dims[0])]
        return [tuple(r) for r in rows] if as_tuple else rows
    data = build(shape)
    if len(shape) > 1 and data and data[-1] and rng.random() < 0.2:
        data[-1] = list(data[-1])[:-1]  # ragged
    return data


@settings(_FAST, max_examples=250)
@given(seed=st.integers(0, 2**32 - 1), default=st.sampled_from([torch.float32, torch.float64]),
       requires_grad=st.booleans())
def test_torch_tensor_of_nested_lists(monkeypatch, seed, default, requires_grad):
    """Python numbers, ragged rows, tuples, numpy scalars, out-of-range ints, empty lists."""
    data = _nested_list(seed)

    def program():
        previous = torch.get_default_dtype()
        torch.set_default_dtype(default)
        try:
            return [torch.tensor(data, requires_grad=requires_grad)]
        finally:
            torch.set_default_dtype(previous)
    both_paths(monkeypatch, program)


# ---------------------------------------------------------------------------------------------
# A W2-like chain on a small tensor made from a list: numbers as cached 0-d operands
# (number_operands.py) forward and in the formulas, pow's backward (x + x for 2 * x), mean's
# sum of fewer than one vector (summation._sum_tiny), its backward's filled gradient

_CHAIN_NUMBERS = st.one_of(st.sampled_from([2, 3, 0.5, -1.5, 0.1, 1e-3, 7, -2, 1e30, 2**53,
                                            2**60, 3.4e38, 1e300, 1e-45, -0.0, 0, np.nan]),
                           st.floats(-100, 100), st.integers(-1000, 1000))


@_FAST
@given(rows=st.integers(1, 3), cols=st.integers(1, 4), values=st.lists(_ELEMENTS, min_size=1,
       max_size=6), dtype=_DTYPES, a=_CHAIN_NUMBERS, b=_CHAIN_NUMBERS, c=_CHAIN_NUMBERS,
       exponent=st.sampled_from([2, 2.0, 3, 1, 0.5, -1, 4, 1.5, -2]),
       reduce=st.sampled_from(["mean", "sum", "mean(0)"]), seed=st.integers(0, 2**16))
def test_a_small_chain_from_a_list(monkeypatch, rows, cols, values, dtype, a, b, c, exponent,
                                   reduce, seed):
    rng = np.random.default_rng(seed)
    data = [[values[(i * cols + j) % len(values)] if rng.random() < 0.5
             else float(rng.uniform(-4, 4)) for j in range(cols)] for i in range(rows)]

    def program():
        x = torch.tensor(data, requires_grad=True) if dtype is torch.float32 else \
            torch.tensor(data, dtype=dtype, requires_grad=True)
        y = a * x + b
        z = c * y ** exponent / a
        out = {"mean": z.mean, "sum": z.sum, "mean(0)": lambda: z.mean(0).sum()}[reduce]()
        out.backward()
        return [x, y, z, out, x.grad]
    both_paths(monkeypatch, program)


@pytest.mark.parametrize("number", [3, 3.0, 0.1, -7, 2**53, 1e30])
def test_a_number_operand_is_kept_read_only_and_never_returned(number):
    x = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    for _ in range(2):  # the second time from the cache
        y = x * number + number
        operand = number_operands.operand(number, x._data.dtype)
        assert y._data is not operand and y._data.flags.writeable
        assert isinstance(operand, np.ndarray) and not operand.flags.writeable
        y.sum().backward()
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"


def test_zeros_nan_and_huge_numbers_are_not_kept():
    f32 = np.dtype(np.float32)
    for number in (0, 0.0, -0.0, np.nan, np.inf, 1e39, 2**53 + 1, -2**60):
        assert number_operands.operand(number, f32) is number
    assert number_operands.operand(3, np.dtype(np.int64)) == 3

# A binary node that saves no input keeps none (primitive._reads_only_saved); the
# general path keeps every input

_KEPT_OPS = ["add", "sub", "mul", "div", "pow", "maximum", "atan2", "hypot", "fmod", "x * 0.5",
             "x + 2", "3 - x", "x / 4"]
_AFTER = ["backward", "retain twice", "twice", "create_graph", "b changed in place",
          "a view changed in place", "grad of a view's base"]


def _kept_op(op, a, b):
    if op == "x * 0.5":
        return a * 0.5
    if op == "x + 2":
        return a + 2
    if op == "3 - x":
        return 3 - a
    if op == "x / 4":
        return a / 4
    return getattr(torch, op)(a, b)


@_FAST
@given(ops=st.lists(st.sampled_from(_KEPT_OPS), min_size=1, max_size=4),
       shapes=st.tuples(_SHAPES, _SHAPES), dtypes=st.tuples(_DTYPES, _DTYPES),
       wants=st.sampled_from([(True, True), (True, False), (False, True)]),
       after=st.sampled_from(_AFTER), seed=st.integers(0, 2**16))
def test_inputs_a_node_does_not_keep(monkeypatch, ops, shapes, dtypes, wants, after, seed):
    """Chains of binary ops whose nodes drop the input tensors they do not save, against nodes
    that keep every input: the same values, gradients, grad_fn names and errors, through a
    second backward (retained or not), create_graph's double backward (the formulas on tensors
    read a dropped input's shape from its array), an in-place change of an operand (torch's
    version check sees only what is saved) and an in-place change of a view (CopySlices wraps
    the node)."""
    def program():
        rng = np.random.default_rng(seed)  # the same values for both runs
        a = torch.tensor(rng.uniform(0.5, 2, shapes[0]), dtype=dtypes[0], requires_grad=wants[0])
        b = torch.tensor(rng.uniform(0.5, 2, shapes[1]), dtype=dtypes[1], requires_grad=wants[1])
        y = a * 1.0 if wants[0] else a
        for op in ops:
            y = _kept_op(op, y, b)
        if after == "b changed in place":
            with torch.no_grad():
                b.add_(1)
        if after in ("a view changed in place", "grad of a view's base"):
            y = y * 1.0
            view = y.view(-1)[:1]
            view.mul_(b.reshape(-1)[:1].to(view.dtype))
        if after in ("create_graph", "grad of a view's base"):
            leaves = [t for t in (a, b) if t.requires_grad]
            grads = torch.autograd.grad(y.sum(), leaves, create_graph=True)
            total = sum(g.float().sum() for g in grads)
            second = torch.autograd.grad(total, leaves, allow_unused=True)
            return [a, b, y, *grads, *second]
        y.sum().backward(retain_graph=after == "retain twice")
        if after in ("retain twice", "twice"):
            y.sum().backward()
        return [a, b, y, a.grad, b.grad]
    both_paths(monkeypatch, program)


def test_a_chain_lets_go_of_its_intermediate_results():
    """``y = y * 0.5; y = y + x``: neither node saves a tensor, so the tensors in between die
    when the user lets go of them (as in torch), and backward still works."""
    import weakref

    x = torch.tensor(0.75, requires_grad=True)
    y = x * 0.5
    first = weakref.ref(y)
    y = y + x
    assert first() is None
    assert y.grad_fn._inputs == (None, None) and y.grad_fn._next[0]._inputs == (None, None)
    y.backward()
    assert x.grad.item() == 1.5


# -- the walk's accumulator into a 0-d leaf, and backward()'s own set-up (branch l-walk)

_LEAF_DTYPES = st.sampled_from([torch.float32, torch.float64, torch.float16])


@_FAST
@given(value=_VALUES, dtype=_LEAF_DTYPES, shape=st.sampled_from([(), (1,), (2,)]),
       before=st.sampled_from([None, "backward", "assigned", "assigned64"]),
       hook=st.sampled_from([None, "tensor", "post", "post_empty", "node"]),
       formula=st.sampled_from(["mul", "pow", "sum", "twice", "leaf_op"]), retain=st.booleans())
def test_a_leafs_gradient_accumulated_by_the_walk(monkeypatch, value, dtype, shape, before, hook,
                                                  formula, retain):
    """The plain walk writes a 0-d float leaf's first gradient itself (sinks.accumulate inlined):
    the same .grad bits, dtype and identity as the general pass, with an existing .grad, hooks,
    retain_graph and a second backward."""
    def program():
        x = torch.tensor(value if not shape else [value] * shape[0], dtype=dtype, requires_grad=True)
        seen = []
        if before == "backward":
            (x * 3).sum().backward()
        elif before == "assigned":
            x.grad = torch.full(shape, 0.25, dtype=dtype)
        elif before == "assigned64" and dtype is torch.float64:
            x.grad = torch.full(shape, 1e-300, dtype=dtype)
        first = x.grad
        if hook == "tensor":
            x.register_hook(lambda g: g * 2)
        elif hook == "post":
            x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        elif hook == "post_empty":
            x.register_post_accumulate_grad_hook(lambda t: None).remove()
        y = {"mul": lambda: x * 1.5, "pow": lambda: x ** 3, "sum": lambda: x + x * 0.5,
             "twice": lambda: x * x, "leaf_op": lambda: -x}[formula]()
        y = y.sum() if shape else y
        if hook == "node":
            y.grad_fn.register_hook(lambda grads, outs: None)
        y.backward(retain_graph=retain) if retain else y.backward()
        after_first = x.grad
        if retain:
            y.backward()
        return [x, y, x.grad, *seen, torch.tensor(first is not None and x.grad is first),
                torch.tensor(after_first is x.grad)]
    both_paths(monkeypatch, program)


def test_the_walk_accumulates_a_0d_leaf_itself(monkeypatch):
    """The short path is taken: a plain backward into a leaf with no .grad calls no
    sinks.accumulate (nor, for a 0-d float32/float64 leaf, sinks._owned); a leaf with a .grad,
    one with a post-accumulate hook, and the general pass do."""
    calls = []
    original = autograd.accumulate
    monkeypatch.setattr(autograd, "accumulate", lambda *a: (calls.append(1), original(*a))[1])

    def run(dtype=torch.float32, shape=(), grad=False, short=True):
        calls.clear()
        x = torch.full(shape, 2.0, dtype=dtype, requires_grad=True)
        if grad:
            x.grad = torch.zeros(shape, dtype=dtype)
        with monkeypatch.context() as patch:
            if not short:
                patch.setattr(autograd, "SHORT_PATHS", False)
            (x * 3).sum().backward() if shape else (x * 3).backward()
        assert x.grad.sum().item() == 3.0 * max(1, sum(shape))
        return len(calls)

    owned = []
    original_owned = autograd._owned
    monkeypatch.setattr(autograd, "_owned", lambda *a: (owned.append(1), original_owned(*a))[1])
    assert run(torch.float32) == 0 and run(torch.float64) == 0 and not owned
    assert run(torch.float16) == 0 and run(shape=(2,)) == 0 and len(owned) == 2
    assert run(grad=True) == 1 and run(short=False) == 1

    def hooked():
        calls.clear()
        x = torch.tensor(2.0, requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: None)
        (x * 3).backward()
        return len(calls)
    assert hooked() == 1


def test_backward_roots_pass_is_a_plain_pass():
    """backward_root makes its pass without _Pass's __init__: the same attributes, in the same
    order (so its dict shares the class's keys), as _Pass(False, False) and its roots."""
    states = []
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grads: states.append(autograd.current_pass()))
    y.backward()
    expected = autograd._Pass(False, False)
    expected.roots = (y.grad_fn,)
    (state,) = states
    assert list(vars(state)) == list(vars(expected))
    assert state.create_graph is False and state.retain_graph is False
    assert state.borrowed == set() and state.roots == (y.grad_fn,)
    assert state.accumulate and state.needed is None and not state.captures


def _graph_nodes(*tensors):
    seen, stack = set(), [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(node._next)


_MIXED = [torch.float16, torch.float32, torch.float64]


@_FAST
@given(dtypes=st.tuples(st.sampled_from(_MIXED), st.sampled_from(_MIXED)),
       op=st.sampled_from(["mul", "add", "div", "sub", "pow", "atan2", "inplace_view", "number"]),
       shape=st.sampled_from([(), (3,), (2, 3)]), seed=st.integers(0, 2**16))
def test_a_node_of_mixed_dtypes_takes_the_full_path(monkeypatch, dtypes, op, shape, seed):
    """The plain walk leaves gradients' casts back to their inputs' dtypes to _node_grads: every
    node recorded with _mixed is _special (recording sets both), and the gradients match the
    general pass's, bits and dtypes."""
    def program():
        rng = np.random.default_rng(seed)
        a = torch.tensor(rng.uniform(0.5, 2, shape), dtype=dtypes[0], requires_grad=True)
        b = torch.tensor(rng.uniform(0.5, 2, shape), dtype=dtypes[1], requires_grad=True)
        if op == "inplace_view":
            base = (a * 1).clone() if shape else (a * 1).reshape(1).clone()
            base[:1].mul_(b[:1] if shape else b.reshape(1))
            y = base
        elif op == "number":
            y = (a.half() if dtypes[1] is torch.float16 else a.double()) * 3
        else:
            y = {"mul": torch.mul, "add": torch.add, "div": torch.div, "sub": torch.sub,
                 "pow": torch.pow, "atan2": torch.atan2}[op](a, b)
        nodes = list(_graph_nodes(y))
        assert all(n._special for n in nodes if n._mixed)
        (y.sum() * 1.5).backward()
        return [y, a.grad, b.grad]
    both_paths(monkeypatch, program)


# -- the walk's per-row step (derivatives._compile_step, branch m-w1)

# ops over a (requires grad), b (requires grad or not) and c = a.unbind(0)'s outputs: one and
# two inputs, a number operand, three inputs (addcmul, lerp, where), saved outputs (exp, tanh,
# sigmoid), a whole-op backward (softmax, matmul's mv), reductions, and a node whose edge goes to
# output 1 of a several-output node (the walk reads that edge's output number)
_STEP_OPS = {
    "mul": lambda a, b: a * b, "add": lambda a, b: a + b, "sub_number": lambda a, b: 2.5 - a,
    "div": lambda a, b: a / (b.abs() + 1), "pow_number": lambda a, b: a ** 3,
    "pow_tensor": lambda a, b: a.abs() ** b, "exp": lambda a, b: (a * 0.5).exp(),
    "tanh": lambda a, b: a.tanh() * b, "sigmoid": lambda a, b: torch.sigmoid(a + b),
    "addcmul": lambda a, b: torch.addcmul(a, a, b, value=0.5),
    "lerp": lambda a, b: torch.lerp(a, b, 0.25), "where": lambda a, b: torch.where(a > 0, a, b),
    "softmax": lambda a, b: torch.softmax(a, 0) * b, "sum": lambda a, b: (a * b).sum() + a,
    "mean": lambda a, b: a.mean() * b, "unbind_second": lambda a, b: a.unbind(0)[1] * a,
    "clamp": lambda a, b: a.clamp(-0.5, 0.5) + b, "neg": lambda a, b: -a,
    "cat": lambda a, b: torch.cat([a, b])[:a.shape[0]] * 2,
    # a number on either side: the step leaves out the edge to None (o-w1)
    "mul_number": lambda a, b: a * 1.5, "number_mul": lambda a, b: 3 * a,
    "add_number": lambda a, b: a + 2, "number_add_b": lambda a, b: 0.5 + b * a,
}


@_FAST
@given(ops=st.lists(st.sampled_from(sorted(_STEP_OPS)), min_size=1, max_size=4),
       dtype=st.sampled_from([torch.float32, torch.float64]), b_grad=st.booleans(),
       after=st.sampled_from([None, "retain", "twice", "modified", "hook"]),
       n=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_each_rows_walk_step_against_the_general_walk(monkeypatch, ops, dtype, b_grad, after, n,
                                                      seed):
    """The plain walk runs each node through its row's generated step (the saved state's checks,
    the backward, the release, the edges); the general walk through _node_grads. The same
    values, bits, grad_fn names and gradients, and the same errors (a second backward without
    retain_graph, a saved tensor changed in place), over rows of one to three inputs, saved
    outputs, whole-op backwards, and an edge to a several-output node's second output."""
    def program():
        rng = np.random.default_rng(seed)
        a = torch.tensor(rng.uniform(-2, 2, n), dtype=dtype, requires_grad=True)
        b = torch.tensor(rng.uniform(-2, 2, n), dtype=dtype, requires_grad=b_grad)
        y = a
        for op in ops:
            if op == "unbind_second" and y.shape[0] < 2:
                op = "mul"
            y = _STEP_OPS[op](y, b)
        loss = y.sum()
        if after == "hook":
            loss.grad_fn.register_hook(lambda grads, outs: None)
        if after == "modified":
            with torch.no_grad():
                a.mul_(2)
        loss.backward(retain_graph=after == "retain")
        if after in ("retain", "twice"):
            loss.backward()
        return [a, b, y, a.grad, b.grad]
    both_paths(monkeypatch, program)


def test_the_walk_runs_a_plain_node_through_its_rows_step(monkeypatch):
    """A plain node's backward runs in its row's step, generated with the row's facts: a row
    saving nothing reads no _versions, a row reading no output no _out; and the step hands the
    walk one (node, gradient, position) edge per input that has an edge (an input without
    one, a number or a tensor wanting no gradient, is left out: the walk skips it anyway)."""
    x = torch.tensor(2.0, requires_grad=True)
    z = x * 3 + x
    add_step = z.grad_fn._primitive.step
    assert "_versions" not in add_step.source and "_out" not in add_step.source
    assert "node._versions" in (x ** 2).grad_fn._primitive.step.source
    assert "node._out" in (x * 0.5).exp().grad_fn._primitive.step.source
    one = np.float32(1)
    edges = list(add_step(z.grad_fn, one, False))
    assert edges == [(z.grad_fn._next[0], one, 0), (z.grad_fn._next[1], one, 1)]
    by_number = x * 3  # MulBackward0's edges: (accumulator, None)
    assert by_number.grad_fn._next[1] is None
    assert list(by_number.grad_fn._step(by_number.grad_fn, one, False)) == [
        (by_number.grad_fn._next[0], np.float32(3), 0)]
    c = torch.tensor(4.0)  # wants no gradient: an edge to None first
    first_none = c * x
    assert first_none.grad_fn._next[0] is None
    assert list(first_none.grad_fn._step(first_none.grad_fn, one, False)) == [
        (first_none.grad_fn._next[1], np.float32(4), 1)]
    w = x * x  # saves both inputs: a retaining pass keeps them, another releases them
    mul_step = w.grad_fn._primitive.step
    assert [g for _, g, _ in mul_step(w.grad_fn, one, False)] == [np.float32(2)] * 2
    assert w.grad_fn._arrays is not None
    list(mul_step(w.grad_fn, one, True))
    assert w.grad_fn._arrays is None and w.grad_fn._inputs == ()
    # the recording hands a plain node its row's step; a hook (or mixed dtypes, several
    # outputs) takes it away, so that the walk runs that node through _node_grads
    assert z.grad_fn._step is add_step and not z.grad_fn._special
    hooked = x * 3
    hooked.grad_fn.register_hook(lambda grads_in, grads_out: None)
    assert hooked.grad_fn._step is None and hooked.grad_fn._special
    v = torch.tensor([1.0, 2.0], requires_grad=True)
    several = v.unbind()[0].grad_fn  # several outputs: no step, and a marked creation number
    assert several._step is None and several._multi and type(several._sequence_nr) is not int
    assert not z.grad_fn._multi and type(z.grad_fn._sequence_nr) is int
    assert (v * torch.tensor([1.0, 2.0], dtype=torch.float64)).grad_fn._step is None  # mixed
    total = (v * 2).sum()
    assert total.grad_fn._step is total.grad_fn._primitive.step  # the general recording's
    calls = []
    for prim in (z.grad_fn._primitive, (z ** 2).grad_fn._primitive):
        monkeypatch.setattr(prim, "step", lambda *a, _f=prim.step: (calls.append(a[0]), _f(*a))[1])
    z = x * 3 + x  # recorded after the patch: its nodes hold the patched steps
    y = z ** 2
    y.backward()
    assert calls == [y.grad_fn, z.grad_fn] and x.grad.item() == 64.0


# -- o-w1: mul's and pow's derivatives inlined into the steps, the accumulator made without
# __init__

_GRADS = st.one_of(
    st.builds(lambda v, t: t(v), st.floats(width=16), st.sampled_from([np.float32, np.float64,
                                                                          np.float16])),
    st.builds(lambda v, t, n: np.full(n, v, t), st.floats(width=16),
              st.sampled_from([np.float32, np.float64, np.float16]), st.integers(0, 3)))
_OTHERS = st.one_of(st.integers(-2**60, 2**60), st.floats(), st.sampled_from([0, -0.0, 3, 1.5]),
                    st.builds(np.float32, st.floats(width=32)), _GRADS)


@_FAST
@example(grad=np.full(2, 1.5, np.float32), other=3, kept=True)  # p-w2: a kept conversion
@example(grad=np.full(3, -0.1, np.float64), other=1.5, kept=True)
@example(grad=np.full(2, 0.1, np.float16), other=3, kept=True)  # none kept for float16
@example(grad=np.full(2, 1.5, np.float32), other=2**60 + 1, kept=True)  # none kept: too wide
@given(grad=_GRADS, other=_OTHERS, kept=st.booleans())
def test_muls_inline_derivative_is_the_function(monkeypatch, grad, other, kept):
    """The steps compute mul's derivative by ``_grad_times_other.inline`` where they would call
    it: the same value, bits, type and dtype (and the same warnings' absence of errors) for numpy
    scalars and arrays of every float dtype against ints, floats and arrays, with the number's
    conversion kept or not."""
    from gradrepl.engine.ops import arithmetic

    function = arithmetic._grad_times_other
    source = function.inline.format(call="d_self(grad, other)", other="other")
    namespace = {"_ndarray": np.ndarray, "_INT_FLOAT": (int, float), "d_self": function,
                 **function.inline_names}
    if not kept:
        monkeypatch.setattr(number_operands, "SHORT_PATHS", False)
    elif type(grad) is np.ndarray and type(other) in (int, float):
        # p-w2: the inline form multiplies by a kept conversion itself; admit the number (when
        # number_operands keeps it at all) so that both its hit and its miss are compared
        number_operands.operand(other, grad.dtype)
    with np.errstate(all="ignore"):
        try:
            expected = function(grad, other)
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            expected = error
        try:
            inlined = eval(source, namespace, {"grad": grad, "other": other})
        except Exception as error:  # noqa: BLE001
            inlined = error
    if isinstance(expected, Exception):
        assert type(inlined) is type(expected) and str(inlined) == str(expected)
        return
    assert type(inlined) is type(expected)
    assert np.asarray(inlined).dtype == np.asarray(expected).dtype
    assert np.asarray(inlined).tobytes() == np.asarray(expected).tobytes()
    assert "d_self(grad, other_c)" in arithmetic.MUL.step.source  # the call is still there


@_FAST
@given(grad=_GRADS, data=_GRADS, exponent=st.sampled_from([2, 2.0, 3, 0, 1, True, -1.5, 0.5, 4]),
       short=st.booleans())
def test_pows_inline_derivative_is_the_function(monkeypatch, grad, data, exponent, short):
    """The steps compute ``x ** 2``'s gradient by ``_pow_scalar_grad.inline`` where they would
    call it: the same value, bits, type and dtype, or error, for float16/32/64 numpy scalars and
    arrays and exponents that are 2 and are not, with pow's short paths on or off."""
    from gradrepl.engine.ops import arithmetic
    from gradrepl.engine.ops.backends import arrays

    function = arithmetic._pow_scalar_grad
    source = function.inline.format(call="d_self(F, grad, self, exponent)", self="self",
                                    exponent="exponent")
    namespace = {"_ndarray": np.ndarray, "_INT_FLOAT": (int, float), "d_self": function,
                 "F": arrays, **function.inline_names}
    if not short:
        monkeypatch.setattr(kernels, "SHORT_PATHS", False)
    results = []
    with np.errstate(all="ignore"):
        for run in (lambda: function(arrays, grad, data, exponent),
                    lambda: eval(source, namespace, {"grad": grad, "self": data,
                                                     "exponent": exponent})):
            try:
                results.append(run())
            except Exception as error:  # noqa: BLE001 - the error is what is compared
                results.append(error)
    expected, inlined = results
    if isinstance(expected, Exception):
        assert type(inlined) is type(expected) and str(inlined) == str(expected)
        return
    assert type(inlined) is type(expected)
    assert np.asarray(inlined).dtype == np.asarray(expected).dtype
    assert np.asarray(inlined).tobytes() == np.asarray(expected).tobytes()


def test_a_leafs_accumulator_is_made_as_its_init_makes_it():
    """accumulator_for makes an AccumulateGrad without calling __init__: the same type, the same
    attributes in the same order (its dict keeps sharing the class's keys), a fresh creation
    number, and the leaf's weak reference to it."""
    from gradrepl.engine.graph import AccumulateGrad, accumulator_for

    x = torch.tensor(2.0, requires_grad=True)
    node = accumulator_for(x)
    reference = AccumulateGrad(x)
    assert type(node) is AccumulateGrad
    assert list(vars(node)) == list(vars(reference))
    assert node.variable is x and node._sequence_nr < reference._sequence_nr
    assert type(node._sequence_nr) is int and node._step is None
    assert accumulator_for(x) is node and x._accumulator() is node
    y = x * 3
    assert y.grad_fn.next_functions == ((node, 0), (None, 0))


# -- p-w2: mean's gradient filled in by its own formula, numpy-name wrappers' plain calls

@_FAST
@given(grad=_GRADS, shape=st.lists(st.integers(0, 3), max_size=3).map(tuple))
def test_means_gradient_fills_in_what_the_general_formula_divides(grad, shape):
    """``reductions._mean_grad`` fills ``grad / count`` in for a numpy-scalar (or 0-d) float
    gradient beside a shaped input, where ``backends.arrays.mean_backward`` divides the expand:
    the same type, dtype, shape, bits, a fresh writeable C-contiguous array (the leaf's .grad
    may be it), and the same errors."""
    from math import prod

    from gradrepl.engine.ops import reductions
    from gradrepl.engine.ops.backends import arrays

    if type(grad) is np.ndarray and grad.ndim:
        # a 0-d array: the other gradient mean meets
        grad = np.array(grad.reshape(-1)[0] if grad.size else 0.5, grad.dtype)
    with np.errstate(all="ignore"):
        outcomes = []
        for compute in (lambda: reductions._mean_grad(arrays, grad, shape),
                        lambda: arrays.mean_backward(grad, shape, max(prod(shape), 1))):
            try:
                outcomes.append(compute())
            except Exception as error:  # noqa: BLE001 - the error is what is compared
                outcomes.append(error)
    got, want = outcomes
    if isinstance(want, Exception):
        assert type(got) is type(want) and str(got) == str(want)
        return
    assert type(got) is type(want) and np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes()
    if type(want) is np.ndarray:
        assert got.flags.c_contiguous and got.flags.writeable and got.base is None


def test_a_means_backward_takes_its_gradients_short_path():
    """A lesson's ``loss.mean()`` of a 2x3 float32 tensor: the step's call of ``_mean_grad``
    gives the leaf the gradient the general formula gives (bits and layout)."""
    from gradrepl.engine.ops import reductions

    x = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    (x * 3).mean().backward()
    assert "d_self(F, grad" in reductions.MEAN.step.source
    want = np.full((2, 3), np.float32(3) / 6, np.float32)
    assert x.grad.numpy().tobytes() == want.tobytes() and x.grad.is_contiguous()


_NO_ARG = object()


@settings(max_examples=80, deadline=None, derandomize=True)
@example(positional=[1], keywords={}, with_tensor=True, name="sum")
@example(positional=[0, True], keywords={}, with_tensor=True, name="amax")
@example(positional=[], keywords={}, with_tensor=False, name="mean")
@example(positional=[], keywords={"axis": 1}, with_tensor=True, name="sum")
@example(positional=[1], keywords={"axis": 1}, with_tensor=True, name="mean")
@given(positional=st.lists(st.sampled_from([0, 1, -1, True, None, "x", (0, 1)]), max_size=3),
       keywords=st.dictionaries(st.sampled_from(["dim", "keepdim", "axis", "keepdims", "dtype",
                                                 "input", "out", "bogus"]),
                                st.sampled_from([0, 1, True, None]), max_size=3),
       with_tensor=st.booleans(), name=st.sampled_from(["sum", "mean", "amax", "std"]))
def test_numpy_name_wrappers_pass_calls_on_as_written(positional, keywords, with_tensor, name):
    """``registry.with_numpy_names``' wrapper passes one or two positional arguments on in a
    plain call (p-w2) and anything else as before: against a wrapper that forwards ``*args,
    **kwargs`` (the general one), the same result or the same error, for the function and the
    method, with and without a tensor in front."""
    import functools

    from gradrepl.engine.ops import registry

    x = torch.tensor([[1.0, 2, 3], [3, 2, 1]])
    function = next(f for f, wrapped in registry._WITH_NUMPY_NAMES.items()
                    if wrapped is getattr(torch, name))
    aliases = {a: n for a, n in registry.NUMPY_NAMES.items()}

    def general(*args, **kwargs):
        if not kwargs or kwargs.keys().isdisjoint(aliases):
            try:
                return function(*args, **kwargs)
            except AttributeError:  # no tensor in front: torch's parser's words (s-learner)
                registry.refuse_non_tensor(function.__name__, *args, **kwargs)
                raise
        return getattr(torch, name)(*args, **kwargs)  # the alias path is the same code

    args = ([x] if with_tensor else []) + positional
    outcomes = []
    for call in (getattr(torch, name), functools.wraps(function)(general)):
        try:
            result = call(*args, **keywords)
            outcomes.append(("ok", repr(result)))
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            outcomes.append((type(error).__name__, str(error)))
    assert outcomes[0] == outcomes[1]
