"""The memory layout torch gives a fresh result computed from one tensor.

numpy lays a result out like its input ('K' order), ordering a broadcast (stride-0) dim as the
fastest; torch's TensorIterator (reorder_dimensions) finds a comparison with a stride-0 dim
ambiguous and keeps the dims' order, so ``x.expand(2, 3).exp()`` is row-major in torch (strides
(3, 1), and ``.view(6)`` works) where numpy gives (1, 2). Only results of inputs with a stride-0
dim differ; every other layout numpy already gives as torch does.
"""

from __future__ import annotations

import numpy as np


def torch_layout(out, *sources):
    """``out``, a fresh array computed elementwise from the arrays (or numbers) ``sources``, in
    torch's layout for them: itself unless a source has a broadcast (stride-0) dim."""
    if type(out) is not np.ndarray or out.ndim < 2 or out.base is not None:
        return out  # a number, a vector, or a view the op returned: nothing to lay out
    strides = [_broadcast_strides(s, out.shape) for s in sources
               if isinstance(s, np.ndarray) and s.ndim <= out.ndim]
    if not any(0 in s for s in strides):
        return out
    order = _slowest_first(out.shape, strides)
    if np.transpose(out, order).flags.c_contiguous:
        return out  # already so
    laid = np.empty([out.shape[d] for d in order], dtype=out.dtype)
    laid[...] = np.transpose(out, order)
    return np.transpose(laid, np.argsort(order))


def _broadcast_strides(array, shape) -> tuple:
    """``array``'s strides as TensorIterator sees them against the result's ``shape``: 0 for a
    new or stretched dim, its own for every other (a size-1 dim keeps its stride, which
    numpy's broadcast_to would zero)."""
    lead = len(shape) - array.ndim
    return (0,) * lead + tuple(0 if size == 1 and want != 1 else stride for size, want, stride
                               in zip(array.shape, shape[lead:], array.strides))


def _slowest_first(shape, operands) -> list:
    """The dims from slowest to fastest as torch's insertion sort orders them (starting from
    the last dim as the fastest): the first operand whose strides tell two dims apart decides;
    a stride-0 dim compares as ambiguous, and the dims then keep their order."""
    def should_swap(d0, d1) -> int:
        for strides in operands:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(len(shape) - 1, -1, -1))  # fastest first
    for i in range(1, len(perm)):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    return perm[::-1]
