"""addmm: ``input + mat1 @ mat2`` in one node, what ``nn.Linear`` records on 2-D input.

torch's CPU addmm (beta=1, alpha=1) gives exactly ``mm(mat1, mat2) + input`` (checked on float32
for batches of 4 to 100 rows), so the product is the engine's own ``mm`` forward and the bias is
added after it; whatever makes ``mm`` match torch's BLAS makes this match too. Other beta and
alpha scale the two terms before the sum; beta = 0 ignores ``input`` (nan included), as torch.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.blas_order import (
    addmm_keeps_product_sign, bias_enters_blocks, column_times_row, fuses_bias, linear_column,
    product_from_zero,
)
from gradrepl.engine.ops import blas_order_amd
from gradrepl.engine.ops.linalg import _mm_forward, mm_mat1_grad, mm_mat2_grad
from gradrepl.engine.ops.linalg_products import check_add_shape
from gradrepl.engine.ops.summation import float_sum
from gradrepl.engine.ops.primitive import _mixed, _record, apply
from gradrepl.engine import grad_mode
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor


def _same_dtypes(bias, mat1, mat2) -> None:
    # torch's addmm checks these before mm's own check, in this order
    for name, a in (("self", bias), ("mat1", mat1)):
        if np.result_type(a) != mat2.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{scalar_type_name(np.result_type(a))} and "
                               f"{scalar_type_name(mat2.dtype)}")


def _addmm_forward(bias, mat1, mat2, beta, alpha):
    _same_dtypes(bias, mat1, mat2)
    if alpha == 1 and beta == 1 and fuses_bias(mat1, mat2) and np.result_type(bias) == mat1.dtype:
        return _bias_fused(bias, mat1, mat2)
    if alpha == 1 and beta == 1 and np.result_type(bias) == mat1.dtype \
            and bias_enters_blocks(mat1, mat2):
        return blas_order_amd.addmm(bias, mat1, mat2)
    if beta != 0 and addmm_keeps_product_sign(mat1, mat2) and mat1.ndim == mat2.ndim == 2 \
            and mat1.shape[1] == mat2.shape[0] and mat1.dtype == mat2.dtype:
        product = column_times_row(mat1, mat2)  # accumulated into the bias without a +0 start
    else:
        product = _mm_forward(mat1, mat2)
    if beta == 0:  # torch ignores self entirely (nan and inf included) when beta is 0
        return np.broadcast_to(_scaled(product, alpha), product.shape).copy()
    if alpha == 1 and beta == 1 and type(product) is np.ndarray:  # nn.Linear's case
        # mm's result is a fresh array; bias (checked: same dtype, broadcastable) adds into it
        return np.add(product, bias, out=product)
    out = np.broadcast_to(bias, product.shape)  # addmm checked the shapes already
    return np.asarray(_scaled(product, alpha) + _scaled(out, beta), dtype=product.dtype)


def _bias_fused(bias, mat1, mat2):
    """MKL's gemm with k = 1 (``blas_order.fuses_bias``): bias + mat1 @ mat2 rounded once."""
    from gradrepl.engine.float_math.fused import fma32
    from gradrepl.engine.vector_math import fma64

    fma = fma64 if mat1.dtype == np.float64 else fma32
    shape = (mat1.shape[0], mat2.shape[1])  # addmm checked that bias broadcasts to it
    return np.array(np.broadcast_to(fma(mat1, mat2, bias), shape), mat1.dtype)


_F32_TYPE = np.dtype(np.float32)


def _scaled(x, factor):
    return x if factor == 1 else x * factor


def _self_grad(grad, beta, self_shape):
    """``maybe_multiply(grad, beta)``, summed back to the shape of ``self`` by the walk's
    ``sum_to``; for nn.Linear's bias (beta 1, a float matrix of gradients, a bias of one value
    per column, more than one column) the sum over the rows here, the ``float_sum`` call
    ``sum_to`` comes to (torch's ``sum_to_size``: its sum kernel over dim 0), without its
    unbroadcasting steps (tests/engine/test_mlp_step_paths.py compares both)."""
    if (BIAS_SUMS and type(grad) is np.ndarray and beta == 1 and grad.ndim == 2
            and len(self_shape) == 1 and self_shape[0] == grad.shape[1] != 1
            and grad.dtype in _FLOATS):
        # a view, as torch's sum_to (a keepdim sum viewed without its leading dim) gives:
        # backward never adds into it in place (the .grad's _version, grad_versions.py)
        return float_sum(grad, (0,)).view()
    return _scaled(grad, beta)


# False: the bias gradient through the walk's sum_to (the tests compare)
BIAS_SUMS = True


# derivatives.yaml: self: maybe_multiply(grad, beta), summed back to its broadcast shape, so self
# is not saved (its shape is kept, as torch's sum_to reads it); mat1 and mat2 as mm's times alpha (mm_mat1_backward reads mat2 and mat1's layout,
# mm_mat2_backward reads mat1 and mat2's layout)
ADDMM = Primitive("addmm", "AddmmBackward0", _addmm_forward, inputs=("self", "mat1", "mat2"),
                  params=("beta", "alpha"), broadcasts=True,
                  derivatives={
                      "self": lambda grad, beta, self_shape: _self_grad(grad, beta, self_shape),
                      "mat1": lambda F, grad, mat2, alpha, mat1_strides, mat1_shape:
                          _scaled(mm_mat1_grad(F, grad, mat2, mat1_strides, mat1_shape), alpha),
                      "mat2": lambda F, grad, mat1, alpha, mat2_strides, mat2_shape:
                          _scaled(mm_mat2_grad(F, grad, mat1, mat2_strides, mat2_shape), alpha)})


# False: every addmm through the general path (apply), which the tests compare the short path with
SHORT_PATH = True
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_grad_enabled = grad_mode._enabled
_new = object.__new__


def _linear_case(input, mat1, mat2):
    """``input + mat1 @ mat2`` for nn.Linear's operands (float32 or float64 arrays of one dtype,
    two matrices whose shapes fit and a bias of one row or one value), or None for anything
    else. The same calls as ``_addmm_forward`` makes when beta and alpha are 1, without its
    checks, which these operands pass."""
    b, a, m = input._data, mat1._data, mat2._data
    if not (type(a) is np.ndarray and type(m) is np.ndarray and type(b) is np.ndarray):
        return None
    dtype = a.dtype
    if m.dtype is not dtype or b.dtype is not dtype or dtype not in _FLOATS \
            or a.ndim != 2 or m.ndim != 2 or b.ndim != 1 or a.shape[1] != m.shape[0] \
            or b.shape[0] not in (m.shape[1], 1):
        return None
    if a.shape[1] == 1 and fuses_bias(a, m):
        return _bias_fused(b, a, m)
    if m.shape[1] == 1 and dtype is _F32_TYPE:  # nn.Linear(k, 1): MKL's gemv on a few rows
        out = linear_column(a, m, b)
        if out is not None:
            return out
    if bias_enters_blocks(a, m):  # AMD's fused chains in k blocks: the bias enters the first
        return blas_order_amd.addmm(b, a, m)
    product = product_from_zero(a, m)  # linalg._positive_zeros: BLAS sums start from +0
    if type(product) is not np.ndarray:
        return None
    return np.add(product, b, out=product)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; what nn.Linear records on 2-D input."""
    if SHORT_PATH and type(beta) is int and type(alpha) is int and beta == 1 and alpha == 1 \
            and isinstance(input, Tensor) and isinstance(mat1, Tensor) and isinstance(mat2, Tensor):
        out = _linear_case(input, mat1, mat2)
        if out is not None:  # short path: apply's calls, without its dispatch
            result = _new(Tensor)
            result._data = out
            if _grad_enabled[0] and (
                    input._requires_grad or mat1._requires_grad or mat2._requires_grad):
                arrays = [input._data, mat1._data, mat2._data]
                _record(ADDMM, result, out, (input, mat1, mat2), (beta, alpha), arrays,
                        _mixed(out, arrays))
            return result
    if mat1.ndim == 2 and mat2.ndim == 2:
        check_add_shape(input, (mat1.shape[0], mat2.shape[1]))
    return apply(ADDMM, (input, mat1, mat2), (beta, alpha))


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return apply_inplace(ADDMM, self, (mat1, mat2), (beta, alpha))


register("addmm", addmm, section="linear algebra", rows=(ADDMM,), inplace=addmm_, out=True, out_dtype="exact")
