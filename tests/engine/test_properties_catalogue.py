"""Hypothesis properties for issue 7's catalogue: float64 gradients (first and second order)
against central differences, broadcasting of the two-tensor ops, and result dtypes against live
torch. Shares test_properties.py's gradient checker."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as T
from test_properties import SETTINGS, _distinct, arrays_of, away_from, check_gradients


def _inside(limit):
    """Values squeezed into (-limit, limit): the domain of asin, atanh, erfinv."""
    return lambda a: a * (limit / 2.0)


def _not_integer(a):
    return np.floor(a) + 0.25 + (a - np.floor(a)) * 0.5


UNARY = {
    "tan": (lambda a: a.tan(), _inside(1.2)), "asin": (lambda a: a.asin(), _inside(0.9)),
    "acos": (lambda a: T.acos(a), _inside(0.9)), "atan": (lambda a: a.atan(), None),
    "sinh": (lambda a: a.sinh(), None), "cosh": (lambda a: T.cosh(a), None),
    "asinh": (lambda a: a.asinh(), None), "acosh": (lambda a: a.acosh(), lambda a: np.abs(a) + 1.2),
    "atanh": (lambda a: a.atanh(), _inside(0.9)), "erf": (lambda a: a.erf(), None),
    "erfc": (lambda a: T.erfc(a), None), "erfinv": (lambda a: a.erfinv(), _inside(0.9)),
    "frac": (lambda a: a.frac() * a, _not_integer),
    "logit": (lambda a: a.logit(), lambda a: 0.5 + a * 0.22),
    "logit_eps": (lambda a: T.logit(a, 0.1), lambda a: away_from(0.9)(away_from(0.1)(0.5 + a * 0.3))),
    "nan_to_num": (lambda a: (a / 0.5).nan_to_num() * a, None),
    "xlogy_number": (lambda a: T.xlogy(a, 3.0) + T.xlogy(2.0, a), lambda a: np.abs(a) + 0.5),
    "fmod_number": (lambda a: T.fmod(a, 0.7) * a, lambda a: np.round(a / 0.7) * 0.7 + 0.3),
    "amax": (lambda a: a.amax(1), _distinct), "amin_all": (lambda a: T.amin(a), _distinct),
    "aminmax": (lambda a: (lambda r: r.min * 2 + r.max)(a.aminmax(dim=0)), _distinct),
    "logsumexp": (lambda a: a.logsumexp(1), None), "logsumexp_all": (lambda a: a.logsumexp((0, 1)), None),
    "cummax": (lambda a: a.cummax(1).values, _distinct),
    "cummin": (lambda a: T.cummin(a, 0).values, _distinct),
    "nansum": (lambda a: T.nansum(a, 0), None), "nanmean": (lambda a: a.nanmean(1), None),
    "var_mean": (lambda a: (lambda v, m: v * 2 + m)(*T.var_mean(a, 1)), None),
    "std_mean": (lambda a: (lambda s, m: s + m * 3)(*T.std_mean(a, 0)), _distinct),
    "sort": (lambda a: a.sort(1, descending=True).values * T.arange(3.0), _distinct),
    "topk": (lambda a: a.topk(2).values, _distinct),
    "kthvalue": (lambda a: a.kthvalue(2, 1).values, _distinct),
    "median": (lambda a: a.median(), _distinct), "median_dim": (lambda a: a.median(1).values, _distinct),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(values=arrays_of((2, 3)))
def test_catalogue_gradients_match_central_differences(name, values):
    fn, domain = UNARY[name]
    check_gradients(fn, [domain(values) if domain else values])


@SETTINGS
@given(values=arrays_of((2, 3), st.floats(0.5, 1.5)))
def test_cumprod_gradient_matches_central_differences(values):
    # second order too: torch's create_graph formula differentiates correctly at zeros
    check_gradients(lambda a: a.cumprod(1), [values])
    with_zero = values.copy()
    with_zero[:, 1] = 0.0
    check_gradients(lambda a: a.cumprod(1), [with_zero])
    with_zeros = with_zero.copy()
    with_zeros[0, 2] = with_zeros[1, 0] = 0.0
    check_gradients(lambda a: a.cumprod(0) * a.cumprod(-1), [with_zeros])


BINARY = {
    "atan2": (lambda a, b: T.atan2(a, b), lambda a, b: (a, np.abs(b) + 0.5)),
    "xlogy": (lambda a, b: T.xlogy(a, b), lambda a, b: (a, np.abs(b) + 0.5)),
    "hypot": (lambda a, b: T.hypot(a, b), lambda a, b: (np.abs(a) + 0.5, b)),
    "lerp": (lambda a, b: T.lerp(a, b, 0.3) + T.lerp(b, a, 0.8), None),
    "lerp_weight": (lambda a, b: T.lerp(a, b * 2, b), None),
    # |a| < b keeps trunc(a / b) at 0, away from fmod's jumps
    "fmod": (lambda a, b: T.fmod(a, b), lambda a, b: (a * 0.4, np.abs(b) + 1.0)),
    "logaddexp": (lambda a, b: T.logaddexp(a, b) * a, None),
    "logaddexp2": (lambda a, b: T.logaddexp2(a, b) * a, None),
    # fmax/fmin jump where the operands meet: kept apart
    "fmax": (lambda a, b: T.fmax(a, b) * a, lambda a, b: (a, a + np.where(b > 0, 0.5, -0.5) + b)),
    "fmin": (lambda a, b: T.fmin(a, b) * a, lambda a, b: (a, a + np.where(b > 0, 0.5, -0.5) + b)),
    # torch masks the base's gradient where the exponent is 0: a jump in the second order
    "float_power": (lambda a, b: T.float_power(a, b), lambda a, b: (np.abs(a) + 0.5, away_from(0)(b))),
    # copysign jumps at 0: both operands kept away from it
    "copysign": (lambda a, b: T.copysign(a, b) * a, lambda a, b: (away_from(0)(a), away_from(0)(b))),
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       data=st.data())
def test_catalogue_binary_gradients_broadcast_and_match(name, shapes, data):
    fn, domain = BINARY[name]
    a = data.draw(arrays_of(shapes.input_shapes[0]))
    b = data.draw(arrays_of(shapes.input_shapes[1]))
    if domain:
        a, b = domain(a, b)
    out = fn(T.tensor(a), T.tensor(b))
    assert tuple(out.shape) == shapes.result_shape
    check_gradients(fn, [a, b])


DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]
OPS = {
    "atan2": lambda lib, a, b: lib.atan2(a, b), "xlogy": lambda lib, a, b: lib.xlogy(a, b),
    "fmod": lambda lib, a, b: lib.fmod(a, b), "hypot": lambda lib, a, b: lib.hypot(a, b),
    "logical_and": lambda lib, a, b: lib.logical_and(a, b),
    "bitwise_xor": lambda lib, a, b: a ^ b, "shift": lambda lib, a, b: a << b,
    "heaviside": lambda lib, a, b: lib.heaviside(a, b), "lerp": lambda lib, a, b: lib.lerp(a, b, 0.5),
}


@pytest.mark.torch
@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(OPS)), st.sampled_from(DTYPES), st.sampled_from(DTYPES),
       st.sampled_from([(3,), (2, 3), ()]))
def test_catalogue_result_dtypes_and_errors_match_live_torch(op, a_dtype, b_dtype, b_shape):
    torch = pytest.importorskip("torch")

    def run(lib):
        a = lib.ones((2, 3), dtype=getattr(lib, a_dtype)) * 2
        b = lib.ones(b_shape, dtype=getattr(lib, b_dtype))
        try:
            out = OPS[op](lib, a, b)
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            return type(exc).__name__, str(exc)
        return str(out.dtype), tuple(out.shape), out.tolist()

    assert run(T) == run(torch)


@pytest.mark.parametrize("name", ["amax", "logsumexp", "nansum", "all", "count_nonzero"])
@SETTINGS
@given(values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
                         elements=st.floats(-3, 3)), keepdim=st.booleans(), data=st.data())
def test_reductions_over_any_dims_agree_with_numpy(name, values, keepdim, data):
    dims = tuple(sorted(data.draw(st.sets(st.integers(0, values.ndim - 1), min_size=1))))
    x = T.tensor(values)
    if name == "count_nonzero":
        got, want = T.count_nonzero(x, dims), np.count_nonzero(values, axis=dims)
    elif name == "all":
        got, want = x.all(dims, keepdim=keepdim), np.all(values != 0, axis=dims, keepdims=keepdim)
    elif name == "logsumexp":
        got = x.logsumexp(dims, keepdim=keepdim)
        want = np.log(np.sum(np.exp(values), axis=dims, keepdims=keepdim))
    else:
        got = getattr(x, name)(dims, keepdim=keepdim)
        want = getattr(np, "amax" if name == "amax" else "sum")(values, axis=dims, keepdims=keepdim)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
