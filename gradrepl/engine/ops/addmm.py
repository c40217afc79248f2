"""addmm: ``input + mat1 @ mat2`` in one node, what ``nn.Linear`` records on 2-D input.

torch's CPU addmm (beta=1, alpha=1) gives exactly ``mm(mat1, mat2) + input`` (checked on float32
for batches of 4 to 100 rows), so the product is the engine's own ``mm`` forward and the bias is
added after it; whatever makes ``mm`` match torch's BLAS makes this match too.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.linalg import _mm_forward
from gradrepl.engine.ops.primitive import apply
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor


def _same_dtypes(bias, mat1, mat2) -> None:
    # torch's addmm checks these before mm's own check, in this order
    for name, a in (("self", bias), ("mat1", mat1)):
        if np.result_type(a) != mat2.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{scalar_type_name(np.result_type(a))} and "
                               f"{scalar_type_name(mat2.dtype)}")


def _addmm_forward(bias, mat1, mat2):
    _same_dtypes(bias, mat1, mat2)
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


# derivatives.yaml: self: grad (beta = 1), summed back to its broadcast shape, so self is not
# saved; mat1 and mat2 as mm's (mm_mat1_backward reads mat2, mm_mat2_backward reads mat1)
ADDMM = Primitive("addmm", "AddmmBackward0", _addmm_forward, inputs=("self", "mat1", "mat2"),
                  broadcasts=True,
                  derivatives={
                      "self": lambda grad: grad,
                      "mat1": lambda F, grad, mat2: F.matmul(grad, F.transpose(mat2, 0, 1)),
                      "mat2": lambda F, grad, mat1: F.matmul(F.transpose(mat1, 0, 1), grad)})


def _only_ones(beta, alpha):
    if beta != 1 or alpha != 1:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.addmm with beta or alpha other than 1")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; only beta = alpha = 1, what nn.Linear uses."""
    _only_ones(beta, alpha)
    return apply(ADDMM, (input, mat1, mat2))


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    _only_ones(beta, alpha)
    return apply_inplace(ADDMM, self, (mat1, mat2))


register("addmm", addmm, section="linear algebra", rows=(ADDMM,), inplace=addmm_, out=True)
