"""torch.linalg's norms: vector_norm, matrix_norm and norm, composed as torch composes them.

``matrix_norm`` is a ``vector_norm`` for 'fro', a sum of singular values for 'nuc', and the
largest (or smallest) of column or row sums, or of singular values, for the other orders: the
grad_fn on top is then torch's AmaxBackward0 / AminBackward0, whose gradient goes evenly to tied
entries (torch's scale_grad_by_count).
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.ops.linalg_decomp import svdvals
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.reductions import sum as _sum
from gradrepl.engine.ops.statistics import norm as _vector_norm
from gradrepl.engine.tensor import Tensor, wrap_dim


def _extreme_backward(F, g, inputs, out, params, needs):
    (dim,) = params
    x = inputs[0]
    data = x._data if isinstance(x, Tensor) else x
    best = np.expand_dims(np.asarray(out._data if isinstance(out, Tensor) else out), dim)
    tied = np.asarray(data) == best
    count = np.sum(tied, axis=dim, keepdims=True).astype(best.dtype)
    return (F.where(tied, F.unsqueeze(g, dim) / count, 0.0),)


# amax / amin over one dim, as matrix_norm uses them (the general ops belong to the reductions)
AMAX = Primitive("amax", "AmaxBackward0", lambda a, dim: np.max(a, axis=dim), _extreme_backward,
                 inputs=("self",), params=("dim",), saves=("self", "result"))
AMIN = Primitive("amin", "AminBackward0", lambda a, dim: np.min(a, axis=dim), _extreme_backward,
                 inputs=("self",), params=("dim",), saves=("self", "result"))


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number as ord, got {ord!r}")
    return _vector_norm(x, float(ord), dim, keepdim, dtype)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    d0, d1 = (wrap_dim(d, A.ndim) for d in dim)
    if ord == "fro":
        return _vector_norm(A, 2.0, (d0, d1), keepdim, dtype)
    if keepdim or (d0, d1) != (A.ndim - 2, A.ndim - 1):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.linalg.matrix_norm(ord={ord!r}) with keepdim or other dims")
    if ord == "nuc":
        return _sum(svdvals(A), -1)
    if ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    largest = ord > 0
    if abs(ord) == 2:
        values = svdvals(A)
    else:
        # 1: the largest column sum (over rows); inf: the largest row sum
        values = _vector_norm(A, 1.0, (d0 if abs(ord) == 1 else d1,), False, dtype)
    return apply(AMAX if largest else AMIN, (values,), (values.ndim - 1,))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if isinstance(ord, str) or (ord is not None and (A.ndim == 2 and dim is None
                                                      or isinstance(dim, tuple) and len(dim) == 2)):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    if ord is not None and dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
