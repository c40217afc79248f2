"""Ops course notebooks call that gradrepl lacked (k-ops, from docs/ops.md's list after the
dir(torch.Tensor) sweep): diff, logaddexp, deg2rad/rad2deg, copysign, take_along_dim ...

Each call is compared with live torch (skipped without it): the printed value, the grad_fn's
name, the gradient of a weighted sum, or the error's type and words. The gradients are also
checked against central differences by hypothesis, torch or not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradrepl.torch as gt
from test_properties import SETTINGS, arrays_of, away_from, check_gradients

CALLS = [
    # deg2rad / rad2deg: the default float dtype for integers, half through float, out= casts
    "torch.deg2rad(x)", "x.rad2deg()", "torch.deg2rad(i)", "torch.rad2deg(torch.tensor([True]))",
    "torch.deg2rad(x.half())", "x.double().rad2deg()", "i.deg2rad_()",
    "torch.tensor([True]).deg2rad_()", "x.detach().clone().deg2rad_()",
    "torch.deg2rad(i, out=torch.empty(0, dtype=torch.long))",
    "torch.deg2rad(x.detach(), out=torch.empty(0, dtype=torch.float64))", "torch.deg2rad(3)",
    # logaddexp: float only, both tensors, broadcast, promoted
    "torch.logaddexp(x, x * 2)", "x.logaddexp(x.double())", "torch.logaddexp(i, i)",
    "torch.logaddexp(x, 1.)", "torch.logaddexp(1, x)", "torch.logaddexp(x, torch.tensor([True]))",
    "torch.logaddexp(torch.tensor([True]), torch.tensor([True]))",
    "torch.logaddexp(x.half(), torch.tensor(1., dtype=torch.float64))",
    "torch.logaddexp(x, torch.ones(3, 3))", "torch.logaddexp(x, torch.ones(3))",
    "torch.logaddexp(torch.tensor([inf, -inf, nan, 1., inf]), torch.tensor([inf, -inf, 1., nan, -inf]))",
    "torch.logaddexp(x.detach(), x.detach(), out=torch.empty(0, dtype=torch.float64))",
    "torch.logaddexp(x.detach(), x.detach(), out=torch.empty(0, dtype=torch.long))",
    "hasattr(x, 'logaddexp_')",
    # copysign: a tensor (CopysignBackward0) or a number (CopysignBackward1), float results
    "torch.copysign(x, -1)", "torch.copysign(x, x - 3)", "torch.copysign(i, -1)",
    "torch.copysign(i, i)", "torch.copysign(1, x)", "torch.copysign(x, 'a')",
    "torch.copysign(x, True)", "torch.copysign(x, i.numpy())", "x.copysign(None)", "x.detach().copysign_('a')", "torch.copysign(x, other=None)", "torch.copysign(torch.tensor([True]), -1)",
    "torch.copysign(x.half(), -1.)", "torch.copysign(x, torch.tensor(-1, dtype=torch.float64))",
    "x.detach().clone().copysign_(i)", "i.clone().copysign_(-1)",
    "torch.copysign(torch.tensor([1., 2.]), torch.ones(3))",
    "torch.copysign(torch.tensor([0., -0., 2., nan]), torch.tensor([-0., 1., -nan, -1.]))",
    # diff: slices and a sub (logical_xor for bool), prepend/append through cat, n = 0 a copy
    "torch.diff(x)", "torch.diff(x, dim=0)", "x.diff(2)", "torch.diff(i)", "x.diff(1, 0)",
    "torch.diff(x, prepend=x, append=x[:, :1])", "torch.diff(torch.tensor([True, False]))",
    "torch.diff(torch.tensor([True, False, True]), n=2)", "torch.diff(x, n=0)",
    "torch.diff(x.t(), n=0).stride()", "torch.diff(x, n=5)", "torch.diff(x, n=4, prepend=x)",
    "torch.diff(x, n=0, prepend=x)", "torch.diff(torch.tensor([True, False, True]), n=0)",
    "torch.diff(x, n=-1)", "torch.diff(torch.tensor(1.), n=-1)", "torch.diff(x, n=-1, dim=7)",
    "torch.diff(x, dim=7, prepend=torch.ones(3))", "torch.diff(x, prepend=torch.ones(3, 3))",
    "torch.diff(x, prepend=torch.ones(3))",
    "torch.diff(x, append=torch.ones(2, 1, dtype=torch.float64))",
    "torch.diff(x, prepend=torch.tensor([[True], [False]]))",
    "torch.diff(torch.tensor([[True, False]]), prepend=torch.tensor([[1.]]))",
    "torch.diff(torch.tensor([1, 5, 2], dtype=torch.uint8))", "torch.diff(x, 1.5)", "x.diff(1.5)",
    "torch.diff(x, dim=None)", "torch.diff(x, append=3)", "torch.diff(x.half())",
    "torch.diff(torch.tensor([1, 5, 2], dtype=torch.uint8), out=torch.empty(0))",
    "torch.diff(x.detach(), out=torch.empty(0, dtype=torch.long))", "torch.diff(x, out=torch.empty(0))",
    # take_along_dim: gather from the flattened input, or along dim after a broadcast
    "torch.take_along_dim(x, ix)", "torch.take_along_dim(x, ix, 1)", "x.take_along_dim(ix[:1], 1)",
    "torch.take_along_dim(x[:1], ix, 1)", "torch.take_along_dim(x, ix[:, :1] - 1, 0)",
    "torch.take_along_dim(x, x.argsort(1), 1)", "torch.take_along_dim(x, ix.t())",
    "torch.take_along_dim(x, ix.int(), 1)", "torch.take_along_dim(x, ix.int())",
    "torch.take_along_dim(x, ix[0], 1)", "torch.take_along_dim(x, ix, 2)",
    "torch.take_along_dim(x, ix + 5)", "torch.take_along_dim(x, torch.ones(3, 2, dtype=torch.long), 1)",
    "torch.take_along_dim(x, torch.ones(1, 3, 4, dtype=torch.long), 1)",
    "x.take_along_dim(ix, dim=-1)", "torch.take_along_dim(x, ix, dim=1.5)",
    "torch.take_along_dim(x, [1])", "torch.take_along_dim(x, ix.float(), 1)",
    "torch.take_along_dim(x, ix, dim=None)", "torch.take_along_dim(torch.tensor(3.), torch.tensor(0))",
    "torch.take_along_dim(torch.tensor(3.), torch.tensor(0), 0)",
    "torch.take_along_dim(x.detach(), ix, 1, out=torch.empty(0))",
    # unfold: a view (UnfoldBackward0), the windows a new last dim; Tensor-only
    "x.unfold(1, 2, 1)", "x.unfold(0, 2, 1)", "x.unfold(1, 3, 3)", "x.unfold(1, 2, 2)",
    "x.unfold(-1, 1, 1)", "x.unfold(1, 4, 1)", "x.unfold(1, 2, 0)", "x.unfold(1, 0, 1)",
    "x.unfold(2, 1, 1)", "torch.tensor(5.).unfold(0, 1, 1)", "torch.tensor(5.).unfold(0, 2, 1)",
    "torch.tensor(5.).unfold(0, 0, 1)", "torch.tensor(5.).unfold(1, 1, 1)", "x.t().unfold(0, 2, 1)",
    "x.unfold(1, -1, 1)", "x.unfold(1, 2, -1)", "hasattr(torch, 'unfold')", "x.unfold(1, 2.0, 1)",
    "x.unfold(1, 2)", "x.unfold(2, -1, 0)", "x.unfold(1, 4, -1)", "x.unfold(1, 2, 1)._is_view()",
    "torch.autograd.grad((x * 1).unfold(1, 2, 1).sum() * 3, x, create_graph=True)[0]",
    # index_fill / index_copy (and their in-place forms)
    "x.index_fill(1, torch.tensor([0, 2]), -1.)", "x.index_fill(0, torch.tensor([1]), torch.tensor(5.))",
    "x.index_fill(0, torch.tensor([1]), torch.tensor([5.]))", "x.index_fill(0, torch.tensor([1.]), 2)",
    "x.index_fill(0, torch.tensor([[1]]), 2)", "x.index_fill(0, torch.tensor([2]), 2)",
    "x.index_fill(0, torch.tensor([-1]), 2)", "x.detach().long().index_fill(0, torch.tensor([0]), 2.7)",
    "torch.index_fill(x, 1, torch.tensor([0]), 3)", "x.detach().clone().index_fill_(1, torch.tensor([0]), 3)",
    "x.index_fill(0, torch.tensor(1), 9)", "x.index_fill(5, torch.tensor([1]), 9)",
    "torch.tensor(1.).index_fill(0, torch.tensor(0), 5.)",
    "torch.ones(3, 3).index_fill(0, torch.tensor([], dtype=torch.long), 5.)",
    "torch.ones(3, 3, dtype=torch.long).index_fill(0, torch.tensor([1]), torch.tensor(2.5))",
    "torch.autograd.grad((x.index_fill(0, torch.tensor([0, 0]), v) * w).sum(), (x, v))",
    "x.index_copy(1, torch.tensor([2, 0]), torch.ones(2, 2))",
    "torch.index_copy(x, 0, torch.tensor([1]), torch.ones(1, 3, dtype=torch.float64))",
    "x.index_copy(0, torch.tensor([1]), torch.ones(2, 3))",
    "x.index_copy(0, torch.tensor([1, 1]), torch.arange(6.).view(2, 3))",
    "x.index_copy(0, torch.tensor([1]), torch.ones(1, 2))", "x.index_copy(0, torch.tensor([5]), torch.ones(1, 3))",
    "x.index_copy(0, torch.tensor([1.]), torch.ones(1, 3))", "x.index_copy(0, torch.tensor(1), torch.ones(3))",
    "x.detach().clone().index_copy_(0, torch.tensor([1]), torch.ones(1, 3))",
    "torch.ones(3).index_copy(0, torch.tensor(1), torch.tensor(5.))",
    "torch.tensor(1.).index_copy(0, torch.tensor(0), torch.tensor(5.))",
    "torch.ones(3, 3).index_copy(0, torch.tensor([[1]]), torch.ones(1, 3))",
    "torch.autograd.grad((x.index_copy(1, torch.tensor([2, 0, 2]), s) * w).sum(), (x, s))",
    "torch.index_copy(x.detach(), 0, torch.tensor([1]), torch.ones(1, 3), out=torch.empty(0))",
    # fill_diagonal_: in place through views (CopySlices), wrap for tall matrices
    "x.detach().clone().fill_diagonal_(7)", "torch.zeros(5, 3).fill_diagonal_(1, wrap=True)",
    "torch.zeros(7, 3).fill_diagonal_(1, wrap=True)", "torch.zeros(9, 2).fill_diagonal_(1, wrap=True)",
    "torch.zeros(7, 3).fill_diagonal_(1)", "torch.zeros(3, 3, 3).fill_diagonal_(2)",
    "torch.zeros(3, 3, 2).fill_diagonal_(2)", "torch.zeros(3).fill_diagonal_(2)", "x.fill_diagonal_(1)",
    "(x * 1).fill_diagonal_(1)", "torch.zeros(3, 3, dtype=torch.long).fill_diagonal_(1.5)",
    "torch.zeros(2, 4).t().fill_diagonal_(1, True)", "torch.zeros(2, 4).fill_diagonal_(torch.tensor(3.))",
    "torch.zeros(4, 4).fill_diagonal_(1, True)", "torch.zeros(2, 2).fill_diagonal_('a')",
    "torch.zeros(2, 2).fill_diagonal_(1, wrap=2)", "torch.zeros(2, 2).fill_diagonal_(fill_value=[1])",
    # logaddexp2: logaddexp's loop in base 2 (exp2, log1p scaled by 1/ln 2, fused)
    "torch.logaddexp2(x, x * 2)", "x.logaddexp2(x.double())", "torch.logaddexp2(i, i)",
    "torch.logaddexp2(x, 1.)", "torch.logaddexp2(x.half(), x.half() - 1)",
    "torch.logaddexp2(torch.tensor([inf, -inf, nan, 1., inf]), torch.tensor([inf, -inf, 1., nan, -inf]))",
    "torch.logaddexp2(x.detach(), x.detach(), out=torch.empty(0, dtype=torch.float64))",
    "torch.autograd.grad(torch.logaddexp2(x, s).sum(), (x, s), create_graph=True)",
    "torch.autograd.grad(torch.logaddexp(x, s).sum(), (x, s), create_graph=True)",
    "hasattr(x, 'logaddexp2_')", "torch.logaddexp2(x, torch.ones(3, 3))",
    # quantile / nanquantile: sort, ranks in the input's dtype, gather and lerp_, squeeze_
    "torch.quantile(x, 0.3)", "torch.quantile(x, 0.3, dim=1)", "x.quantile(0.3, 0, True)",
    "torch.quantile(x, torch.tensor([0.25, 0.5, 1.]), dim=1)", "torch.quantile(x, torch.tensor(0.7))",
    "torch.quantile(x, torch.tensor([0.1, 0.9]), dim=0, keepdim=True)",
    "torch.quantile(x, torch.tensor([0.1, 0.9]), keepdim=True)",
    "torch.quantile(x, 0.4, interpolation='lower')", "torch.quantile(x, 0.4, 1, interpolation='higher')",
    "torch.quantile(x, 0.5, 1, interpolation='nearest')", "torch.quantile(x, 0.3, interpolation='midpoint')",
    "torch.quantile(x, 0.5, interpolation='bad')", "torch.quantile(x, 1.5)", "torch.quantile(x, -0.1)",
    "torch.quantile(x, nan)", "torch.quantile(x, True)", "torch.quantile(x, 1)",
    "torch.quantile(x, torch.tensor([1.5]))", "torch.quantile(x, torch.tensor([[0.5]]))",
    "torch.quantile(x, torch.tensor([0.5], dtype=torch.float64))", "torch.quantile(i, 0.5)",
    "torch.quantile(torch.tensor([]), 0.5)", "torch.quantile(x, 0.5, dim=5)", "torch.quantile(x, [0.5])",
    "torch.quantile(torch.tensor(3.), 0.3)", "torch.quantile(torch.tensor(3.), 0.3, 0, True)",
    "torch.quantile(x.double(), 0.37, 1)", "torch.quantile(x.t(), 0.6, 0)",
    "torch.quantile(torch.tensor([[1., nan, 3.], [4., 5., 6.]]), 0.5, 1)",
    "torch.nanquantile(torch.tensor([[1., nan, 3.], [nan, nan, nan]]), torch.tensor([0.5, 0.2]), 1)",
    "torch.nanquantile(x, 0.3)", "x.nanquantile(q=0.3, dim=1, interpolation='lower')",
    "torch.nanquantile(x, 1.5)", "x.quantile(0.5, dim=1.5)", "x.quantile(0.5, keepdim=1)",
    "x.quantile(0.5, interpolation=1)", "x.quantile(0.5, foo=1)",
    "torch.quantile(x, 0.5, out=torch.empty(0))", "torch.quantile(x, 0.5, 1, out=torch.empty(3))",
    "torch.quantile(x, 0.5, out=torch.empty(0, dtype=torch.float64))",
    "torch.quantile(x.detach(), torch.tensor([0.2, 0.8]), 1, out=torch.empty(0))",
    "torch.quantile(torch.arange(40.).view(4, 10).requires_grad_(), torch.tensor([0.33, 0.5]), 1)",
    # fmax / fmin: NaN skipped, the first operand on a tie (signed zeros), no halving
    "torch.fmax(p, q)", "torch.fmin(p, q)", "torch.signbit(torch.fmax(p, q))",
    "torch.signbit(torch.fmin(p, q))", "p.fmax(torch.tensor(0.))", "torch.fmin(p, torch.ones(3))",
    "torch.fmax(torch.tensor([1, 5]), torch.tensor([2., 1.]))",
    "torch.fmin(torch.tensor([True]), torch.tensor([False]))", "torch.fmax(x, 2)",
    "torch.fmax(x, x, out=torch.empty(2))", "hasattr(x, 'fmax_')",
    "torch.fmax(p.detach(), q.detach(), out=torch.empty(0, dtype=torch.float64))",
    # isposinf / isneginf / isreal
    "torch.isposinf(torch.tensor([inf, -inf, nan, 1.]))", "torch.isneginf(torch.tensor([inf, -inf, nan]))",
    "torch.isneginf(i)", "torch.isposinf(x, out=torch.empty(1, dtype=torch.bool))",
    "torch.isneginf(x, out=torch.empty(2))", "torch.isreal(x)", "torch.isreal(torch.tensor(2))",
    "torch.isreal(x, out=torch.empty(2))", "x.isposinf()",
    # float_power: pow on float64 copies
    "torch.float_power(x, 2.5)", "torch.float_power(i, 2)", "torch.float_power(x, i)",
    "x.detach().clone().float_power_(2)", "x.detach().double().float_power_(2)",
    "torch.float_power(2, 3)", "torch.float_power(x.detach(), 2, out=torch.empty(2))",
    "torch.float_power(x.detach(), 2, out=torch.empty(2, dtype=torch.float64))",
    "torch.float_power(x, 2, out=torch.empty(2, dtype=torch.float64))", "torch.float_power(2, x)",
    "torch.float_power(x, x * 3)", "x.float_power(-0.5)", "torch.float_power(x, 'x')",
    "torch.float_power(x, True)", "torch.float_power(x.double(), 2)",
    # nanmedian: the lower median of what is not NaN
    "m.nanmedian()", "m.nanmedian(1)", "torch.nanmedian(m, dim=0, keepdim=True)",
    "torch.nanmedian(m[:2], 1)", "torch.nanmedian(torch.tensor([3, 1, 2, 2]))",
    "torch.nanmedian(torch.tensor([]))", "torch.nanmedian(torch.tensor([nan, nan]))",
    "torch.nanmedian(torch.tensor(2.))", "torch.nanmedian(torch.tensor(2.), 0)",
    "m.nanmedian(keepdim=True)", "m.nanmedian(5)",
    "torch.nanmedian(m.detach(), 1, out=(torch.empty(0), torch.empty(0, dtype=torch.long)))",
    "torch.nanmedian(m.detach(), 1, out=(torch.empty(0), torch.empty(0)))",
    "torch.nanmedian(torch.tensor([[1., 1., nan, 1.]]), 1)", "x.nanmedian(1)", "x.nanmedian()",
    # float64 multiply-adds with infinities (the fused paths of add's alpha, lerp, addcmul)
    "torch.tensor([1., 2., 3.], dtype=torch.float64).add(torch.tensor([inf, 1e308, -inf], dtype=torch.float64), alpha=-0.5)",
    "torch.lerp(torch.tensor([1., 2., 3.], dtype=torch.float64), torch.tensor([inf, 1e308, -inf], dtype=torch.float64), 0.3)",
    "torch.addcmul(torch.tensor([1., 2., 3.], dtype=torch.float64), torch.tensor([inf, 1e308, -inf], dtype=torch.float64), torch.tensor([1., 2., 3.], dtype=torch.float64), value=0.5)",
    # new (the legacy constructor), is_cpu, pin_memory, share_memory_ on a CPU-only build
    "x.new(torch.tensor([1., 2.]))", "x.new(2.5)", "x.new(2, dtype=torch.long)",
    "x.new(2, 3, requires_grad=True)", "x.new([1], dtype=torch.long)", "torch.arange(3).new([1.5])",
    "x.new(torch.tensor([1., 2.]).requires_grad_())", "x.new(-1)", "x.new(0)", "x.new([])",
    "x.new('a')", "x.new(2, device='cpu').shape", "x.new(2, device='cuda')", "x.new(True)",
    "x.new([[1, 2], [3]])", "x.half().new([1, 2])", "x.new(torch.Size([2, 1])).shape",
    "x.new((2, 1))", "x.new(3).shape", "x.new(torch.tensor(2))", "x.half().new(torch.tensor([1]))",
    "x.new()", "x.new(2, 3).shape", "x.is_cpu", "torch.tensor(1).is_cpu",
    "x.detach().clone().share_memory_()", "x.share_memory_()", "x.pin_memory()", "x.is_pinned()",
    "torch.ones(2).is_shared()", "torch.ones(2).share_memory_()[1:].is_shared()",
    "torch.ones(2).share_memory_().clone().is_shared()",
]


def _names(v):
    """The grad_fn names of the graph below v, depth first."""
    names, stack = [], [getattr(v, "grad_fn", None)]
    while stack:
        node = stack.pop()
        if node is not None:
            names.append(node.name())
            stack.extend(f for f, _ in reversed(node.next_functions))
    return names


_NAN = float("nan")


def _outcome(torch, call):
    x = torch.arange(6.).view(2, 3).requires_grad_()
    env = {"torch": torch, "x": x, "i": torch.arange(6).view(2, 3),
           "ix": torch.tensor([[2, 0, 1], [1, 1, 0]]),
           "v": torch.tensor(2., requires_grad=True), "s": torch.ones(2, 3, requires_grad=True),
           "w": torch.arange(1., 7.).view(2, 3),
           "inf": float("inf"), "nan": float("nan"),
           "p": torch.tensor([1., _NAN, 3., -2., -0., 0., _NAN], requires_grad=True),
           "q": torch.tensor([2., 1., _NAN, -2., 0., -0., _NAN]),
           "m": torch.tensor([[1., _NAN, 3.], [2., 5., _NAN], [_NAN] * 3], requires_grad=True)}
    try:
        value = eval(call, env)
    except Exception as error:  # noqa: BLE001 - the words are what is compared
        return type(error).__name__, str(error)
    if isinstance(value, tuple):
        return repr(value)
    if not isinstance(value, torch.Tensor):
        return repr(value)
    grad = None
    if value.requires_grad and value.numel():
        weights = torch.arange(1., value.numel() + 1).view(value.shape).to(value.dtype)
        try:
            (value * weights).sum().backward()
        except Exception as error:  # noqa: BLE001
            return repr(value), type(error).__name__, str(error)
        grad = repr([v.grad for v in (x, env["p"], env["m"])])
    # an empty result's strides are gradrepl's numpy's (0, 0), torch's (1, 1): not compared
    return repr(value), value.stride() if value.numel() else None, _names(value), grad


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("n", [5, 37, 1000, 70001])
@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp_bits_match_torch(name, dtype, n):
    """torch's loop: SLEEF on whole vectors, the C library on the tail (each thread's chunk has
    one from 32768 elements), half through float; logaddexp2's scaling fused with its add."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    a, b = (rng.normal(scale=5, size=n).astype(dtype) for _ in range(2))
    a[:3] = [np.inf, -np.inf, 0]
    b[:3] = [np.inf, -np.inf, np.inf]
    ours, theirs = getattr(gt, name), getattr(torch, name)
    want = theirs(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    got = ours(gt.from_numpy(a), gt.from_numpy(b)).numpy()
    assert got.tobytes() == want.tobytes()
    # transposed and broadcast operands walk the same loops
    want = theirs(torch.from_numpy(a[:4]).view(2, 2).t(), torch.from_numpy(b[:2])).numpy()
    got = ours(gt.from_numpy(a[:4]).view(2, 2).t(), gt.from_numpy(b[:2])).numpy()
    assert got.tobytes() == want.tobytes()


@pytest.mark.torch
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quantile_bits_match_torch(interpolation, dtype):
    """float32 ranks and lerp weights, NaN rows, every q in a grid, over each dim."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.normal(size=(5, 13)).astype(dtype)
    a[1, 3] = a[4, [0, 5, 7]] = np.nan
    q = np.linspace(0, 1, 23).astype(dtype)
    for dim in (None, 0, 1, -1):
        for name in ("quantile", "nanquantile"):
            want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(q), dim,
                                        interpolation=interpolation).numpy()
            got = getattr(gt, name)(gt.from_numpy(a), gt.from_numpy(q), dim,
                                    interpolation=interpolation).numpy()
            assert got.tobytes() == want.tobytes(), (name, dim)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64"])
def test_degrees_bits_match_torch(dtype):
    torch = pytest.importorskip("torch")
    a = (np.random.default_rng(0).normal(scale=400, size=999)).astype(dtype)
    for name in ("deg2rad", "rad2deg"):
        want = getattr(torch, name)(torch.from_numpy(a)).numpy()
        assert getattr(gt, name)(gt.from_numpy(a)).numpy().tobytes() == want.tobytes()


# ---------------------------------------------------------------------------------------------
# Gradients against central differences (no torch needed)

def _spread(values):
    """The values moved apart (each at least 0.5 from the others), so that a central difference
    never reorders them."""
    order = np.argsort(values, axis=None, kind="stable")
    spread = np.empty(values.size)
    spread[order] = np.arange(values.size) * 0.5
    return (spread.reshape(values.shape) + np.clip(values, -0.2, 0.2) * 0.5).astype(values.dtype)


UNARY = {
    "deg2rad": (lambda a: gt.deg2rad(a) * a, None),
    "rad2deg": (lambda a: a.rad2deg(), None),
    "copysign_number": (lambda a: gt.copysign(a, -2.0) * a, away_from(0)),
    "diff": (lambda a: a.diff() * a[:, 1:], None),
    "diff_dim0_twice": (lambda a: gt.diff(a, 2, 0, prepend=a[:1] * 2, append=a[1:]), None),
    "take_along_dim": (lambda a: a.take_along_dim(gt.tensor([[2, 0, 2], [1, 1, 0]]), 1) * a, None),
    "take_along_dim_flat": (lambda a: gt.take_along_dim(a, gt.tensor([5, 0, 5])), None),
    "take_along_dim_broadcast": (lambda a: gt.take_along_dim(a[:1], gt.tensor([[2], [0]]), 1), None),
    "unfold": (lambda a: a.unfold(1, 2, 1) * a.unfold(1, 2, 1).sum(), None),
    "unfold_step": (lambda a: a.unfold(1, 1, 2) * a.unfold(1, 2, 1)[..., :1], None),
    "index_fill": (lambda a: a.index_fill(1, gt.tensor([2, 0]), 0.5) * a, None),
    "index_fill_tensor": (lambda a: a.index_fill(1, gt.tensor([2, 2]), a[0, 1]) * a, None),
    "index_copy": (lambda a: a.index_copy(0, gt.tensor([1]), a[:1] * a[1:]), None),
    "fill_diagonal_": (lambda a: (a * a).fill_diagonal_(2.0) * a, None),
    # distinct values away from each other: the sorted order does not move under the step
    "quantile": (lambda a: gt.quantile(a, gt.tensor([0.3, 0.75], dtype=a.dtype), 1) * 2, _spread),
    "quantile_all_midpoint": (lambda a: gt.quantile(a, 0.4, interpolation="midpoint"), _spread),
    "nanquantile_dim0": (lambda a: a.nanquantile(0.5, 0, True) * a, _spread),
    "nanmedian": (lambda a: a.nanmedian() * a, _spread),
    "nanmedian_dim": (lambda a: a.nanmedian(1, True)[0] * a, _spread),
    "float_power": (lambda a: gt.float_power(a, 3) + gt.float_power(2, a), None),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(values=arrays_of((2, 3)))
def test_gradients_match_central_differences(name, values):
    fn, domain = UNARY[name]
    check_gradients(fn, [domain(values) if domain else values])


# logaddexp and copysign join the binary gradient checks in test_properties_catalogue.py.


def test_without_torch():
    x = gt.arange(6.).view(2, 3).requires_grad_()
    y = x.diff()
    assert y.tolist() == [[1., 1.], [1., 1.]] and y.grad_fn.name() == "SubBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [[-1., 0., 1.], [-1., 0., 1.]]
    assert gt.logaddexp(gt.tensor([0.]), gt.tensor([0.])).item() == pytest.approx(np.log(2))
    assert gt.copysign(gt.tensor([1., -2.]), -1).tolist() == [-1., -2.]
    assert gt.take_along_dim(x, gt.tensor([[2], [0]]), 1).tolist() == [[2.], [3.]]
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1"):
        x.diff(-1)
    b = gt.tensor([1., 2.])
    x.new(b)[0] = 9  # an alias: b's memory
    assert b.tolist() == [9., 2.] and x.is_cpu and not b.is_shared()


# ---------------------------------------------------------------------------------------------
# bernoulli and random_: the same draws from the same seed, and the generator left where torch
# leaves it (the next rand() agrees)

RANDOM_CALLS = [
    "torch.bernoulli(p.clone().requires_grad_())", "torch.bernoulli(p, 0.5)", "p.bernoulli(0.5)",
    "p.bernoulli(p=0.5)", "torch.bernoulli(p, p=0.5)", "p.clone().bernoulli_(0.5)",
    "p.clone().bernoulli_(p)", "p.clone().bernoulli_(p[0])", "p.clone().bernoulli_(torch.ones(3, 3))",
    "torch.bernoulli(p * 2)", "torch.bernoulli(p - 1)", "torch.bernoulli(torch.tensor([0.5, nan]))",
    "torch.bernoulli(torch.tensor([1, 0]))", "torch.ones(3, dtype=torch.long).bernoulli_(0.5)",
    "torch.ones(3, dtype=torch.long).bernoulli_(torch.tensor([0.1, 0.5, 0.9]))",
    "p.clone().bernoulli_(1.5)", "p.clone().bernoulli_(-0.1)",
    "torch.bernoulli(p, generator=torch.Generator().manual_seed(1))", "torch.bernoulli(p.double())",
    "torch.bernoulli(p.half())", "torch.bernoulli(p.t())", "torch.bernoulli(torch.full((3, 4), 0.5).t())",
    "torch.bernoulli(torch.rand(3, 4).t(), 0.5)", "torch.ones(2, 3).t().bernoulli_(0.5)",
    "p.clone().requires_grad_().bernoulli(0.5)", "(p.clone().requires_grad_() * 1).bernoulli_(0.5)",
    "torch.bernoulli(p.clone().requires_grad_(), 0.5)", "torch.rand(40, 30).bernoulli_(0.3)",
    "torch.bernoulli(torch.rand(50, 40, dtype=torch.float64))",
    "torch.ones(5, 5).t().bernoulli_(torch.rand(5) / 2)",
    "torch.ones(4).random_()", "torch.ones(4).random_(10)", "torch.ones(4).random_(3, 10)",
    "torch.ones(4).random_(-3, 10)", "torch.ones(4).random_(5, 5)",
    "torch.ones(4, dtype=torch.uint8).random_(0, 300)", "torch.ones(4, dtype=torch.uint8).random_(-1, 3)",
    "torch.ones(4).random_(to=5)", "torch.ones(4, dtype=torch.long).random_(0, 2**40)",
    "torch.ones(4, dtype=torch.bool).random_()", "torch.ones(4, dtype=torch.bool).random_(0, 2)",
    "torch.ones(4, dtype=torch.bool).random_(0, 3)", "torch.ones(4).random_(0.5)", "a.random_()",
    "(a * 1).random_()", "(a * 1).random_(5)", "(a * 1).random_(1, 5)", "(a * 1).random_(3, None)",
    "torch.ones(4).random_(None)", "torch.ones(4).random_(3, None)",
    "torch.ones(4, dtype=torch.half).random_()", "torch.ones(4, dtype=torch.double).random_()",
    "torch.ones(4, dtype=torch.long).random_()", "torch.ones(4, dtype=torch.int8).random_()",
    "torch.ones(4, dtype=torch.int32).random_(-5, 5)", "torch.ones(3, 4).t().random_(100)",
    "torch.ones(4).random_(1, 2, 3)", "torch.ones(4).random_(fro=2)",
    "torch.ones(4).random_(generator=torch.Generator().manual_seed(2))",
    "torch.ones(4, dtype=torch.long).random_(3, None)", "hasattr(torch, 'random_')",
]


def _drawn(torch, call):
    torch.manual_seed(0)
    env = {"torch": torch, "p": torch.tensor([[0.2, 0.9, 0.5], [1., 0., 0.7]]),
           "a": torch.ones(4, requires_grad=True), "nan": float("nan")}
    try:
        value = eval(call, env)
    except Exception as error:  # noqa: BLE001 - the words are what is compared
        return type(error).__name__, str(error)
    if not isinstance(value, torch.Tensor):
        return repr(value)
    return repr(value), value.stride(), _names(value), repr(torch.rand(2))


@pytest.mark.torch
@pytest.mark.parametrize("call", RANDOM_CALLS)
def test_random_draws_match_torch(call):
    torch = pytest.importorskip("torch")
    assert _drawn(gt, call) == _drawn(torch, call)


def test_random_draws_without_torch():
    gt.manual_seed(0)
    drawn = gt.bernoulli(gt.full((1000,), 0.25))
    assert 150 < drawn.sum().item() < 350 and set(drawn.tolist()) <= {0., 1.}
    values = gt.empty(1000, dtype=gt.int64).random_(3, 7)
    assert set(values.tolist()) == {3, 4, 5, 6}
    leaf = gt.ones(3, requires_grad=True)
    (leaf * 2).bernoulli_(0.5).sum().backward()  # a zero gradient, as torch's BernoulliBackward2
    assert leaf.grad.tolist() == [0., 0., 0.]


def test_record_engine_goldens_help_records_nothing():
    """``--help`` prints the usage instead of re-recording every golden (argparse)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "scripts" / "record_engine_goldens.py"),
                           "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--only FILE" in done.stdout and "cases" not in done.stdout
