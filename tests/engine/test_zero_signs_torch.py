"""Signs of zero in products of one inner dim (a column times a row): MKL keeps each element's
one product (-0 included) when there are several rows and columns, and starts a single row or
column (gemv) from +0; F.linear adds a -0 bias to it. Live torch when installed; the recorded
signs (torch 2.13, Intel Xeon) without it."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
import gradrepl.torch.nn.functional as GF
from gradrepl.engine.ops.blas_order import INTEL, vendor

pytestmark = pytest.mark.skipif(vendor() != INTEL, reason="measured on Intel's MKL")

CALLS = {
    "mm": lambda T, F, x, w, b: T.mm(x, w),
    "mm_transposed": lambda T, F, x, w, b: T.mm(w.t(), x.t()),
    "addmm": lambda T, F, x, w, b: T.addmm(b, x, w),
    "addmm_beta0": lambda T, F, x, w, b: T.addmm(b, x, w, beta=0),
    "linear": lambda T, F, x, w, b: F.linear(x, w.t().contiguous(), b),
    "batched_folded": lambda T, F, x, w, b: x[None] @ w,
    "one_column": lambda T, F, x, w, b: T.mm(x, w[:, :1]),
    "one_row": lambda T, F, x, w, b: T.addmm(b, x[:1], w),
    "mv": lambda T, F, x, w, b: T.mv(x, w[0, :1]),
}


def _signs(T, F, name, dtype):
    x = T.tensor([[-1.], [0.], [2.], [-0.]], dtype=dtype)
    w = T.tensor([[0., -0., 1., 0., -1.]], dtype=dtype)
    b = T.tensor([-0., -0., 0., -0., -0.], dtype=dtype)
    return np.signbit(CALLS[name](T, F, x, w, b).numpy()).astype(int).tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CALLS)
def test_zero_signs_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    want = _signs(torch, F, name, getattr(torch, dtype))
    assert _signs(gt, GF, name, getattr(gt, dtype)) == want


RECORDED = {  # torch 2.13 on the Intel Xeon, float32
    'mm': [[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [0, 1, 0, 0, 1], [1, 0, 1, 1, 0]],
    'addmm': [[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [0, 1, 0, 0, 1], [1, 0, 0, 1, 0]],
    'one_column': [[0], [0], [0], [0]],
    'one_row': [[1, 0, 1, 1, 0]],
}


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_signs(name):
    assert _signs(gt, GF, name, gt.float32) == RECORDED[name]
