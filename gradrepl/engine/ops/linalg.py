"""Matrix products: mm, mv, dot, and matmul (``@``), which picks one of them by the shapes.

torch's matmul is a composite: for batched shapes it folds to mm/mv or broadcasts to bmm and
views the result back, recorded here op for op as torch records it (batched_matmul.py).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine import dtypes
from gradrepl.engine.errors import NotAnOperand
from gradrepl.engine.keywords import torch_parsed
from gradrepl.engine.ops.blas_order import (
    column_times_row, follows_torch_dot, keeps_product_sign, matrix_product, torch_dot,
)
from gradrepl.engine.ops.derivatives import element_strides
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.shape import SQUEEZE_DIMS, TRANSPOSE, UNSAFE_VIEW, unsqueeze, view_op
from gradrepl.engine.ops.conversion import CONTIGUOUS
from gradrepl.engine.tensor import Tensor
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register


_short = dtypes.scalar_type_name


def _positive_zeros(out):
    """torch's BLAS sums start from +0, so a product that sums to zero is +0, never -0 (numpy's
    small-matrix loops can give -0); adding +0.0 changes nothing else."""
    if type(out) is np.ndarray:
        if out.dtype.kind == "f":
            np.add(out, 0.0, out=out)
        return out
    return out + 0.0 if out.dtype.kind == "f" else out


def _cpp_name(dtype) -> str:
    """The C++ type names torch's matmul errors print."""
    return dtypes.CPP_TYPE_NAMES[dtype.name]


def _mm_forward(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_cpp_name(a.dtype)} != "
            f"{_cpp_name(b.dtype)}"
        )
    if keeps_product_sign(a, b):
        return column_times_row(a, b)
    return _positive_zeros(matrix_product(a, b))


def _mv_forward(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
            f"vec ({v.shape[0]})"
        )
    if a.dtype != v.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_short(v.dtype)}, "
            f"{_short(a.dtype)}, and {_short(v.dtype)}"
        )
    return _positive_zeros(matrix_product(a, v[:, None])[:, 0])


def _dot_forward(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_short(a.dtype)} and "
            f"{_short(b.dtype)}"
        )
    if a.dtype == np.bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    if follows_torch_dot(a, b):
        return np.asarray(torch_dot(a, b))
    return _positive_zeros(np.dot(a, b))


def _column_major(strides, shape) -> bool:
    return strides[0] == 1 and strides[1] == shape[0]


# torch's mm_mat1_backward / mm_mat2_backward (FunctionsManual.cpp): for a column-major operand
# the gradient is computed transposed, ``(mat2 @ grad.t()).t()`` / ``(grad.t() @ mat1).t()``
# (t(): TBackward0 when recorded under create_graph=True). The values
# only differ where the two products are summed differently: nn.Linear(k, 1)'s weight gradient
# is then a row times a matrix (a chain of FMAs), not a transposed matrix times a column
def mm_mat1_grad(F, grad, mat2, mat1_strides, mat1_shape):
    if _column_major(mat1_strides, mat1_shape):
        return F.t(F.matmul(mat2, F.t(grad)))
    return F.matmul(grad, F.t(mat2))


def mm_mat2_grad(F, grad, mat1, mat2_strides, mat2_shape):
    if _column_major(mat2_strides, mat2_shape):
        return F.t(F.matmul(F.t(grad), mat1))
    return F.matmul(F.t(mat1), grad)


def _mm_backward(F, g, inputs, out, params, needs):
    a, b = inputs
    return (
        mm_mat1_grad(F, g, b, element_strides(a), np.shape(a)) if needs[0] else None,
        mm_mat2_grad(F, g, a, element_strides(b), np.shape(b)) if needs[1] else None,
    )


def _mv_backward(F, g, inputs, out, params, needs):
    a, v = inputs
    return (
        F.outer(g, v) if needs[0] else None,
        F.matmul(F.t(a), g) if needs[1] else None,
    )


def _dot_backward(F, g, inputs, out, params, needs):
    a, b = inputs
    return (g * b if needs[0] else None, g * a if needs[1] else None)


# each input's gradient reads the other input only: torch saves a side only when the other
# side wants a gradient
_CROSS = {"self": ("other",), "other": ("self",)}
MM = Primitive("mm", "MmBackward0", _mm_forward, _mm_backward, saves=_CROSS)
MV = Primitive("mv", "MvBackward0", _mv_forward, _mv_backward, saves=_CROSS)
DOT = Primitive("dot", "DotBackward0", _dot_forward, _dot_backward, saves=_CROSS)
# vdot conjugates its first operand: nothing to do for real tensors, so it is dot (the same
# checks and words, the same sum: torch hands real vdot to its dot) under its own grad_fn
VDOT = Primitive("vdot", "VdotBackward0", _dot_forward, _dot_backward, saves=_CROSS)


def _tensors(op: str, input, other, other_name: str) -> None:
    """Both operands must be tensors: torch's parser names the one that is not (as the method
    counts it; torch.<op> shifts the count, see NotAnOperand.of_function)."""
    if not isinstance(input, Tensor):
        raise NotAnOperand(input, op, "input", 1)
    if not isinstance(other, Tensor):
        raise NotAnOperand(other, op, other_name, 1)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    _tensors("mm", input, mat2, "mat2")
    return apply(MM, (input, mat2))


def mv(input: Tensor, vec: Tensor) -> Tensor:
    _tensors("mv", input, vec, "vec")
    return apply(MV, (input, vec))


@torch_parsed("dot")
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    _tensors("dot", input, tensor, "tensor")
    return apply(DOT, (input, tensor))


@torch_parsed("vdot")
def vdot(input: Tensor, other: Tensor) -> Tensor:
    _tensors("vdot", input, other, "other")
    return apply(VDOT, (input, other))


def _not_a_tensor(argument: str, position: int, value) -> TypeError:
    return TypeError(f"matmul(): argument '{argument}' (position {position}) must be Tensor, "
                     f"not {python_type_name(value)}")


def _matmul_method(self, other):
    """x.matmul(other): torch counts other as the first argument"""
    if not isinstance(other, Tensor):
        raise _not_a_tensor("other", 1, other)
    return matmul(self, other)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    if not isinstance(a, Tensor):
        raise _not_a_tensor("input", 1, a)
    if not isinstance(b, Tensor):
        raise _not_a_tensor("other", 2, b)
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da == 1 and db == 2:
        return view_op(SQUEEZE_DIMS, mm(unsqueeze(a, 0), b), ((0,),))
    if da == 2 and db == 2:
        return mm(a, b)
    return batched_matmul(a, b)


def _matmul_operator(self, other):
    return matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def _rmatmul_operator(self, other):
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


# the rows whose names can top a product (batched_matmul.py: torch's fold and bmm steps)
register("matmul", matmul, method=_matmul_method, section="linear algebra",
         rows=(MM, MV, DOT, UNSAFE_VIEW, CONTIGUOUS, TRANSPOSE, SQUEEZE_DIMS),
         operators={"__matmul__": _matmul_operator, "__rmatmul__": _rmatmul_operator}, out=True, out_dtype="exact")
register("mm", mm, section="linear algebra", rows=(MM,), out=True, out_dtype="exact")
register("mv", mv, section="linear algebra", rows=(MV,), out=True, out_dtype="exact")
register("dot", dot, section="linear algebra", rows=(DOT,), out=True, out_dtype=OutDtype(
    "exact", "result dtype {out} does not match input dtype {result}"))
register("vdot", vdot, section="linear algebra", rows=(VDOT,), out=True, out_dtype=OutDtype(
    "exact", "result dtype {out} does not match input dtype {result}"))


# last: batched_matmul builds on this module's mm and mv
from gradrepl.engine.ops.batched_matmul import batched_matmul  # noqa: E402
