"""matmul with an operand of three or more dims, built from the ops ATen's ``_matmul_impl`` runs.

torch's matmul is a composite, so the graph a lesson walks (``(a @ b).grad_fn.next_functions``)
is made of the ops it runs, and so is gradrepl's:

- **fold**: a vector or matrix times a batch whose leading dims fold into the rows of one matrix
  without a copy (or whose small operand requires grad: torch folds then, so that the backward
  does not build the expanded gradient) is one ``mm``/``mv`` on the folded operand, viewed back
  (UnsafeViewBackward0 over MmBackward0). A matrix @ batch folds the batch's transpose and
  transposes the result back, copied when that is not contiguous (CloneBackward0 over
  TransposeBackward0);
- **bmm**: otherwise both operands expand to the broadcast batch (ExpandBackward0), fold it into
  one dim (ViewBackward0, or UnsafeViewBackward0 over CloneBackward0 when that needs a copy),
  and one ``bmm`` is viewed back;
- a 3-D @ 3-D whose batch is 1 on a side that requires grad squeezes that side first
  (SqueezeBackward1) and folds.

The steps are written once (``_matmul``) over two sets of operations: the recorded tensor ops
when an operand requires grad, and plain array operations otherwise (nothing is recorded then,
and the tensors in between would cost up to eight op calls). Without grad, the bmm branch's
value is also taken without its expanded copies (``_broadcast_product``: the small-matrix loop
sums each matrix alone). tests/torch_api/test_matmul_graph_torch.py checks the two against
each other (``SHORT_PATH``) and both against torch.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.blas_order import one_matrix_batch, small_batched_product
from gradrepl.engine.ops.conversion import CONTIGUOUS, contiguous
from gradrepl.engine.ops.derivatives import element_strides
from gradrepl.engine.ops.linalg import MM, MV, _mm_forward, _mv_forward, _positive_zeros
from gradrepl.engine.ops.primitive import Primitive, apply, wrap
from gradrepl.engine.ops.promotion import raise_broadcast_error
from gradrepl.engine.tensor import new_tensor

# ---------------------------------------------------------------------------------------------
# bmm, the batched product matmul folds to (torch.bmm's own row; registered in linalg_products)


def _same_dtype(a, b) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(a.dtype)} but found "
                           f"{scalar_type_name(b.dtype)}")


def bmm_forward(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
            f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(a, b)
    small = small_batched_product(a, b)
    if small is not None:  # (torch's result is contiguous; the loop's sum need not be)
        return np.ascontiguousarray(small.astype(a.dtype, copy=False))
    one = one_matrix_batch(a, b)
    if one is not None:  # (a fresh, contiguous array that ends with an add of +0)
        return one
    return _positive_zeros(np.matmul(a, b))


def _bmm_backward(F, g, inputs, out, params, needs):
    # derivatives.yaml: grad.bmm(mat2.transpose(1, 2)), self.transpose(1, 2).bmm(grad): bmm
    # rows, so that a create_graph=True gradient records BmmBackward0 as torch's does
    a, b = inputs
    return (F.apply(BMM, (g, F.transpose(b, 1, 2))) if needs[0] else None,
            F.apply(BMM, (F.transpose(a, 1, 2), g)) if needs[1] else None)


BMM = Primitive("bmm", "BmmBackward0", bmm_forward, _bmm_backward, inputs=("self", "mat2"),
                saves={"self": ("mat2",), "mat2": ("self",)})


# ---------------------------------------------------------------------------------------------
# The two sets of operations the steps run on


class _Recorded:
    """Tensor ops, recorded as torch records them."""

    @staticmethod
    def expand(x, shape):
        return _shape.view_op(_shape.EXPAND, x, (shape,))

    @staticmethod
    def reshape(x, shape):
        """x.reshape(shape) for these steps' reshapes, which merge the leading dims into one:
        a view where they merge without a copy, else a contiguous copy viewed (as
        shape.reshape records them, without trying the view first)."""
        data = x._data
        if _merges(data.shape, data.strides, len(shape) - 1):
            return _shape.view_op(_shape.VIEW if data.flags.c_contiguous else _shape.RESHAPE_ALIAS,
                                  x, (shape,))
        return apply(_shape.UNSAFE_VIEW, (apply(CONTIGUOUS, (x,)),), (shape,))

    contiguous = staticmethod(contiguous)

    @staticmethod
    def unsafe_view(x, shape):
        return apply(_shape.UNSAFE_VIEW, (x,), (shape,))

    @staticmethod
    def mT(x):
        return _shape.view_op(_shape.TRANSPOSE, x, (x.ndim - 2, x.ndim - 1))

    @staticmethod
    def t(x):
        return _shape.view_op(_shape.T, x, ())

    @staticmethod
    def squeeze(x, dim):
        return _shape.view_op(_shape.SQUEEZE_DIM, x, (dim % x.ndim,))

    @staticmethod
    def unsqueeze(x, dim):
        return _shape.view_op(_shape.UNSQUEEZE, x, (dim,))

    @staticmethod
    def mm(a, b):
        return apply(MM, (a, b))

    @staticmethod
    def mv(a, b):
        return apply(MV, (a, b))

    @staticmethod
    def bmm(a, b):
        return apply(BMM, (a, b))


class _Arrays:
    """The same steps on the arrays alone, for operands that do not require grad."""

    expand = staticmethod(np.broadcast_to)
    reshape = unsafe_view = staticmethod(np.reshape)
    contiguous = staticmethod(np.ascontiguousarray)
    mT = staticmethod(lambda x: np.swapaxes(x, -1, -2))
    t = staticmethod(np.transpose)
    squeeze = staticmethod(np.squeeze)
    unsqueeze = staticmethod(np.expand_dims)
    mm = staticmethod(_mm_forward)
    mv = staticmethod(_mv_forward)
    bmm = staticmethod(bmm_forward)


def _merges(sizes, strides, kept: int) -> bool:
    """Whether all but the last ``kept`` dims merge into one without a copy: each such dim of
    more than one element steps over exactly the elements of the next such dim in the group
    (numpy's and torch's rule; an empty tensor always merges)."""
    lead = len(sizes) - kept
    if lead < 2 or 0 in sizes:
        return True
    span = None  # what the next dim of more than one element must step over
    for d in range(lead - 1, -1, -1):
        if sizes[d] != 1:  # (a dim of one element has no step that matters)
            if span is not None and strides[d] != span:
                return False
            span = strides[d] * sizes[d]
    return True


# ---------------------------------------------------------------------------------------------
# ATen's decisions


def _should_fold(a, b, a_grad: bool, b_grad: bool) -> bool:
    """Whether the larger operand's batch folds into the rows of one mm/mv (ATen's should_fold):
    always when the small operand requires grad, never for a matrix @ batch otherwise, and else
    when the batch's leading dims fold without a copy."""
    a_larger = a.ndim >= b.ndim
    big, small_ndim = (a, b.ndim) if a_larger else (b, a.ndim)
    if big.ndim < 3 or small_ndim > 2:
        return False
    if b_grad if a_larger else a_grad:
        return True
    if a.ndim == 2:
        return False
    sizes, strides = big.shape, element_strides(big)
    if not a_larger:  # the batch's transpose (.mT) is what folds
        sizes = sizes[:-2] + (sizes[-1], sizes[-2])
        strides = strides[:-2] + (strides[-1], strides[-2])
    if math.prod(sizes) == 0:
        return True
    return all(strides[i] == strides[i + 1] * sizes[i + 1] for i in range(len(sizes) - 2))


def _fold(K, a, b):
    """One mm/mv over the larger operand's folded rows, viewed back."""
    transpose = b.ndim > a.ndim
    t1 = K.mT(b) if transpose else a
    t2 = (K.t(a) if a.ndim == 2 else a) if transpose else b
    out_shape = tuple(t1.shape[:-1])
    rows = K.reshape(t1, (math.prod(out_shape), t1.shape[-1]))
    if t2.ndim == 2:
        out = K.unsafe_view(K.mm(rows, t2), out_shape + (t2.shape[1],))
        return K.contiguous(K.mT(out)) if transpose else out
    return K.unsafe_view(K.mv(rows, t2), out_shape)


def _broadcast_bmm(K, a, b):
    """Both batches expanded to their broadcast shape, folded into one dim, and one bmm."""
    n = a.shape[-2] if a.ndim > 1 else 1
    m1 = a.shape[-1]
    m2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
    p = b.shape[-1] if b.ndim > 1 else 1
    batch_a, batch_b = tuple(a.shape[:-2]), tuple(b.shape[:-2])
    try:
        batch = np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise_broadcast_error(np.empty(batch_a), np.empty(batch_b))
    folded = math.prod(batch)
    left = K.reshape(K.expand(a, batch + (n, m1)), (folded, n, m1))
    vector = b.ndim == 1  # a vector on the right is one column of each matrix
    if vector:
        right = K.unsqueeze(K.reshape(K.expand(b, batch + (m2,)), (folded, m2)), 2)
    else:
        right = K.reshape(K.expand(b, batch + (m2, p)), (folded, m2, p))
    out_shape = batch + ((n,) if a.ndim > 1 else ()) + ((p,) if b.ndim > 1 else ())
    out = K.bmm(left, right)
    return K.unsafe_view(K.squeeze(out, -1) if vector else out, out_shape)


def _matmul(K, a, b, a_grad: bool, b_grad: bool):
    if _should_fold(a, b, a_grad, b_grad):
        return _fold(K, a, b)
    if a.ndim == 3 == b.ndim and a.shape[0] != b.shape[0]:
        # a batch of 1 that requires grad is squeezed rather than broadcast, and then folds
        # (should_fold: the small operand requires grad)
        if a.shape[0] == 1 and a_grad:
            return _matmul(K, K.squeeze(a, 0), b, a_grad, b_grad)
        if b.shape[0] == 1 and b_grad:
            return _matmul(K, a, K.squeeze(b, 0), a_grad, b_grad)
    return _broadcast_bmm(K, a, b)


# True: operands that do not require grad take the array steps (_Arrays); False: always the
# recorded ones (the tests compare the two)
SHORT_PATH = True


def batched_matmul(a, b):
    """``a @ b`` where one operand has three or more dims."""
    a_grad, b_grad = a._requires_grad, b._requires_grad
    if SHORT_PATH and not (a_grad or b_grad):
        ad, bd = a._data, b._data
        if _should_fold(ad, bd, False, False):
            return new_tensor(_fold(_Arrays, ad, bd))
        out = _broadcast_product(ad, bd)
        return new_tensor(_matmul(_Arrays, ad, bd, False, False) if out is None else out)
    return _matmul(_Recorded, a, b, a_grad, b_grad)


def _broadcast_product(a, b):
    """The bmm branch's value without its expanded copies: torch's small-matrix loop runs on
    each matrix alone, so on the broadcast operands it sums as on the folded ones. None for
    larger matrices (numpy's matmul, whose kernel can depend on the operands' layout: the steps
    run it on the folded copies) and where the steps raise an error."""
    if a.dtype != b.dtype:
        return None
    left = a[None, :] if a.ndim == 1 else a  # a vector is one row, or one column on the right
    right = b[:, None] if b.ndim == 1 else b
    if left.shape[-1] != right.shape[-2]:
        return None
    try:
        out = small_batched_product(left, right)
    except ValueError:  # batches that do not broadcast
        return None
    if out is None:  # numpy's matmul, on the operands as the steps lay them out
        return None
    out = np.ascontiguousarray(out.astype(a.dtype, copy=False))
    if a.ndim == 1 or b.ndim == 1:
        out = out.reshape(out.shape[:-2] + out.shape[-2 + (a.ndim == 1):out.ndim - (b.ndim == 1)])
    return out
