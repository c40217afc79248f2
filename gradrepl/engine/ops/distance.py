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


# ---------------------------------------------------------------------------------------------
# dist (session 10, l-more): at::norm(self - other, p) over every element, its own row
# (derivatives.yaml's DistBackward0: norm_backward of the difference, negated for other)

def _dist_forward(a, b, p):
    from gradrepl.engine.ops.promotion import result_dtype

    difference = np.subtract(a, b, dtype=result_dtype(a, b))
    return NORM.forward(difference, p, tuple(range(difference.ndim)), False, None)


def _dist_backward(F, g, inputs, out, params, needs):
    (p,) = params
    a, b = inputs
    if p == 0:  # norm_backward's undefined gradient; negating it for other is torch's error
        if needs[1]:
            raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in "
                               "C++) for argument #0 'self'")
        return (None, None)
    difference = a - b
    ndim = len(np.shape(difference))
    (grad,) = NORM.backward(F, g, (difference,), out, (p, tuple(range(ndim)), False, None),
                            (True,))
    return (F.sum_to(grad, a) if needs[0] else None,
            F.sum_to(-grad, b) if needs[1] else None)


DIST = Primitive("dist", "DistBackward0", _dist_forward, _dist_backward,
                 inputs=("self", "other"), params=("p",), saves=("self", "other", "result"))


def dist(input, other, p=2):
    """the p-norm of input - other (broadcast), a 0-d tensor"""
    from gradrepl.engine.keywords import check_types
    from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES
    from gradrepl.engine.ops.primitive import apply
    from gradrepl.engine.ops.promotion import raise_broadcast_error, result_dtype

    check_types(("Tensor", input), ("Tensor", other), ("Number", p))
    a, b = input._data, other._data
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise_broadcast_error(a, b)
    dtype = np.dtype(result_dtype(a, b))
    if dtype.kind != "f":
        from gradrepl.engine.dtypes import from_numpy_dtype

        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {SCALAR_TYPE_NAMES[from_numpy_dtype(dtype)]} instead.")
    p = float(p.item() if hasattr(p, "item") else p)
    return apply(DIST, (input, other), (p,))


def _register_dist():
    from gradrepl.engine.keywords import torch_parsed

    register("dist", torch_parsed("dist", method=False)(dist), section="neural network",
             rows=(DIST,), method=torch_parsed("dist")(dist))


_register_dist()
