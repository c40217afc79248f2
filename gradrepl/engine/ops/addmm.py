"""addmm: ``bias + mat1 @ mat2`` in one node, what ``nn.Linear`` records on 2-D input.

torch's CPU addmm (beta=1, alpha=1) gives exactly ``mm(mat1, mat2) + bias`` (checked on float32
for batches of 4 to 100 rows), so the product is the engine's own ``mm`` forward and the bias is
added after it; whatever makes ``mm`` match torch's BLAS makes this match too.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.ops.linalg import _mm_backward, _mm_forward
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.tensor import Tensor


def _check_dtypes(bias, mat1, mat2) -> None:
    # torch checks the two matrices first, then the added tensor against them
    for name, first in (("mat1", mat1), ("self", bias)):
        if first.dtype != mat2.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got "
                f"{dtypes.scalar_type_name(first.dtype)} and {dtypes.scalar_type_name(mat2.dtype)}")


def _addmm_forward(bias, mat1, mat2):
    _check_dtypes(np.asarray(bias), mat1, mat2)
    product = _mm_forward(mat1, mat2)
    try:
        out = np.broadcast_to(bias, product.shape)
    except ValueError:
        sizes = ", ".join(str(n) for n in np.shape(bias))
        raise RuntimeError(
            f"The expanded size of the tensor ({product.shape[-1]}) must match the existing size "
            f"({np.shape(bias)[-1]}) at non-singleton dimension 1.  Target sizes: "
            f"[{product.shape[0]}, {product.shape[1]}].  Tensor sizes: [{sizes}]"
        ) from None
    return (product + out).astype(product.dtype, copy=False)


def _addmm_backward(F, g, inputs, out, params, needs):
    bias, mat1, mat2 = inputs
    grad_bias = F.sum_to(g, bias) if needs[0] else None
    grad_mat1, grad_mat2 = _mm_backward(F, g, (mat1, mat2), out, params, needs[1:])
    return grad_bias, grad_mat1, grad_mat2


ADDMM = Primitive("addmm", "AddmmBackward0", _addmm_forward, _addmm_backward)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; only beta = alpha = 1, what nn.Linear uses."""
    if beta != 1 or alpha != 1:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.addmm with beta or alpha other than 1")
    return apply(ADDMM, (input, mat1, mat2))
