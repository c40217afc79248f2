"""torch.cosine_similarity and torch.pairwise_distance (also ``torch.nn.functional``'s), and the
rows ATen's distance functions record under overload names of their own: ``x + eps`` through
``at::add(Tensor, Scalar)`` (``AddBackward1``) and ``at::norm(Tensor, Scalar, dims, keepdim)``
(``NormBackward1``), both in pairwise_distance. The norm is computed by the same kernel as
``linalg.vector_norm``, so the row borrows that row's forward and backward.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.scalar_arith import _as_dtype
from gradrepl.engine.ops.statistics import NORM

ADD_SCALAR = Primitive("add", "AddBackward1", lambda a, s: a + _as_dtype(a, s),
                       inputs=("self",), params=("other",),
                       derivatives={"self": lambda grad: grad})

NORM_SCALAR_DIMS = Primitive("norm", "NormBackward1", NORM.forward, NORM.backward,
                             inputs=("self",), saves=("self", "result"))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of x1 and x2 along dim (ATen's Distance.cpp graph)."""
    from gradrepl.engine import ops as _ops
    from gradrepl.engine.grad_mode import no_grad

    if x1.shape != x2.shape:
        shape = tuple(np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)))
        x1, x2 = _ops.expand(x1, shape), _ops.expand(x2, shape)
    # ATen clones the norms and clamps the clones in place without recording the clamp
    norm1 = _ops.clone(_ops.norm(x1, 2, dim, keepdim=True))
    norm2 = _ops.clone(_ops.norm(x2, 2, dim, keepdim=True))
    with no_grad():
        norm1.clamp_min_(eps)
        norm2.clamp_min_(eps)
    return _ops.sum(_ops.mul(_ops.div(x1, norm1), _ops.div(x2, norm2)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm distance between the rows of x1 and x2 (``norm(x1 - x2 + eps, p, -1)``)."""
    from gradrepl.engine import ops as _ops

    ndim = max(x1.dim(), x2.dim())
    dim = ndim - 1 if ndim else 0
    difference = apply_unary(ADD_SCALAR, _ops.sub(x1, x2), (eps,))
    dims = (dim,) if difference.dim() else ()
    return apply_unary(NORM_SCALAR_DIMS, difference,
                       (float(p), dims, bool(keepdim), None))


def _recorded_rows():
    """The rows these composites record, for the docs (imported here: the families load first)."""
    from gradrepl.engine.ops.arithmetic import DIV, MUL, SUB
    from gradrepl.engine.ops.conversion import CLONE
    from gradrepl.engine.ops.reductions import SUM_DIM

    return (SUM_DIM, MUL, DIV, CLONE, NORM), (ADD_SCALAR, NORM_SCALAR_DIMS, SUB)


_COSINE_ROWS, _DISTANCE_ROWS = _recorded_rows()
register("cosine_similarity", cosine_similarity, section="neural network", method=False,
         rows=_COSINE_ROWS)
register("pairwise_distance", pairwise_distance, section="neural network", method=False,
         rows=_DISTANCE_ROWS)
