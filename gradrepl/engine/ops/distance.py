"""Rows ATen's distance functions record under overload names of their own: ``x + eps`` through
``at::add(Tensor, Scalar)`` (``AddBackward1``) and ``at::norm(Tensor, Scalar, dims, keepdim)``
(``NormBackward1``), both in pairwise_distance. The norm is computed by the same kernel as
``linalg.vector_norm``, so the row borrows that row's forward and backward.
"""

from __future__ import annotations

from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.ops.scalar_arith import _as_dtype
from gradrepl.engine.ops.statistics import NORM

ADD_SCALAR = Primitive(
    "add", "AddBackward1", lambda a, s: a + _as_dtype(a, s),
    lambda F, g, inputs, out, params, needs: (g,), saves=False)

NORM_SCALAR_DIMS = Primitive("norm", "NormBackward1", NORM.forward, NORM.backward,
                             uses_output=True)
