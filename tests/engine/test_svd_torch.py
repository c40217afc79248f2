"""torch.linalg.svd and torch.svd through LAPACK's gesdd in the input's own precision (ops/lapack.py):
rank-deficient float32 matrices get torch's tiny singular values and vector signs; torch.svd's V,
some= and compute_uv=. Live torch where installed (skipped without); the rest runs without it."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from gradrepl.engine.ops import lapack
from tests.cpu_vendor import MKL_MEASURED

MATRICES = {
    "ones_2x2": lambda T: T.ones(2, 2),
    "rank_one": lambda T: T.tensor([[1., 2.], [2., 4.]]),
    "zeros": lambda T: T.zeros(2, 2),
    "ones_2x2_double": lambda T: T.ones(2, 2, dtype=T.float64),
    "square": lambda T: T.tensor([[0.5, -1.25, 2.], [3., 0.25, -0.75], [1., 1., 4.]]),
}


def _factors(torch, name, legacy):
    A = MATRICES[name](torch)
    out = torch.svd(A) if legacy else torch.linalg.svd(A)
    return [t.numpy() for t in out], repr(out)


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("name", MATRICES)
def test_svd_matches_torch(name, legacy):
    torch = pytest.importorskip("torch")
    want, printed = _factors(torch, name, legacy)
    got, mine = _factors(gt, name, legacy)
    assert mine == printed
    for w, g in zip(want, got):
        np.testing.assert_allclose(g, w, rtol=0, atol=4 * np.finfo(w.dtype).eps)


@pytest.mark.skipif(lapack._routines() is None, reason="numpy without its bundled OpenBLAS")
def test_float32_is_factored_in_float32():
    U, S, Vh = gt.linalg.svd(gt.ones(2, 2))
    # float32 rounding, not float64's: a tiny singular value from Intel's LAPACK (torch's is the
    # same), an exact 0 from the LAPACK AMD CPUs run (as torch's there, measured in session 15)
    smallest = S[1].item()
    assert S.dtype == gt.float32 and (0 < smallest if MKL_MEASURED else 0 <= smallest) and \
        smallest < 1e-6
    assert Vh.tolist()[1][0] < 0 < Vh.tolist()[1][1]
    A = np.random.default_rng(0).standard_normal((3, 4, 2)).astype(np.float32)
    u, s, vh = lapack.gesdd(A, full_matrices=False)
    np.testing.assert_allclose(u @ (s[..., None] * vh), A, atol=1e-5)
    assert lapack.gesdd(np.ones((0, 2), np.float32), True) is None


def test_legacy_svd_returns_v_and_honours_some_and_compute_uv():
    x = gt.ones(3, 2, requires_grad=True)
    U, S, V = gt.svd(x)
    assert (U.shape, S.shape, V.shape) == ((3, 2), (2,), (2, 2))
    assert V.grad_fn.name() == "TransposeBackward0" and S.grad_fn.name() == "LinalgSvdBackward0"
    assert [tuple(t.shape) for t in x.svd(some=False)] == [(3, 3), (2,), (2, 2)]
    U, S, V = gt.svd(x, compute_uv=False)
    assert U.tolist() == [[0.] * 3] * 3 and V.tolist() == [[0.] * 2] * 2 and U.grad_fn is None
    assert repr(gt.svd(gt.ones(2, 2))).startswith("torch.return_types.svd(\nU=")
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        gt.svd(gt.ones(2, 2, dtype=gt.int64))
