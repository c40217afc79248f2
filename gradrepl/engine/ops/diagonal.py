"""``diagonal``: a view of a tensor's diagonal, so ``x.diagonal().zero_()`` writes into ``x``.

Its own module because it is the one view op whose numpy form is not already a writable view:
numpy hands the diagonal out read-only, and torch's is as writable as any view.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.shape import view_op
from gradrepl.engine.tensor import Tensor, wrap_dim


def _forward(a, offset, dim1, dim2):
    result = np.diagonal(a, offset, dim1, dim2)
    if isinstance(a, np.ndarray) and a.flags.writeable:
        result.flags.writeable = True  # numpy allows it when the memory below is writable
    return result


def _backward(F, g, inputs, out, params, needs):
    # zeros of the input's shape with g on the diagonal: where the diagonal's elements sit in a
    # C-ordered copy of the input is the diagonal of the flat positions themselves
    shape = np.shape(inputs[0])
    size = int(np.prod(shape, dtype=np.int64))
    where = np.diagonal(np.arange(size).reshape(shape), *params).reshape(-1)
    flat = F.scatter_into((size,), g, where, F.reshape(g, (where.size,)))
    return (F.reshape(flat, shape),)


DIAGONAL = Primitive("diagonal", "DiagonalBackward0", _forward, _backward,
                     params=("offset", "dim1", "dim2"), saves=())


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    dim1, dim2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_op(DIAGONAL, input, (int(offset), dim1, dim2))


register("diagonal", diagonal, section="shape", rows=(DIAGONAL,))
