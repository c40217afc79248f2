"""Ops that read or write at indices: gather, scatter, scatter_add, index_select, index_add, take,
masked_fill, masked_select, nonzero, argwhere (and the in-place forms torch has).

Their backwards are each other, as in derivatives.yaml: gather's gradient is a scatter_add into
zeros, scatter_add's source gradient a gather, index_select's an index_add. Each backward says so
with ``F.apply(ROW, ...)``, so that under ``create_graph=True`` it is recorded and can be
differentiated again. An index or mask is a parameter (no edge in next_functions, as in torch),
named in ``saves`` so that a second backward fails where torch's does.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.keywords import check_types, torch_parsed
from gradrepl.engine.ops.arithmetic import _not_implemented as not_implemented  # (x // y uses it too)
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, new_tensor, wrap_dim

_S = "indexing"


def _within(index_shape, dim):
    """The leading block of another tensor that an index of ``index_shape`` addresses: torch's
    gather/scatter read only ``index.size(d)`` entries along each other dim ``d``."""
    return tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index_shape))


def _positions(index, dim):
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _gather_forward(a, dim, index):
    # torch's gather writes a fresh contiguous tensor whatever the index's layout (an expanded
    # or transposed index, as take_along_dim passes)
    return np.array(np.take_along_axis(a[_within(index.shape, dim)], index, dim), order="C")


def _scatter_forward(a, src, dim, index, reduce=None):
    out = np.array(a, copy=True)
    values = src[tuple(slice(0, s) for s in index.shape)] if np.ndim(src) else src
    if reduce == "add":
        np.add.at(out, _positions(index, dim), values)
    elif reduce == "multiply":
        np.multiply.at(out, _positions(index, dim), values)
    else:
        out[_positions(index, dim)] = values
    return out


def _scatter_value_forward(a, dim, index, value):
    return _scatter_forward(a, np.asarray(value, dtype=np.asarray(a).dtype), dim, index)


def _gather_backward(F, g, inputs, out, params, needs):
    dim, index = params
    zeros = F.zeros(np.shape(inputs[0]), g)
    return (F.apply(SCATTER_ADD, (zeros, g), (dim, index)),)


def _scatter_backward(F, g, inputs, out, params, needs):
    dim, index = params
    return (F.apply(SCATTER_VALUE, (g,), (dim, index, 0)) if needs[0] else None,
            F.apply(GATHER, (g,), (dim, index)) if needs[1] else None)


def _scatter_add_backward(F, g, inputs, out, params, needs):
    dim, index = params
    src_shape = np.shape(inputs[1])
    if needs[1] and tuple(index.shape) != tuple(src_shape):
        # torch's formula gives the source an index-shaped gradient, and its engine refuses it
        raise RuntimeError(
            f"Function ScatterAddBackward0 returned an invalid gradient at index 1 - got "
            f"{list(index.shape)} but expected shape compatible with {list(src_shape)}")
    return (g if needs[0] else None,
            F.apply(GATHER, (g,), (dim, index)) if needs[1] else None)


GATHER = Primitive("gather", "GatherBackward0", _gather_forward, _gather_backward,
                   inputs=("self",), params=("dim", "index"), saves=("self", "index"))
SCATTER = Primitive("scatter", "ScatterBackward0", _scatter_forward, _scatter_backward,
                    inputs=("self", "src"), params=("dim", "index"), saves=("index",))
SCATTER_VALUE = Primitive(
    "scatter", "ScatterBackward1", _scatter_value_forward,
    lambda F, g, inputs, out, params, needs: (F.apply(SCATTER_VALUE, (g,), params[:2] + (0,)),),
    inputs=("self",), params=("dim", "index", "value"), saves=("index",))
# scatter(..., reduce="add" | "multiply"): torch records it but has no derivative for it
SCATTER_REDUCE = not_implemented("scatter", lambda a, src, dim, index, reduce: _scatter_forward(
    a, src, dim, index, reduce), inputs=("self", "src"))
SCATTER_REDUCE_VALUE = not_implemented(
    "scatter", lambda a, dim, index, value, reduce: _scatter_forward(
        a, np.asarray(value, dtype=np.asarray(a).dtype), dim, index, reduce), inputs=("self",))
SCATTER_ADD = Primitive("scatter_add", "ScatterAddBackward0",
                        lambda a, src, dim, index: _scatter_forward(a, src, dim, index, "add"),
                        _scatter_add_backward, inputs=("self", "src"), params=("dim", "index"),
                        saves=("index",))


def _index_select_forward(a, dim, index):
    return np.take(a, index, axis=dim) if np.ndim(a) else np.asarray(a)[()]


def _index_add_forward(a, source, dim, index, alpha):
    out = np.array(a, copy=True)
    if out.ndim == 0:
        out = out + np.sum(source) * alpha if len(index) else out
        return np.asarray(out, dtype=a.dtype)
    values = source * alpha if alpha != 1 else source
    np.add.at(out, (slice(None),) * dim + (index,), np.asarray(values, dtype=out.dtype))
    return out


def _index_select_backward(F, g, inputs, out, params, needs):
    dim, index = params
    zeros = F.zeros(np.shape(inputs[0]), g)
    return (F.apply(INDEX_ADD, (zeros, g), (dim, index, 1)),)


def _index_add_backward(F, g, inputs, out, params, needs):
    dim, index, alpha = params
    grad_source = None
    if needs[1]:
        grad_source = F.apply(INDEX_SELECT, (g,), (dim, index))
        if alpha != 1:
            grad_source = grad_source * alpha
        grad_source = F.reshape(grad_source, np.shape(inputs[1]))
    return (g if needs[0] else None, grad_source)


INDEX_SELECT = Primitive("index_select", "IndexSelectBackward0", _index_select_forward,
                         _index_select_backward, inputs=("self",), params=("dim", "index"),
                         saves=("index",))
INDEX_ADD = Primitive("index_add", "IndexAddBackward0", _index_add_forward, _index_add_backward,
                      inputs=("self", "source"), params=("dim", "index", "alpha"),
                      saves={"source": ("source", "index")})


def _take_backward(F, g, inputs, out, params, needs):
    (index,) = params
    shape = np.shape(inputs[0])
    flat = F.zeros((int(np.prod(shape)),), g)
    placed = F.apply(INDEX_ADD, (flat, F.reshape(g, (-1,))), (0, index.reshape(-1), 1))
    return (F.reshape(placed, shape),)


TAKE = Primitive("take", "TakeBackward0", lambda a, index: np.asarray(a).reshape(-1)[index],
                 _take_backward, inputs=("self",), params=("index",), saves=("self", "index"))


def _masked_fill_forward(a, mask, value):
    return np.where(mask, np.asarray(value).astype(np.asarray(a).dtype), a)


def _masked_fill_tensor_forward(a, value, mask):
    return _masked_fill_forward(a, mask, value)


def _masked_fill_backward(F, g, inputs, out, params, needs):
    # a mask with more dims than self broadcasts the result: sum the gradient back
    return (F.sum_to(F.apply(MASKED_FILL, (g,), (params[0], 0)), inputs[0]),)


def _masked_fill_tensor_backward(F, g, inputs, out, params, needs):
    (mask,) = params
    grad_value = None
    if needs[1]:
        grad_value = F.sum(F.where(np.broadcast_to(mask, np.shape(g)), g, 0 * g),
                           tuple(range(len(np.shape(g)))))
    return (F.sum_to(F.apply(MASKED_FILL, (g,), (mask, 0)), inputs[0]) if needs[0] else None,
            grad_value)


MASKED_FILL = Primitive("masked_fill", "MaskedFillBackward0", _masked_fill_forward,
                        _masked_fill_backward, inputs=("self",), params=("mask", "value"),
                        saves=("mask",))
MASKED_FILL_TENSOR = Primitive("masked_fill", "MaskedFillBackward1", _masked_fill_tensor_forward,
                               _masked_fill_tensor_backward, inputs=("self", "value"),
                               params=("mask",), saves=("mask",))


def _masked_select_forward(a, mask):
    shape = np.broadcast_shapes(np.shape(a), np.shape(mask))
    return np.array(np.broadcast_to(a, shape)[np.broadcast_to(mask, shape)])


def _masked_scatter_zeros(g, shape, mask):
    out = np.zeros(shape, dtype=np.result_type(g))
    out[np.broadcast_to(mask, shape)] = g
    return out


MASKED_SCATTER_ZEROS = Primitive(
    "masked_scatter", "MaskedScatterBackward0", _masked_scatter_zeros,
    lambda F, g, inputs, out, params, needs: (F.apply(MASKED_SELECT, (g,), (params[1],)),),
    inputs=("source",), params=("shape", "mask"), saves=("mask",))


def _masked_select_backward(F, g, inputs, out, params, needs):
    (mask,) = params
    shape = np.broadcast_shapes(np.shape(inputs[0]), np.shape(mask))
    return (F.sum_to(F.apply(MASKED_SCATTER_ZEROS, (g,), (shape, mask)), inputs[0]),)


MASKED_SELECT = Primitive("masked_select", "MaskedSelectBackward0", _masked_select_forward,
                          _masked_select_backward, inputs=("self",), params=("mask",),
                          saves=("self", "mask"))


# ---------------------------------------------------------------------------------------------
# argument checks, in torch's words

def _index_array(name: str, index, allow_int32=False) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 2) must be Tensor, not "
                        f"{python_type_name(index)}")
    data = np.asarray(index._data)
    wanted = ("int64",) + (("int32",) if allow_int32 else ())
    if data.dtype.name not in wanted:
        expected = "int32 or int64" if allow_int32 else "int64"
        raise RuntimeError(f"{name}(): Expected dtype {expected} for index")
    return data.astype(np.int64)


def _check_gather_shapes(name, input, dim, index, src=None):
    if index.ndim != input.ndim and index.size:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    for d in range(index.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(input.shape)} apart from dimension {dim}")
    if index.size and (index.max() >= input.shape[dim] or index.min() < -input.shape[dim]):
        bad = int(index.max() if index.max() >= input.shape[dim] else index.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size "
                           f"{input.shape[dim]}")


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    dim = wrap_dim(dim, max(input.ndim, 1))
    idx = _index_array("gather", index, allow_int32=True)
    _check_gather_shapes("gather", input, dim, idx)
    return apply(GATHER, (input,), (dim, idx))


def _scatter_args(name, input, dim, index, src):
    dim = wrap_dim(dim, max(input.ndim, 1))
    idx = _index_array(name, index, allow_int32=True)
    _check_gather_shapes(name, input, dim, idx)
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    return dim, idx


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    dim, idx = _scatter_args("scatter", input, dim, index, src)
    if reduce is not None:
        _check_reduce(reduce)
        if isinstance(src, Tensor):
            return apply(SCATTER_REDUCE, (input, src), (dim, idx, reduce))
        return apply(SCATTER_REDUCE_VALUE, (input,), (dim, idx, src, reduce))
    if isinstance(src, Tensor):
        return apply(SCATTER, (input, src), (dim, idx))
    return apply(SCATTER_VALUE, (input,), (dim, idx, src))


def _check_reduce(reduce):
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")


def scatter_(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    dim, idx = _scatter_args("scatter_", input, dim, index, src)
    if reduce is not None:
        _check_reduce(reduce)
        if isinstance(src, Tensor):
            return apply_inplace(SCATTER_REDUCE, input, (src,), (dim, idx, reduce))
        return apply_inplace(SCATTER_REDUCE_VALUE, input, (), (dim, idx, src, reduce))
    if isinstance(src, Tensor):
        return apply_inplace(SCATTER, input, (src,), (dim, idx))
    return apply_inplace(SCATTER_VALUE, input, (), (dim, idx, src))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    dim, idx = _scatter_args("scatter_add", input, dim, index, src)
    return apply(SCATTER_ADD, (input, src), (dim, idx))


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    dim, idx = _scatter_args("scatter_add_", input, dim, index, src)
    return apply_inplace(SCATTER_ADD, input, (src,), (dim, idx))


def _select_index(name, input, dim, index):
    dim = wrap_dim(dim, max(input.ndim, 1))
    idx = _index_array(name, index, allow_int32=True)
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    if idx.size and (idx.max() >= size or idx.min() < -size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        if name == "index_select":
            raise IndexError("index out of range in self")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    return dim, idx


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    dim, idx = _select_index("index_select", input, dim, index)
    return apply(INDEX_SELECT, (input,), (dim, idx))


def _index_add_args(input, dim, index, source):
    dim, idx = _select_index("index_add", input, dim, index)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({scalar_type_name(input._data.dtype)}) and source "
                           f"({scalar_type_name(source._data.dtype)}) must have the same scalar type")
    return dim, idx


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    dim, idx = _index_add_args(input, dim, index, source)
    return apply(INDEX_ADD, (input, source), (dim, idx, alpha))


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    dim, idx = _index_add_args(input, dim, index, source)
    return apply_inplace(INDEX_ADD, input, (source,), (dim, idx, alpha))


def take(input: Tensor, index: Tensor) -> Tensor:
    idx = _index_array("take", index)
    n = input.numel()
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return apply(TAKE, (input,), (idx,))


def _mask_array(name, input, mask) -> np.ndarray:
    data = np.asarray(mask._data)
    if data.dtype != np.bool_:
        from gradrepl.engine.dtypes import CPP_TYPE_NAMES

        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{CPP_TYPE_NAMES[data.dtype.name]}")
    return data


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    mask_data = _mask_array("masked_fill_", input, mask)
    _check_mask_broadcasts(mask_data, input._data)  # torch names the mask a
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s).")
        return apply(MASKED_FILL_TENSOR, (input, value), (mask_data,))
    return apply(MASKED_FILL, (input,), (mask_data, value))


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:
    mask_data = _mask_array("masked_fill_", input, mask)
    _check_mask_broadcasts(mask_data, input._data, in_place=True)  # in place: self is a
    if isinstance(value, Tensor):
        return apply_inplace(MASKED_FILL_TENSOR, input, (value,), (mask_data,))
    return apply_inplace(MASKED_FILL, input, (), (mask_data, value))


def _check_mask_broadcasts(mask_data, data, in_place=False):
    """torch's broadcast error when the mask and the tensor do not broadcast: 'The size of
    tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1', where a is
    the mask for masked_fill and the tensor itself for masked_fill_ (measured on torch 2.13)."""
    from gradrepl.engine.ops.promotion import check_broadcasts

    if in_place:
        check_broadcasts(data, mask_data)
    else:
        check_broadcasts(mask_data, data)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    if np.asarray(mask._data).dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    mask_data = np.asarray(mask._data)
    return apply(MASKED_SELECT, (input,), (mask_data,))


def nonzero(input: Tensor, *, as_tuple: bool = False):
    data = np.asarray(input._data)
    if as_tuple:
        if data.ndim == 0:
            return (new_tensor(np.nonzero(data.reshape(1))[0].astype(np.int64)),)
        return tuple(new_tensor(i.astype(np.int64)) for i in np.nonzero(data))
    return new_tensor(np.argwhere(data).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


register("gather", gather, section=_S, rows=(GATHER,), out=True, out_dtype="exact")
register("scatter", scatter, section=_S, rows=(SCATTER, SCATTER_VALUE, SCATTER_REDUCE),
         inplace=scatter_, out=True, out_dtype="exact")
register("scatter_add", scatter_add, section=_S, rows=(SCATTER_ADD,), inplace=scatter_add_, out=True, out_dtype="exact")
_SAME_AS_SELF = OutDtype("exact", "{name}(): self and result must have the same scalar type")
register("index_select", index_select, section=_S, rows=(INDEX_SELECT,), out=True, out_dtype=_SAME_AS_SELF)
register("index_add", index_add, section=_S, rows=(INDEX_ADD,), inplace=index_add_, out=True, out_dtype="exact")
register("take", take, section=_S, rows=(TAKE,), out=True, out_dtype=OutDtype(
    "exact", "take(): self and out expected to have the same dtype, but got self.dtype = {result} and "
    "out.dtype = {out}"))
register("masked_fill", masked_fill, section=_S, rows=(MASKED_FILL, MASKED_FILL_TENSOR),
         inplace=masked_fill_)
register("masked_select", masked_select, section=_S, rows=(MASKED_SELECT,), out=True, out_dtype=_SAME_AS_SELF)
register("nonzero", nonzero, section=_S, out=True, out_dtype=OutDtype(
    "exact", "nonzero: Expected out tensor to have scalar type Long but got scalar type{out}"),
    differentiable=False)
register("argwhere", argwhere, section=_S)


# ---------------------------------------------------------------------------------------------
# take_along_dim: numpy's take_along_axis, as torch composes it (TensorAdvancedIndexing.cpp):
# without dim, gather from the flattened input (a ViewBackward0 under the GatherBackward0);
# with dim, input and indices broadcast against each other outside dim (input through an
# ExpandBackward0), then gather.

@torch_parsed("take_along_dim")
def take_along_dim(input, indices, dim=None):
    """the values of input at indices along dim (of the flattened input without dim)"""
    from gradrepl.engine.ops.shape import expand, view

    check_types(("Tensor", input), ("Tensor", indices))
    if dim is None:
        return gather(view(input, -1), 0, view(indices, -1))
    check_types(("int", dim))
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, input.ndim)
    if indices.dtype.numpy != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{scalar_type_name(indices._data.dtype)}")
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices")
    sizes = list(input.shape)
    sizes[dim] = indices.shape[dim]
    shape = list(_broadcast_shape(sizes, indices.shape))
    indices = expand(indices, shape)
    shape[dim] = input.shape[dim]
    return gather(expand(input, shape), dim, indices)


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        for i in range(1, len(a) + 1):
            if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
                raise RuntimeError(f"The size of tensor a ({a[-i]}) must match the size of tensor "
                                   f"b ({b[-i]}) at non-singleton dimension {len(a) - i}") from None
        raise


register("take_along_dim", take_along_dim, section=_S, rows=(GATHER,), out=True, out_dtype="exact")


# ---------------------------------------------------------------------------------------------
# index_fill, index_copy: whole slices along dim, chosen by a vector of indices (negative ones
# count from the end), set to a value or copied from source's slices in order (a repeated index
# keeps the last). Backward (derivatives.yaml): self's gradient is grad with those slices
# zeroed; a tensor value's the sum of grad over the distinct slices; source's grad's slices.

def _slices(a, dim, index):
    return (slice(None),) * dim + (index,) if np.ndim(a) else ()


def _index_fill_forward(a, dim, index, value):
    out = np.array(a, copy=True)
    if out.ndim == 0:
        if len(index):
            out[()] = value
        return out
    out[_slices(out, dim, index)] = np.asarray(value).astype(out.dtype)
    return out


def _index_copy_forward(a, source, dim, index):
    out = np.array(a, copy=True)
    if out.ndim == 0:
        if len(index):
            out[()] = np.asarray(source).reshape(-1)[-1]
        return out
    source = np.asarray(source)
    out[_slices(out, dim, index)] = source if source.ndim else source.reshape(1)
    return out


def _zeroed(F, grad, dim, index):
    return F.apply(INDEX_FILL, (grad,), (dim, index, 0))


def _fill_value_grad(F, grad, dim, index):
    unique = np.unique(index)
    picked = F.apply(INDEX_SELECT, (grad,), (dim, unique)) if np.ndim(grad) else grad
    return F.sum(picked, tuple(range(np.ndim(picked))))


def _source_grad(F, grad, source, dim, index):
    if np.ndim(source) == 0:
        return F.reshape(F.apply(INDEX_SELECT, (grad,), (dim, index)), ()) if np.ndim(grad) \
            else grad
    return F.apply(INDEX_SELECT, (grad,), (dim, index))


INDEX_FILL = Primitive("index_fill", "IndexFillBackward0", _index_fill_forward, inputs=("self",),
                       params=("dim", "index", "value"), saves=("index",),
                       derivatives={"self": _zeroed})
INDEX_FILL_TENSOR = Primitive(
    "index_fill", "IndexFillBackward1", lambda a, value, dim, index:
        _index_fill_forward(a, dim, index, value),
    inputs=("self", "value"), params=("dim", "index"), saves=("index",),
    derivatives={"self": _zeroed, "value": _fill_value_grad})
INDEX_COPY = Primitive("index_copy", "IndexCopyBackward0", _index_copy_forward,
                       inputs=("self", "source"), params=("dim", "index"),
                       derivatives={"self": _zeroed, "source": _source_grad})


def _fill_index(name, input, dim, index):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{python_type_name(input)}")
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 3) must be Tensor, not "
                        f"{python_type_name(index)}")
    dim = wrap_dim(dim, max(input.ndim, 1))
    data = np.asarray(index._data)
    if data.ndim > 1:
        if name.startswith("index_copy"):
            raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {data.ndim})")
        raise RuntimeError("Index has to be a vector/scalar")
    if data.dtype != np.int64:
        if name.startswith("index_copy"):
            raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                               f"{scalar_type_name(data.dtype)}")
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    data = data.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    bad = data[(data >= size) | (data < -size)]
    if bad.size:
        where = "index_copy_(): " if name.startswith("index_copy") else ""
        raise IndexError(f"{where}index {int(bad[0])} is out of bounds for dimension {dim} with "
                         f"size {size}")
    return dim, data % size if size else data


def _fill_args(name, input, dim, index, value):
    dim, idx = _fill_index(name, input, dim, index)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return INDEX_FILL_TENSOR, (value,), (dim, idx)
    return INDEX_FILL, (), (dim, idx, value)


def index_fill(input, dim, index, value):
    """input with the slices at index along dim set to value (a number or a 0-d tensor)"""
    row, others, params = _fill_args("index_fill", input, dim, index, value)
    return apply(row, (input,) + others, params)


def index_fill_(self, dim, index, value):
    row, others, params = _fill_args("index_fill_", self, dim, index, value)
    return apply_inplace(row, self, others, params)


def _copy_args(input, dim, index, source):
    dim, idx = _fill_index("index_copy", input, dim, index)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy(): argument 'source' (position 4) must be Tensor, not "
                        f"{python_type_name(source)}")
    if source.ndim and input.ndim and source.ndim != input.ndim:
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({source.ndim}), "
                         f"destination dimensionality ({input.ndim})")
    expected = source.shape[dim] if source.ndim else 1
    if len(idx) != expected:
        raise IndexError(f"index_copy_(): Number of indices ({len(idx)}) should be equal to "
                         f"source.size(dim) ({expected})")
    for d in range(input.ndim):
        if d != dim and source.ndim and source.shape[d] != input.shape[d]:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. "
                f"Destination slice shape: {input.shape[d]} at dimension {d - (d > dim)} and "
                f"source slice shape: {source.shape[d]} at dimension {d - (d > dim)}.")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{scalar_type_name(input._data.dtype)} and (source) "
            f"{scalar_type_name(source._data.dtype)}")
    return dim, idx


def index_copy(input, dim, index, source):
    """input with the slices at index along dim replaced by source's slices, in order"""
    dim, idx = _copy_args(input, dim, index, source)
    return apply(INDEX_COPY, (input, source), (dim, idx))


def index_copy_(self, dim, index, source):
    dim, idx = _copy_args(self, dim, index, source)
    return apply_inplace(INDEX_COPY, self, (source,), (dim, idx))


register("index_fill", index_fill, section=_S, rows=(INDEX_FILL, INDEX_FILL_TENSOR),
         inplace=index_fill_)
register("index_copy", index_copy, section=_S, rows=(INDEX_COPY,), inplace=index_copy_, out=True,
         out_dtype="exact")
