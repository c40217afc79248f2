"""Triangles and diagonals of matrices: tril, triu, diagonal, diag, diag_embed, trace.

Their backwards, from derivatives.yaml: tril's is tril of the gradient; diagonal's puts the
gradient back on the diagonal of zeros (diagonal_backward), which is diag_embed; diag_embed's is
diagonal; trace's is a zero matrix with the gradient on its diagonal.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import check_types, torch_parsed
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.shape import view_op
from gradrepl.engine.tensor import Tensor, wrap_dim

_S = "shape"


def _tri_mask(shape, k, lower):
    rows, cols = shape[-2], shape[-1]
    if lower:
        return np.tri(rows, cols, k, dtype=bool)
    return ~np.tri(rows, cols, k - 1, dtype=bool)


def _tril_forward(a, diagonal):
    return np.where(_tri_mask(a.shape, diagonal, True), a, np.zeros((), a.dtype))


def _triu_forward(a, diagonal):
    return np.where(_tri_mask(a.shape, diagonal, False), a, np.zeros((), a.dtype))


TRIL = Primitive("tril", "TrilBackward0", _tril_forward,
                 lambda F, g, inputs, out, params, needs: (F.apply(TRIL, (g,), params),),
                 inputs=("self",), params=("diagonal",), saves=())
TRIU = Primitive("triu", "TriuBackward0", _triu_forward,
                 lambda F, g, inputs, out, params, needs: (F.apply(TRIU, (g,), params),),
                 inputs=("self",), params=("diagonal",), saves=())


def _check_matrix(name, input):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix("tril", input)
    return apply(TRIL, (input,), (int(diagonal),))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix("triu", input)
    return apply(TRIU, (input,), (int(diagonal),))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix("tril", input)
    return apply_inplace(TRIL, input, (), (int(diagonal),))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    _check_matrix("triu", input)
    return apply_inplace(TRIU, input, (), (int(diagonal),))


# ---------------------------------------------------------------------------------------------
# diagonal (a view) and diag_embed, each other's backward

def _diagonal_forward(a, offset, dim1, dim2):
    """The diagonal as a *writable* view (np.diagonal's is read-only): torch users write through
    it, as in ``x.diagonal().fill_(1)``."""
    a = np.asarray(a)
    start = [slice(None)] * a.ndim
    start[dim2 if offset >= 0 else dim1] = slice(abs(offset), None)
    shifted = a[tuple(start)]
    n = max(min(shifted.shape[dim1], shifted.shape[dim2]), 0)
    rest = [d for d in range(a.ndim) if d not in (dim1, dim2)]
    shape = tuple(shifted.shape[d] for d in rest) + (n,)
    strides = tuple(shifted.strides[d] for d in rest) + (shifted.strides[dim1] + shifted.strides[dim2],)
    return np.lib.stride_tricks.as_strided(shifted, shape, strides, writeable=a.flags.writeable)


def _diagonal_backward(F, g, inputs, out, params, needs):
    offset, dim1, dim2 = params
    shape = np.shape(inputs[0])
    return (F.apply(DIAGONAL_BACKWARD, (g,), (shape, offset, dim1, dim2)),)


def _diagonal_backward_forward(g, shape, offset, dim1, dim2):
    """Zeros of ``shape`` with ``g`` (a diagonal, in its last dim) written on the diagonal."""
    out = np.zeros(shape, dtype=np.result_type(g))
    length = np.shape(g)[-1] if np.ndim(g) else 0
    index = [slice(None)] * len(shape)
    index[dim1] = np.arange(length) + max(-offset, 0)
    index[dim2] = np.arange(length) + max(offset, 0)
    # numpy puts two advanced indices' dim where they stand when adjacent, else first
    where = min(dim1, dim2) if abs(dim1 - dim2) == 1 else 0
    out[tuple(index)] = np.moveaxis(np.asarray(g), -1, where)
    return out


DIAGONAL = Primitive("diagonal", "DiagonalBackward0", _diagonal_forward, _diagonal_backward,
                     inputs=("self",), params=("offset", "dim1", "dim2"), saves=())
# torch.diag(matrix) copies its diagonal; torch's node for it carries a "_copy" suffix
DIAG_COPY = Primitive("diag", "DiagonalBackward0_copy",
                      lambda a, offset, dim1, dim2: np.array(np.diagonal(a, offset, dim1, dim2)),
                      _diagonal_backward, inputs=("self",), params=("offset", "dim1", "dim2"),
                      saves=())
DIAGONAL_BACKWARD = Primitive(
    "diagonal_backward", "DiagonalBackwardBackward0", _diagonal_backward_forward,
    lambda F, g, inputs, out, params, needs: (F.apply(DIAG_COPY, (g,), params[1:]),),
    inputs=("grad_output",), params=("input_sizes", "offset", "dim1", "dim2"), saves=())
DIAG_EMBED = Primitive(
    "diag_embed", "DiagEmbedBackward0",
    lambda a, offset, dim1, dim2: _diagonal_backward_forward(
        a, _embedded_shape(np.shape(a), offset, dim1, dim2), offset, dim1, dim2),
    lambda F, g, inputs, out, params, needs: (F.apply(DIAG_COPY, (g,), params),),
    inputs=("self",), params=("offset", "dim1", "dim2"), saves=())


def _embedded_shape(shape, offset, dim1, dim2):
    n = shape[-1] + abs(offset)
    out = list(shape[:-1])
    for d in sorted((dim1, dim2)):
        out.insert(d, n)
    return tuple(out)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    d1, d2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_op(DIAGONAL, input, (int(offset), d1, d2))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    ndim = input.ndim + 1
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, (input,), (int(offset), d1, d2))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.ndim == 1:
        return apply(DIAG_EMBED, (input,), (int(diagonal), 0, 1))
    if input.ndim == 2:
        return apply(DIAG_COPY, (input,), (int(diagonal), 0, 1))
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")


# ---------------------------------------------------------------------------------------------
# trace

def _trace_backward(F, g, inputs, out, params, needs):
    shape = np.shape(inputs[0])
    n = min(shape)
    return (F.apply(DIAGONAL_BACKWARD, (F.expand(g, (n,)),), (shape, 0, 0, 1)),)


def _trace_forward(a):
    result = np.trace(a)
    if a.dtype.kind in "biu":
        return np.asarray(result, dtype=np.int64)
    return np.asarray(result, dtype=a.dtype)[()]


TRACE = Primitive("trace", "TraceBackward0", _trace_forward, _trace_backward,
                  inputs=("self",), saves=())


def trace(input: Tensor) -> Tensor:
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return apply(TRACE, (input,))


register("tril", tril, section=_S, rows=(TRIL,), inplace=tril_, out=True, out_dtype="exact")
register("triu", triu, section=_S, rows=(TRIU,), inplace=triu_, out=True, out_dtype="exact")
register("diagonal", diagonal, section=_S, rows=(DIAGONAL,))
register("diag", diag, section=_S, rows=(DIAG_EMBED, DIAG_COPY), out=True, out_dtype="exact")
register("diag_embed", diag_embed, section=_S, rows=(DIAG_EMBED,))
register("trace", trace, section=_S, rows=(TRACE,))


# ---------------------------------------------------------------------------------------------
# fill_diagonal_: the main diagonal (every index equal) set in place, through views of self (so a
# tensor with history records CopySlices, and a leaf that requires grad is refused as torch
# refuses a view of it). ``wrap`` (2-d, more rows than columns + 1): the diagonal starts again
# every columns + 1 rows, where a contiguous tensor's flat run of torch's strided view lands.

@torch_parsed("fill_diagonal_")
def fill_diagonal_(self, fill_value, wrap=False):
    """the main diagonal set to fill_value, in place (wrap: again every columns + 1 rows of a
    tall matrix)"""
    from gradrepl.engine.grad_mode import is_grad_enabled

    check_types(("Number", fill_value), ("bool", wrap))
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self.shape[0], self.shape[1]
    if self.ndim > 2 and any(size != height for size in self.shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    if self.requires_grad and self.grad_fn is None and is_grad_enabled():
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    diagonal_ = self
    while diagonal_.ndim > 1:
        diagonal_ = diagonal_.diagonal(0, 0, 1)
    diagonal_.fill_(fill_value)
    if wrap and self.ndim == 2 and height > width + 1:
        for start in range(width + 1, height, width + 1):
            self[start:].diagonal().fill_(fill_value)
    return self


register("fill_diagonal_", fill_diagonal_, section=_S, in_torch=False)
