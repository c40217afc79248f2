"""Ops that combine tensors: where, stack, cat, and the zero-padding that undoes indexing."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.promotion import result_dtype
from gradrepl.engine.tensor import data_of as _data, new_tensor, Tensor, wrap_dim
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register


def _where_forward(a, b, cond):
    dtype = result_dtype(a, b)
    try:
        return np.where(cond, a, b).astype(dtype, copy=False)
    except ValueError:
        from gradrepl.engine.ops.promotion import raise_broadcast_error

        raise_broadcast_error(a, b)
        raise_broadcast_error(cond, a)


def _where_backward(F, g, inputs, out, params, needs):
    # the condition is a parameter, not an input: torch gives it no edge in next_functions
    a, b = inputs
    (cond,) = params
    return (
        F.sum_to(F.where(cond, g, 0.0), a) if needs[0] else None,
        F.sum_to(F.where(cond, 0.0, g), b) if needs[1] else None,
    )


WHERE = Primitive("where", "WhereBackward0", _where_forward, _where_backward,
                  params=("condition",), saves=("condition",))


def _no_arrays(args, method):
    """An ndarray is no operand of torch.where: its parser lists the overloads."""
    if any(isinstance(a, np.ndarray) for a in args):
        from gradrepl.engine.keywords import InvalidArguments

        raise InvalidArguments("where", args[1:] if method else args, {}, method=method)


_OMITTED = object()


def where(condition, input=_OMITTED, other=_OMITTED):
    if input is _OMITTED and other is _OMITTED:
        return _where(condition)
    if input is _OMITTED or other is _OMITTED or input is None or other is None:
        # where(cond, x): no overload takes one operand (nor None for one); torch's parser
        # lists them (the operands taken as given positionally, as a learner writes them)
        from gradrepl.engine.keywords import InvalidArguments

        given = tuple(a for a in (condition, input, other) if a is not _OMITTED)
        raise InvalidArguments("where", given, {}, method=False)
    _no_arrays((condition, input, other), method=False)
    return _where(condition, input, other)


def _where(condition, input=None, other=None):
    """torch.where without the ndarray refusal: derivative formulas on the tensor backend pass
    their own numpy masks (tensor_backend.where)."""
    if input is None and other is None:
        return tuple(new_tensor(i) for i in np.nonzero(_data(condition)))
    cond = condition if isinstance(condition, Tensor) else new_tensor(np.asarray(condition))
    if cond._data.dtype != np.bool_:
        from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

        short = SCALAR_TYPE_NAMES[cond.dtype]
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {short}")
    return apply(WHERE, (input, other), (cond._data,))


def _stack_forward(*arrays_dim_dtype):
    *arrays, dim, dtype = arrays_dim_dtype
    return np.stack(arrays, axis=dim, dtype=dtype, casting="unsafe")


def _stack_backward(F, g, inputs, out, params, needs):
    dim = params[0]
    return tuple(
        F.select(g, dim, i) if need else None for i, need in enumerate(needs)
    )


def _cat_forward(*arrays_dim_dtype):
    *arrays, dim, dtype = arrays_dim_dtype
    return np.concatenate(arrays, axis=dim, dtype=dtype, casting="unsafe")


def _cat_backward(F, g, inputs, out, params, needs):
    dim = params[0]
    grads, start = [], 0
    for x, need in zip(inputs, needs):
        size = np.shape(x)[dim]
        grads.append(F.narrow(g, dim, start, size) if need else None)
        start += size
    return tuple(grads)


STACK = Primitive("stack", "StackBackward0", _stack_forward, _stack_backward, saves=())
CAT = Primitive("cat", "CatBackward0", _cat_forward, _cat_backward, saves=())


_EMPTY_LIST = {
    "stack": (RuntimeError, "stack expects a non-empty TensorList"),
    "cat": (ValueError, "torch.cat(): expected a non-empty list of Tensors"),
}


def _check_sequence(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{python_type_name(tensors)}")
    if not tensors:
        error, message = _EMPTY_LIST[name]
        raise error(message)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {python_type_name(t)}")


def stack(tensors, dim: int = 0) -> Tensor:
    _check_sequence(tensors, "stack")
    first = tensors[0].shape
    dim = wrap_dim(dim, len(first) + 1)
    for i, t in enumerate(tensors):
        if t.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                f"{list(t.shape)} at entry {i}")
    return _same_dtype_apply(STACK, tensors, dim)


def cat(tensors, dim: int = 0) -> Tensor:
    _check_sequence(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dim = wrap_dim(dim, tensors[0].ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {t.ndim}")
        for d, (want, got) in enumerate(zip(first, t.shape)):
            if d != dim and want != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {want} "
                    f"but got size {got} for tensor number {i} in the list.")
    return _same_dtype_apply(CAT, tensors, dim)


def _same_dtype_apply(prim, tensors, dim):
    from gradrepl.engine.dtypes import promote_types

    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    # the forward casts as it copies: torch records no separate cast node per input
    return apply(prim, tuple(tensors), (dim, dtype.numpy))


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
    lambda F, g, inputs, out, params, needs: (F.index(g, params[1]),), saves=(),
)


def _where_method(self, condition, other=_OMITTED):
    """``x.where(condition, y)`` is ``torch.where(condition, x, y)``."""
    if other is _OMITTED or other is None:
        from gradrepl.engine.keywords import InvalidArguments

        given = (condition,) if other is _OMITTED else (condition, other)
        raise InvalidArguments("where", given, {}, method=True)
    _no_arrays((self, condition, other), method=True)
    return _where(condition, self, other)


register("where", where, section="combine", rows=(WHERE,), method=_where_method, out=True,
         out_needs=(1, "input"),  # where(condition) takes no out=
         out_dtype=OutDtype("exact", "Expected out type to be {result} but got {out}"))
# every joining op ends in torch.cat, whose words these are
CAT_OUT = OutDtype("cast", "torch.cat(): input types can't be cast to the desired output type {out}", error=TypeError)
register("stack", stack, section="combine", rows=(STACK,), method=False, out=True, out_dtype=CAT_OUT)
register("cat", cat, section="combine", rows=(CAT,), method=False,
         aliases=("concat", "concatenate"), out=True, out_dtype=CAT_OUT)
