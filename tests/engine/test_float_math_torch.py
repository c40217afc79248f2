"""Float results bit for bit against live torch for every op engine/float_math makes exact:
exp2, expm1, log1p, powers with any exponent (number or tensor), rsqrt of half, softmax and
log_softmax forward and backward, tanh's backward; at every kind of size (vector tails, thread
split), on strided views, and on SLEEF's special values."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gtorch
from gradrepl.engine.float_math import kernels, sleef_double, sleef_single
from gradrepl.engine.ops.summation import THREADS

pytestmark = pytest.mark.torch
SIZES = [1, 7, 8, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 32767, 32768, 40000]
UNARY = {
    "exp2": (lambda t: t.exp2(), -8, 8), "expm1": (lambda t: t.expm1(), -8, 8),
    "log1p": (lambda t: t.log1p(), -0.9, 8), "x ** 1.5": (lambda t: t ** 1.5, 0.01, 5),
    "x ** -2.7": (lambda t: t ** -2.7, 0.01, 5), "1.7 ** x": (lambda t: 1.7 ** t, -8, 8),
    "x ** y": (lambda t: t ** (t * 0.5 - 1), 0.01, 5), "rsqrt": (lambda t: t.rsqrt(), 0.01, 5),
}


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)  # the thread split gradrepl follows
    yield torch
    torch.set_num_threads(threads)


def _bits(a):
    a = np.asarray(a)
    return a.view(f"u{a.itemsize}")


def _same(mine, theirs):
    mine, theirs = mine.numpy(), theirs.detach().numpy()
    assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
    assert np.array_equal(_bits(mine), _bits(theirs)), f"{np.mean(mine != theirs):.3f} differ"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_ops_at_every_size(torch, op, dtype):
    fn, low, high = UNARY[op]
    for n in SIZES:
        x = np.random.default_rng(n).uniform(low, high, n).astype(dtype)
        _same(fn(gtorch.tensor(x)), fn(torch.from_numpy(x.copy())))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_ops_on_strided_views(torch, op, dtype):
    fn, low, high = UNARY[op]
    x = np.random.default_rng(3).uniform(low, high, (3, 40)).astype(dtype)
    for view in (lambda t: t[:, :35], lambda t: t[:, ::2], lambda t: t.t(), lambda t: t[::2, 3:]):
        _same(fn(view(gtorch.tensor(x))), fn(view(torch.from_numpy(x.copy()))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_number_base_powers_are_c_contiguous_as_torchs(torch, dtype):
    """torch allocates ``number ** t`` C-contiguous whatever t's layout and walks that order: a
    transposed or permuted exponent has no contiguous run, so every element takes std::pow"""
    x = np.random.default_rng(4).uniform(-8, 8, (5, 17, 40)).astype(dtype)
    views = (lambda t: t.transpose(1, 2), lambda t: t.permute(2, 0, 1), lambda t: t[:, ::2],
             lambda t: t[1].t(), lambda t: t)
    for view in views:
        for base in (1.7, 2, 0.5):
            mine, theirs = base ** view(gtorch.tensor(x)), base ** view(torch.from_numpy(x))
            assert mine.stride() == theirs.stride()
            _same(mine, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tensor_exponents_broadcast_as_torch_loops_them(torch, dtype):
    rng = np.random.default_rng(0)
    base, exponent = rng.uniform(0.01, 5, (40, 33)).astype(dtype), rng.uniform(-3, 3, 33)
    exponent = exponent.astype(dtype)
    for a, b in [(base, exponent), (base, exponent[:1]), (base[:, :1], exponent),
                 (base.reshape(-1, 1), exponent[:5]), (-base.round(), exponent.round())]:
        _same(gtorch.tensor(a) ** gtorch.tensor(b), torch.from_numpy(a) ** torch.from_numpy(b))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_power_gradients(torch, dtype):
    x = np.random.default_rng(1).uniform(0.01, 5, 100).astype(dtype)
    theirs = torch.tensor(x, requires_grad=True)
    (theirs ** (theirs.detach() * 0.5 - 1)).sum().backward()
    mine = gtorch.tensor(x, requires_grad=True)
    (mine ** (mine.detach() * 0.5 - 1)).sum().backward()
    _same(mine.grad, theirs.grad)


_SPECIALS = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0,
             1e-45, -1e-45, 1e-40, 5e-324, 1e-310, 3.4e38, -3.4e38, 1e38, 2e38, 1.7e308, 1e307,
             88.7, 88.8, 127.9, 128.0, -149.9, -150.0, -16.6, -16.7, -104.0, -105.0, 709.7, 709.8,
             1023.9, 1024.0, -1999.0, -2000.0, -36.7, -36.8, -1000.0, -1001.0]


def _whole_vectors(dtype):
    x = np.array(_SPECIALS + list(np.random.default_rng(0).uniform(-200, 200, 300)))
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    return np.concatenate([x, np.ones((-len(x)) % 64, dtype)])  # no scalar tail


@pytest.mark.parametrize("dtype, functions", [
    ("float32", {"exp2": sleef_single.exp2f, "expm1": sleef_single.expm1f,
                 "log1p": sleef_single.log1pf}),
    ("float64", {"exp2": sleef_double.exp2, "expm1": sleef_double.expm1,
                 "log1p": sleef_double.log1p}),
])
def test_sleef_functions_on_special_values(torch, dtype, functions):
    x = _whole_vectors(dtype)
    for name, mine in functions.items():
        theirs = getattr(torch.from_numpy(x.copy()), name)().numpy()
        same = (_bits(mine(x)) == _bits(theirs)) | (np.isnan(mine(x)) & np.isnan(theirs))
        assert same.all(), (name, x[~same])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [1.5, -1.5, 0.3, 7.7, -40.25, 5.0, -7.0, 1e10, -1e10,
                                      np.inf, -np.inf, np.nan, 1e-8])
def test_sleef_pow_on_special_values(torch, dtype, exponent):
    x = _whole_vectors(dtype)
    power = sleef_single.powf if dtype == "float32" else sleef_double.pow
    mine = power(x, np.dtype(dtype).type(exponent))
    theirs = (torch.from_numpy(x.copy()) ** float(np.dtype(dtype).type(exponent))).numpy()
    same = (_bits(mine) == _bits(theirs)) | (np.isnan(mine) & np.isnan(theirs))
    assert same.all(), x[~same]


# ---------------------------------------------------------------------------------------------
# softmax, log_softmax and backward kernels

SOFTMAX_CASES = [((1,), 0), ((7,), 0), ((33,), 0), ((3, 17), 1), ((5, 100), 1), ((2, 1000), 1),
                 ((7, 3), 0), ((17, 3), 0), ((7, 1), 0), ((100, 5), 0), ((5, 40), 0),
                 ((3, 20, 33), 1), ((300, 300), 0), ((2, 3, 4), 2), ((2, 40000), 0),
                 ((2, 7, 4000), 1)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_forward(torch, name, dtype):
    rng = np.random.default_rng(0)
    for shape, dim in SOFTMAX_CASES:
        x = rng.normal(0, 3, shape).astype(dtype)
        _same(getattr(gtorch, name)(gtorch.tensor(x), dim),
              getattr(torch, name)(torch.from_numpy(x), dim))
    x = rng.normal(0, 3, (30, 40)).astype(dtype)
    for view in (lambda t: t.t(), lambda t: t[:, ::2]):
        for dim in (0, 1):
            _same(getattr(gtorch, name)(view(gtorch.tensor(x)), dim),
                  getattr(torch, name)(view(torch.from_numpy(x)), dim))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_backward(torch, name, dtype):
    rng = np.random.default_rng(1)
    for shape, dim in SOFTMAX_CASES[:-2]:
        x, g = rng.normal(0, 2, shape).astype(dtype), rng.normal(0, 1, shape).astype(dtype)
        theirs = torch.tensor(x, requires_grad=True)
        getattr(torch, name)(theirs, dim).backward(torch.from_numpy(g))
        mine = gtorch.tensor(x, requires_grad=True)
        getattr(gtorch, name)(mine, dim).backward(gtorch.tensor(g))
        _same(mine.grad, theirs.grad)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_tanh_backward_fuses_as_torch(torch, dtype):
    rng = np.random.default_rng(2)
    for n in (7, 33, 1000, 40000):
        y, g = np.tanh(rng.normal(0, 1, n)).astype(dtype), rng.normal(0, 1, n).astype(dtype)
        theirs = torch.ops.aten.tanh_backward(torch.from_numpy(g), torch.from_numpy(y)).numpy()
        if dtype == "float16":
            mine = kernels.tanh_backward(g.astype(np.float32), y.astype(np.float32))
            mine = mine.astype(np.float16)
        else:
            mine = kernels.tanh_backward(g, y)
        assert np.array_equal(_bits(mine), _bits(theirs))


@pytest.mark.parametrize("name, low, high", [("exp", -10, 10), ("log", 1e-3, 6e4),
                                             ("log2", 1e-3, 6e4), ("log10", 1e-3, 6e4)])
def test_float16_functions_round_sleefs_float(torch, name, low, high):
    """MKL never sees half tensors: Vectorized<Half> rounds SLEEF's float32 result once."""
    for n in (1, 33, 1000, 40000):
        x = np.random.default_rng(n).uniform(low, high, n).astype(np.float16)
        _same(getattr(gtorch.tensor(x), name)(), getattr(torch.from_numpy(x.copy()), name)())
