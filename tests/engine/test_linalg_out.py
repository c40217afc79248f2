"""``out=`` on torch.linalg's functions against live torch: accepted or refused as torch does (its
words, its exception), the very ``out`` returned (``torch.return_types.*_out`` for tuples), values
written, and norm/matrix_norm's differentiable copy into ``out``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _args(lib, name):
    A = lib.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]], dtype=lib.float64)
    B = lib.tensor([[1.0, 2.0], [0.5, 1.0], [2.0, 0.0]], dtype=lib.float64)
    return {"solve": (A, B), "matmul": (A, B), "cross": (A, A.flip(0)),
            "vector_norm": (A[0],)}.get(name, (A,))


NAMES = ["det", "inv", "solve", "cholesky", "eigh", "eigvalsh", "pinv", "qr", "slogdet", "svd",
         "svdvals", "matrix_norm", "norm", "vector_norm", "cross", "matmul", "diagonal"]
DTYPES = ["same", "float32", "float16", "int64", "bool"]


def _outcome(lib, name, dtype, grad=False, which=None):
    args = _args(lib, name)
    if grad:
        args = (args[0].clone().requires_grad_(),) + args[1:]
    function = getattr(lib.linalg, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = function(*args)
        results = plain if isinstance(plain, tuple) else (plain,)
        outs = tuple(lib.empty(0, dtype=r.dtype if dtype == "same" or which not in (None, i) else getattr(lib, dtype))
                     for i, r in enumerate(results))
        out = outs if isinstance(plain, tuple) else outs[0]
        try:
            returned = function(*args, out=out)
        except Exception as error:
            return type(error).__name__, str(error).splitlines()[0]
    got = returned if isinstance(returned, tuple) else (returned,)
    return (type(returned).__name__, [g is o for g, o in zip(got, outs)], [str(o.dtype) for o in outs],
            [o.grad_fn.name() if o.grad_fn else None for o in outs],
            [np.asarray(o.detach().tolist()) for o in outs])


def _same(mine, expected):
    if mine[:-1] != expected[:-1]:
        return False
    # values: LAPACK and numpy agree to rounding (the engine's linalg docs)
    return all(np.allclose(a, b, rtol=1e-6, atol=1e-12) for a, b in zip(mine[-1], expected[-1])) \
        if len(mine) == 5 else mine == expected


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_linalg_out_matches_torch(name, dtype):
    mine, expected = _outcome(gtorch, name, dtype), _outcome(torch, name, dtype)
    assert _same(mine, expected), (mine, expected)


@pytest.mark.parametrize("name", ["eigh", "qr", "slogdet", "svd"])
def test_linalg_out_checks_each_result(name):
    for which in range(3 if name == "svd" else 2):
        mine, expected = _outcome(gtorch, name, "float32", which=which), _outcome(torch, name, "float32", which=which)
        assert _same(mine, expected), (which, mine, expected)


@pytest.mark.parametrize("name", NAMES)
def test_linalg_out_with_grad_matches_torch(name):
    mine, expected = _outcome(gtorch, name, "same", grad=True), _outcome(torch, name, "same", grad=True)
    assert _same(mine, expected), (mine, expected)


@pytest.mark.parametrize("name,out", [("det", 5), ("eigh", (1,)), ("svd", 5), ("inv", (1,))])
def test_linalg_out_of_the_wrong_kind_matches_torch(name, out):
    def error(lib):
        o = out if isinstance(out, int) else (lib.empty(0),) * len(out)
        try:
            getattr(lib.linalg, name)(*_args(lib, name), out=o)
        except TypeError as e:
            return str(e)
    assert error(gtorch) == error(torch)
