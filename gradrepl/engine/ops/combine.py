"""Ops that combine tensors: where, stack, cat, and the zero-padding that undoes indexing."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.promotion import result_dtype
from gradrepl.engine.tensor import Tensor, new_tensor, wrap_dim


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _where_forward(cond, a, b):
    dtype = result_dtype(a, b)
    return np.where(cond, a, b).astype(dtype, copy=False)


def _where_backward(F, g, inputs, out, params, needs):
    cond, a, b = inputs
    zero = 0 * g
    return (
        None,
        F.sum_to(F.where(cond, g, zero), a) if needs[1] else None,
        F.sum_to(F.where(cond, zero, g), b) if needs[2] else None,
    )


WHERE = Primitive("where", "WhereBackward0", _where_forward, _where_backward)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(new_tensor(i) for i in np.nonzero(_data(condition)))
    cond = condition if isinstance(condition, Tensor) else new_tensor(np.asarray(condition))
    if cond._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype}")
    return apply(WHERE, (cond, input, other))


def _stack_forward(*arrays_and_dim):
    *arrays, dim = arrays_and_dim
    return np.stack(arrays, axis=dim)


def _stack_backward(F, g, inputs, out, params, needs):
    (dim,) = params
    return tuple(
        F.select(g, dim, i) if need else None for i, need in enumerate(needs)
    )


def _cat_forward(*arrays_and_dim):
    *arrays, dim = arrays_and_dim
    return np.concatenate(arrays, axis=dim)


def _cat_backward(F, g, inputs, out, params, needs):
    (dim,) = params
    grads, start = [], 0
    for x, need in zip(inputs, needs):
        size = np.shape(x)[dim]
        grads.append(F.narrow(g, dim, start, size) if need else None)
        start += size
    return tuple(grads)


STACK = Primitive("stack", "StackBackward0", _stack_forward, _stack_backward, saves=False)
CAT = Primitive("cat", "CatBackward0", _cat_forward, _cat_backward, saves=False)


def _check_sequence(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{name}() expects a non-empty TensorList")


def stack(tensors, dim: int = 0) -> Tensor:
    _check_sequence(tensors, "stack")
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                f"{list(t.shape)} at entry {i}")
    dim = wrap_dim(dim, len(first) + 1)
    return _same_dtype_apply(STACK, tensors, dim)


def cat(tensors, dim: int = 0) -> Tensor:
    _check_sequence(tensors, "cat")
    dim = wrap_dim(dim, tensors[0].ndim)
    return _same_dtype_apply(CAT, tensors, dim)


def _same_dtype_apply(prim, tensors, dim):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        from gradrepl.engine.dtypes import promote_types
        dtype = promote_types(dtype, t.dtype)
    tensors = tuple(t if t.dtype is dtype else t.to(dtype) for t in tensors)
    return apply(prim, tensors, (dim,))


# ---------------------------------------------------------------------------------------------
# The backward of indexing as a differentiable op (needed only under create_graph=True)

def _pad_forward(g, shape, index):
    out = np.zeros(shape, dtype=np.result_type(g))
    if isinstance(index, tuple) and any(isinstance(i, np.ndarray) for i in index) or isinstance(index, np.ndarray):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


PAD_INTO = Primitive(
    "index_backward", "IndexPutBackward0", _pad_forward,
    lambda F, g, inputs, out, params, needs: (F.index(g, params[1]),), saves=False,
)
