"""Session 11 (m-ops): cov, corrcoef, trapezoid/trapz/cumulative_trapezoid, logcumsumexp, cdist
and the vector norm's general p, against live torch (skipped without it): printed values, the
grad_fn chain, gradients of a weighted sum and errors (test_lesson_ops_torch's ``_outcome``), and
the bits of values and gradients on random data in float32 and float64. The gradients are also
checked against central differences in float64 by hypothesis, torch or not."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given

import gradrepl.torch as gt
from test_lesson_ops_torch import _outcome
from test_properties import SETTINGS, arrays_of, check_gradients

from tests.cpu_vendor import MKL_MEASURED, UNMEASURED, needs_measured_mkl

CALLS = [
    # trapezoid / trapz: (sum - (first + last) / 2) * dx, or the pairs times the x spacing
    "torch.trapezoid(x)", "torch.trapezoid(x, dx=0.1)", "torch.trapezoid(x, dim=0)",
    "torch.trapezoid(x, w[0])", "torch.trapezoid(x, w, dim=0)", "torch.trapezoid(x, w[:, :1], dim=0)",
    "torch.trapezoid(i)", "torch.trapezoid(i, dx=0.5)", "torch.trapezoid(i, i[0])", "torch.trapz(x, dx=2)",
    "torch.trapz(x, w[0])", "torch.trapezoid(torch.ones(2, 0))", "torch.trapezoid(torch.ones(0, 2))",
    "torch.trapezoid(v)", "torch.trapezoid(x[0, :1])", "torch.trapezoid(x > 1)", "torch.trapezoid(x, dx=True)",
    "torch.trapezoid(x, w[0] > 1)", "torch.trapezoid(x, w[0], dx=2)", "torch.trapezoid(x, dim=2)",
    "torch.trapezoid(x, w[0, :2])", "torch.trapezoid(x, 2)", "torch.trapezoid(x, dx=torch.tensor(0.5))",
    "torch.trapezoid(x.half(), dx=0.1)", "hasattr(x, 'trapezoid')",
    # cumulative_trapezoid: the running sum of the same terms
    "torch.cumulative_trapezoid(x)", "torch.cumulative_trapezoid(x, dx=3)", "torch.cumulative_trapezoid(x, dim=0)",
    "torch.cumulative_trapezoid(x, w[0])", "torch.cumulative_trapezoid(i)", "torch.cumulative_trapezoid(i, i[0])",
    "torch.cumulative_trapezoid(torch.ones(2, 0))", "torch.cumulative_trapezoid(v)",
    "torch.cumulative_trapezoid(x > 1)", "torch.cumulative_trapezoid(x, dx=True)",
    "torch.cumulative_trapezoid(x, w[0, :1])",
    # cov / corrcoef: weights, correction, their checks and warnings, 0-d and 1-d inputs
    "torch.cov(x)", "x.cov()", "torch.cov(x, correction=0)", "torch.cov(x, correction=3)", "torch.cov(x[0])",
    "torch.cov(i)", "torch.cov(x, fweights=torch.tensor([1, 2, 0]))", "torch.cov(x, aweights=w[0])",
    "torch.cov(x, fweights=torch.tensor([1, 2, 3]), aweights=w[1])",
    "torch.cov(x, fweights=torch.tensor([1, 2, 3]), aweights=w[1], correction=0)",
    "torch.cov(x, fweights=torch.tensor([1, 2, 3]), correction=2)", "torch.cov(x, aweights=w[0], correction=2)",
    "torch.cov(x, fweights=w[0])", "torch.cov(x, fweights=torch.tensor([[1, 2, 3]]))",
    "torch.cov(x, fweights=torch.tensor([1, 2]))", "torch.cov(x, fweights=torch.tensor([1, -2, 3]))",
    "torch.cov(x, aweights=i[0])", "torch.cov(x, aweights=-w[0])", "torch.cov(x, aweights=w[0] * 0)",
    "torch.cov(x > 1)", "torch.cov(torch.ones(2, 2, 2))", "torch.cov(v)", "torch.cov(x[:, :1])",
    "torch.cov(x[:, :1], aweights=w[0, :1])", "torch.cov(torch.ones(0, 3))", "torch.cov(torch.ones(2, 0))",
    "x.cov(1)", "torch.cov(x, correction=1.5)", "torch.corrcoef(x)", "x.corrcoef()", "torch.corrcoef(x[0])",
    "torch.corrcoef(i)", "torch.corrcoef(torch.stack([x[0], x[0] * 0 + 1]))", "torch.corrcoef(v)",
    "torch.corrcoef(torch.ones(2, 2, 2))", "torch.corrcoef(x.double())", "torch.corrcoef(x.half())",
    # logcumsumexp: NaN and infinities, dims, out=, the parser's words
    "torch.logcumsumexp(x, 1)", "x.logcumsumexp(0)", "x.logcumsumexp(-1)", "torch.logcumsumexp(v, 0)",
    "torch.logcumsumexp(torch.tensor([inf, -inf, nan, 1.]), 0)", "torch.logcumsumexp(torch.tensor([-inf, -inf, 1.]), 0)",
    "torch.logcumsumexp(torch.tensor([1., inf, inf]), 0)", "torch.logcumsumexp(i, 0)", "torch.logcumsumexp(x, 2)",
    "torch.logcumsumexp(x)", "x.logcumsumexp(1.5)", "torch.logcumsumexp(torch.ones(0, 3), 1)",
    "torch.logcumsumexp(x.detach(), 1, out=torch.empty(0))", "torch.logcumsumexp(x.detach(), 1, out=torch.empty(0).double())",
    "torch.logcumsumexp(x, 1, out=torch.empty(0))", "torch.logcumsumexp(x.half(), 1)", "torch.logcumsumexp(p, 0)",
    # cdist: both compute modes, every kind of p, batches, and the errors
    "torch.cdist(x, w)", "torch.cdist(x, w, 1)", "torch.cdist(x, w, 0)", "torch.cdist(x, w, inf)",
    "torch.cdist(x, w, 0.5)", "torch.cdist(x, w, 3)", "torch.cdist(x, w, compute_mode='use_mm_for_euclid_dist')",
    "torch.cdist(x, w, compute_mode='donot_use_mm_for_euclid_dist')", "torch.cdist(x, x.detach())",
    "torch.cdist(x.view(2, 1, 3), w.view(1, 2, 3))", "torch.cdist(x, w.view(2, 1, 3), compute_mode='use_mm_for_euclid_dist')",
    "torch.cdist(x[0], w)", "torch.cdist(x, w[:, :2])", "torch.cdist(i, w)", "torch.cdist(x, w, -1)",
    "torch.cdist(x, w, compute_mode='x')", "torch.cdist(x, w, 'a')", "torch.cdist(x, w.double())",
    "torch.cdist(x.half(), w.half())", "torch.cdist(torch.ones(0, 3), w)", "torch.cdist(x[:, :0], w[:, :0])",
    "torch.cdist(x.view(2, 1, 3), torch.ones(3, 2, 3))", "hasattr(x, 'cdist')",
    # the vector norm for other p: pow of each element, added one by one
    "torch.linalg.vector_norm(x, 3)", "x.norm(0.5)", "torch.norm(x, 1.5, dim=1)", "torch.dist(x, w, 2.5)",
    "torch.linalg.vector_norm(x[:, :1], 3, dim=1)",
]


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cov's degrees-of-freedom warning, out='s resize
        assert _outcome(gt, call) == _outcome(torch, call)


def test_cov_warns_as_torch():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert gt.cov(gt.tensor([[1., 2, 4], [3, 1, 2]]), correction=3).isinf().all()


def _run(module, call, arrays, weights_seed=1):
    inputs = [module.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(module, *inputs)
    weights = np.random.default_rng(weights_seed).normal(size=tuple(out.shape)).astype(arrays[0].dtype)
    (out * module.tensor(weights)).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in inputs]


def _bits(values):
    return [np.ascontiguousarray(v).tobytes() for v in values]


BITS = {
    "trapezoid_dx": (lambda T, y: T.trapezoid(y, dx=0.37, dim=0), 1),
    "trapezoid_x": (lambda T, y, x: T.trapezoid(y, x), 2),
    "cumulative_trapezoid": (lambda T, y, x: T.cumulative_trapezoid(y, x, dim=-1), 2),
    "cumulative_trapezoid_dx": (lambda T, y: T.cumulative_trapezoid(y, dim=0), 1),
    "logcumsumexp": (lambda T, y: T.logcumsumexp(y * 3, 1), 1),
    "cdist_2": (lambda T, a, b: T.cdist(a, b), 2),
    "cdist_1": (lambda T, a, b: T.cdist(a, b, 1), 2),
    "cdist_inf": (lambda T, a, b: T.cdist(a, b, float("inf")), 2),
    "cdist_3": (lambda T, a, b: T.cdist(a, b, 3), 2),
    "cdist_half": (lambda T, a, b: T.cdist(a, b, 0.5), 2),
    "cdist_1.5": (lambda T, a, b: T.cdist(a, b, 1.5), 2),
    "norm_3": (lambda T, y: T.linalg.vector_norm(y, 3, dim=1), 1),
    "norm_0.5": (lambda T, y: y.norm(0.5), 1),
}


# logcumsumexp's float32 gradient goes through exp and log, whose float32 kernels differ from
# torch's AVX512 ones in the last bit on ~1% of inputs on this machine (docs/ops.md, session 11);
# its float64 gradient through MKL's float64 exp, numpy's bits on Intel only (docs/floats.md,
# "CPU vendor": with torch's exp in its place the gradients match on AMD too)
VALUES_ONLY = {"float32": ("logcumsumexp",), "float64": () if MKL_MEASURED else ("logcumsumexp",)}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(BITS))
def test_bits_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    call, count = BITS[name]
    rng = np.random.default_rng(len(name))
    for rows, cols in ((1, 1), (3, 5), (7, 17), (4, 33)):
        arrays = [rng.normal(size=(rows + k * (name.startswith("cdist")), cols)).astype(dtype)
                  for k in range(count)]
        got, want = _bits(_run(gt, call, arrays)), _bits(_run(torch, call, arrays))
        if name in VALUES_ONLY.get(dtype, ()):
            got, want = got[:1], want[:1]
        assert got == want, (rows, cols)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", pytest.param("float64", marks=needs_measured_mkl)])
@pytest.mark.parametrize("name", ["cov", "corrcoef", "cov_weights", "cdist_mm"])
def test_products_match_torch(name, dtype):
    """through MKL's small products (float64: blas_order_double), forward and gradients"""
    torch = pytest.importorskip("torch")
    calls = {"cov": lambda T, y: T.cov(y), "corrcoef": lambda T, y: T.corrcoef(y),
             "cov_weights": lambda T, y: T.cov(y, fweights=T.tensor([1, 2, 0, 3, 1, 1, 2]),
                                               aweights=T.arange(1., 8.) / 3),
             "cdist_mm": lambda T, y: T.cdist(y, y[:3] * 2, compute_mode="use_mm_for_euclid_dist")}
    rng = np.random.default_rng(3)
    for rows in (1, 2, 5, 12):
        arrays = [(rng.normal(size=(rows, 7)) * 3 + 1).astype(dtype)]
        ours, theirs = _run(gt, calls[name], arrays), _run(torch, calls[name], arrays)
        if name in _TAKES_SQRT and dtype == "float32" and not MKL_MEASURED:
            # a float32 sqrt of the variances (distances), MKL's, followed on Intel only
            for mine, want in zip(ours, theirs):
                np.testing.assert_allclose(mine, want, rtol=1e-5, atol=1e-6, err_msg=UNMEASURED)
        else:
            assert _bits(ours) == _bits(theirs)


_TAKES_SQRT = ("corrcoef", "cdist_mm")


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vector_norm_bits_match_torch(dtype):
    """the general p's order and p = 1's (both added one by one in memory order, not
    pairwise): every length 1 to 40 and a few longer, dims and a transpose"""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for p in (3.0, 0.5, 1.5, -1.0, 1):
        for n in list(range(1, 41)) + [64, 257, 1000, 5000]:
            a = rng.normal(size=n).astype(dtype)
            assert (gt.linalg.vector_norm(gt.from_numpy(a), p).numpy().tobytes()
                    == torch.linalg.vector_norm(torch.from_numpy(a), p).numpy().tobytes())
        m = rng.normal(size=(5, 90)).astype(dtype)
        for dim in (0, 1, (0, 1)):
            for t in (m, m.T):
                assert (gt.linalg.vector_norm(gt.from_numpy(t), p, dim).numpy().tobytes()
                        == torch.linalg.vector_norm(torch.from_numpy(t), p, dim).numpy().tobytes())


# ---------------------------------------------------------------------------------------------
# Gradients against central differences (no torch needed)

GRADIENTS = {
    "trapezoid": lambda a: gt.trapezoid(a, dx=0.3) * gt.trapezoid(a, gt.tensor([0., 1.5], dtype=a.dtype), dim=0).sum(),
    "trapezoid_x": lambda a: gt.trapezoid(a[1], a[0].exp().cumsum(0)),
    "cumulative_trapezoid": lambda a: gt.cumulative_trapezoid(a, a[1].exp().cumsum(0)) * gt.cumulative_trapezoid(a, dx=2),
    "cov": lambda a: gt.cov(a) + gt.cov(a, aweights=a[0].exp(), correction=0).sum(),
    "corrcoef": lambda a: gt.corrcoef(a * gt.tensor([[1.], [-2.]]) + gt.arange(3.)),
    "logcumsumexp": lambda a: gt.logcumsumexp(a, 1) * gt.logcumsumexp(a, 0).sum(),
    # away from a zero distance, where the norm has no derivative (torch's is then 0)
    "cdist": lambda a: gt.cdist(a, a.flip(0) * 2 + 3) * gt.cdist(a, a + 1, 3).sum() * gt.cdist(a, a - 2, 1.5).sum(),
    "cdist_mm": lambda a: gt.cdist(a + 5, a, compute_mode="use_mm_for_euclid_dist"),
    "norm_p": lambda a: gt.linalg.vector_norm(a + 4, 3, dim=1) * (a + 4).norm(1.5),
}
FIRST_ORDER_ONLY = {"cdist"}  # torch's _cdist_backward has no derivative of its own


@pytest.mark.parametrize("name", list(GRADIENTS))
@SETTINGS
@given(values=arrays_of((2, 3)))
def test_gradients_match_central_differences(name, values):
    check_gradients(GRADIENTS[name], [values], second_order=name not in FIRST_ORDER_ONLY)


def test_without_torch():
    x = gt.tensor([[1., 2., 4.], [3., 1., 2.]])
    assert gt.trapezoid(x).tolist() == [4.5, 3.5]
    assert gt.cumulative_trapezoid(x[0]).tolist() == [1.5, 4.5]
    assert gt.cov(x).tolist()[0][1] == -0.5
    assert gt.logcumsumexp(gt.tensor([0., 0.]), 0)[1].item() == np.float32(np.log(2))
    assert gt.cdist(x, x, 1).tolist() == [[0., 5.], [5., 0.]]
    with pytest.raises(RuntimeError, match="cov\\(\\): fweights cannot be negative"):
        gt.cov(x, fweights=gt.tensor([1, -1, 1]))
