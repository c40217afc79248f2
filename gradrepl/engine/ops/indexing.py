"""Indexing: ``t[...]`` read as torch reads it, one view op per index item.

``a[0, 1:3]`` becomes select then slice, each its own node (SelectBackward0, SliceBackward0), and
a slice that keeps a whole dimension adds no node, as in torch. Lists, tensors and masks take the
copying path (IndexBackward0).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.shape import UNSQUEEZE, view_op
from gradrepl.engine.tensor import Tensor


def _select_forward(a, dim, index):
    # the Ellipsis keeps a 0-d result a view (a[0] of a vector would be a numpy scalar copy), so
    # that x[0] = 5 and x[0].add_(1) write into x
    return a[(slice(None),) * dim + (index, Ellipsis)]


def _slice_forward(a, dim, start, stop, step):
    return a[(slice(None),) * dim + (slice(start, stop, step),)]


def _scatter_backward(make_index):
    def backward(F, g, inputs, out, params, needs):
        a = inputs[0]  # (an array's own shape: np.shape's Python layer costs ~3 k instructions)
        shape = a.shape if type(a) is np.ndarray else np.shape(a)
        return (F.scatter_into(shape, a, make_index(*params), g),)
    return backward


SELECT = Primitive("select", "SelectBackward0", _select_forward,
                   _scatter_backward(lambda dim, i: (slice(None),) * dim + (i,)), saves=())
SLICE = Primitive("slice", "SliceBackward0", _slice_forward,
                  _scatter_backward(lambda dim, a, b, c: (slice(None),) * dim + (slice(a, b, c),)),
                  saves=())
ALIAS = Primitive("alias", "AliasBackward0", lambda a: a[...], inputs=("self",),
                  derivatives={"self": lambda grad: grad})
def _clipped(a, index):
    """Index arrays brought in range of an empty array's dims, where torch never looks at them
    (numpy still checks them)."""
    items = index if isinstance(index, tuple) else (index,)
    out, dim = [], 0
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype.kind in "iu" and dim < a.ndim and a.shape[dim]:
            item = np.clip(item, -a.shape[dim], a.shape[dim] - 1)
        out.append(item)
        dim += 0 if item is None else 1
    return tuple(out) if isinstance(index, tuple) else out[0]


INDEX = Primitive("index", "IndexBackward0", lambda a, index: a[index],
                  _scatter_backward(lambda index: index), params=("indices",),
                  saves=("indices",))  # torch saves the index tensors, not self


def _is_advanced(item) -> bool:
    if isinstance(item, Tensor) and item.ndim == 0 and item.dtype.numpy.kind == "i":
        return False  # a 0-d integer tensor indexes like an int (SelectBackward0); uint8 masks
    return isinstance(item, (Tensor, np.ndarray, list)) or (
        isinstance(item, bool) or isinstance(item, np.bool_))


# the index tensors torch takes: long, int, byte (a mask, deprecated) and bool
_INDEX_TYPES = frozenset(np.dtype(t) for t in (np.int64, np.int32, np.uint8, np.bool_))
_UINT8_MASK = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
               "instead. (Triggered internally at "
               "/__w/pytorch/pytorch/aten/src/ATen/native/IndexingUtils.h:37.)")


def _index_array(item):
    if isinstance(item, Tensor):
        data = np.asarray(item._data)
        if data.dtype not in _INDEX_TYPES:
            # checked before any index runs, so it comes before a mask's or a bound's complaint
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if data.dtype == np.uint8:
            if data.ndim:  # (torch reads a 0-d mask as a bool, without the warning)
                from gradrepl.engine.warn import warn_user

                warn_user(_UINT8_MASK)
            return data.astype(np.bool_)
        return data
    if isinstance(item, (bool, np.bool_)):
        return np.asarray(item)
    return _sequence_array(item) if isinstance(item, list) else item


_SEQUENCES = (list, tuple, range, str)


def _sequence_array(sequence) -> np.ndarray:
    """A list, range or tuple inside an index, as torch makes its index tensor: ``torch.tensor``
    of it, kept as a mask when it holds bools and cast to long otherwise (so ``[]`` and
    ``[1.7]`` index rows, as in torch)."""
    if isinstance(sequence, str):
        raise TypeError("new(): invalid data type 'str'")
    array = np.asarray(sequence)
    if array.dtype.kind in "fb" and not (array.dtype == np.bool_ and array.size):
        array = array.astype(np.int64)
    return array


_SEQUENCE_AS_TUPLE = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error "
    "or a different result (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:{line}.)")


def index_items(index) -> tuple:
    """The items of ``t[index]`` as torch reads them: a tuple's items; a short list holding a
    sequence, tensor, slice, None or ... as a tuple too (numpy's old rule, which torch keeps
    with a warning); anything else as one item. Lists, ranges and tuples among the items
    become index arrays (``x[range(n), y]``, d2l's cross-entropy)."""
    if isinstance(index, tuple):
        items = index
    elif not isinstance(index, _SEQUENCES):
        return (index,)  # an int, slice, tensor, None ...: the common case, kept short
    elif isinstance(index, range) or not _reads_as_tuple(index):
        return (_as_list(index),)
    else:
        items = tuple(index)
    for item in items:  # (a loop: a generator costs more than the check on a short index)
        if isinstance(item, _SEQUENCES) and type(item) is not list:
            return tuple(_as_list(i) if isinstance(i, _SEQUENCES) else i for i in items)
    return items


def _as_list(sequence):
    """A range, tuple or str item as the list the rest of indexing takes (made an index array
    by _sequence_array); a list stays one, so that ``Ellipsis in items`` stays a quick test."""
    if isinstance(sequence, str):
        raise TypeError("new(): invalid data type 'str'")
    return sequence if type(sequence) is list else list(sequence)


def _reads_as_tuple(index: list) -> bool:
    if len(index) >= 32:
        return False
    for item in index:
        if isinstance(item, (Tensor, slice, np.ndarray)) or isinstance(item, _SEQUENCES):
            line = 349
        elif item is None or item is Ellipsis:
            line = 359
        else:
            continue
        from gradrepl.engine.warn import warn_user
        warn_user(_SEQUENCE_AS_TUPLE.format(line=line))
        return True
    return False


_ZERO_DIM_INT = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                 "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")


def check_zero_dim_index(tensor: Tensor, items: tuple) -> None:
    """A 0-d tensor has no dim to index: torch says so, by the kind of the first index."""
    if tensor.ndim or not items:
        return
    first = items[0]
    if first is None or first is Ellipsis or isinstance(first, (bool, np.bool_)):
        return  # these add a dim or mask: valid on a 0-d tensor
    if isinstance(first, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if _is_advanced(first) or isinstance(first, Tensor):
        raise IndexError("too many indices for tensor of dimension 0")
    raise IndexError(_ZERO_DIM_INT)


# t[i] for a Python int i in range, on a tensor of 1 dim or more (a DataLoader's sample, a row):
# the select _basic makes of it, without the general path's item checks; False: always general
SHORT_INT_INDEX = True


def getitem(tensor: Tensor, index) -> Tensor:
    if type(index) is int and SHORT_INT_INDEX:
        shape = tensor.shape
        if shape and -shape[0] <= index < shape[0]:
            return view_op(SELECT, tensor, (0, index % shape[0]))
    items = index_items(index)
    check_zero_dim_index(tensor, items)
    if any(_is_advanced(i) for i in items):
        if any(_cuts(i) for i in items) and not any(isinstance(i, (bool, np.bool_)) for i in items):
            return _basic_then_advanced(tensor, items)
        return _index(tensor, tuple(_index_array(i) for i in items))
    if items == (Ellipsis,) or items == ():
        return view_op(ALIAS, tensor, ())  # t[...] is an alias of t in torch's graph
    as_tuple = not (len(items) == 1 and items[0] is index)  # t[:] is a slice, t[:, ] an alias
    return _basic(tensor, _expand_ellipsis(items, tensor.ndim), as_tuple)


def _cuts(item) -> bool:
    """An int, None or partial slice: torch applies these as views before any index tensor."""
    if item is Ellipsis or _is_advanced(item):
        return False
    return not (isinstance(item, slice) and item == slice(None))


def _basic_then_advanced(tensor: Tensor, items: tuple) -> Tensor:
    """``t[0, :, [1, 2]]`` as torch reads it: first the view (select, slice, unsqueeze), then the
    index tensors on what is left. numpy would treat the int as an index array too and move
    the broadcast dimensions to the front."""
    plain = tuple(slice(None) if _is_advanced(i) else i for i in items)
    spread = _expand_ellipsis(plain, tensor.ndim)
    if Ellipsis in plain:  # (plain, not items: `in` would compare index arrays elementwise)
        at = plain.index(Ellipsis)
        items = items[:at] + spread[at:at + len(spread) - len(plain) + 1] + items[at + 1:]
    view = _basic(tensor, spread, True)
    remaining = []
    for item in items:
        if _is_advanced(item):
            remaining.append(_index_array(item))
        elif isinstance(item, slice) or item is None:
            remaining.append(slice(None))
        # an int's dimension is gone from the view
    return _index(view, tuple(remaining))


def _index(tensor: Tensor, numpy_index: tuple) -> Tensor:
    index = numpy_index if len(numpy_index) > 1 else numpy_index[0]
    if tensor.numel() == 0:
        index = _clipped(tensor._data, index)
    try:
        return apply(INDEX, (tensor,), (index,))
    except IndexError:
        # numpy refuses every index torch refuses as out of bounds (and has run nothing else
        # yet): torch's words for it are looked for only then, not on every index (their
        # bounds checks cost more than the gather on a loss's few picked rows)
        _check_advanced(tensor, numpy_index)
        raise


def _expand_ellipsis(items: tuple, ndim: int) -> tuple:
    consuming = sum(1 for i in items if i is not None and i is not Ellipsis)
    if consuming and not ndim:
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
            "in C++ to convert a 0-dim tensor to a number")
    if consuming > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if Ellipsis in items:  # (items hold no numpy arrays here: they would compare elementwise)
        at = items.index(Ellipsis)
        return items[:at] + (_SPREAD,) * (ndim - consuming) + items[at + 1:]
    return items


# the slices an ellipsis stands for: torch's errors count the ellipsis as one item of the index
_SPREAD = slice(None)


def _basic(tensor: Tensor, items: tuple, as_tuple: bool = False) -> Tensor:
    result, dim = tensor, 0
    position = 0  # torch's errors name the item's place in the index (None counted, ... once)
    previous = None
    for item in items:
        if item is not _SPREAD or previous is not _SPREAD:
            position += 1
        previous = item
        if item is None:
            result = view_op(UNSQUEEZE, result, (dim,))
            dim += 1
        elif isinstance(item, slice):
            size = result.shape[dim]
            start, stop, step = item.indices(size)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            # torch skips a slice that keeps the whole dimension, judged on the start as written:
            # t[-n:] is recorded even when it keeps everything
            if not (_starts_at_zero(item.start) and stop >= size and step == 1):
                stop = max(stop, start)
                result = view_op(SLICE, result, (dim, start, stop, step))
            dim += 1
        else:
            index = _as_int(item)
            size = result.shape[dim]
            if not -size <= index < size:
                raise IndexError(
                    f"index {index} is out of bounds for dimension {position - 1} with size {size}")
            result = view_op(SELECT, result, (dim, index % size if size else index))
    if result is tensor:
        # nothing was cut: t[:] still records a slice (torch's one-slice fast path), while a tuple
        # of whole-dimension slices (t[:, :], t[..., :]) is an alias
        if tensor.ndim and not as_tuple:
            return view_op(SLICE, tensor, (0, 0, tensor.shape[0], 1))
        return _alias(tensor)
    return result


def _alias(tensor: Tensor) -> Tensor:
    return view_op(ALIAS, tensor, ())


def _starts_at_zero(written) -> bool:
    """``written in (None, 0)`` for a slice's start as written (``slice.indices`` has read it as
    an index already): by its value, so that a tensor start (``data[i:i + 8]`` for i drawn by
    randint) is not compared with None, a comparison the tensor refuses only after it has built
    torch's error message (~40 us), then with 0 as a new bool tensor."""
    return written is None or written.__index__() == 0


def _as_int(item) -> int:
    try:
        return item.__index__()
    except (AttributeError, TypeError):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got " + type(item).__name__ + ")"
        ) from None


def _items_with_dims(items: tuple, ndim: int, consuming: int):
    """Each index item that indexes dims (not None, not ...) with the first tensor dim it indexes:
    ... skips the dims the other items leave, a bool mask covers as many dims as it has."""
    dim = 0
    for item in items:
        if item is None:
            continue
        if item is Ellipsis:
            dim += ndim - consuming
            continue
        yield item, dim
        dim += item.ndim if isinstance(item, np.ndarray) and item.dtype == np.bool_ else 1


def _check_index_shapes(tensor: Tensor, items: tuple, consuming: int) -> None:
    """torch's checks of the index tensors' shapes, before their bounds: each mask against the
    dims it covers, then whether the index tensors (a mask counting as one per dim it covers)
    broadcast together."""
    shapes = []
    for item, dim in _items_with_dims(items, tensor.ndim, consuming):
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            for j, size in enumerate(item.shape):
                if dim + j < tensor.ndim and size != tensor.shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(item.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(tensor.shape)} at index {dim + j}")
            shapes += [(int(np.count_nonzero(item)),)] * item.ndim
        elif isinstance(item, np.ndarray):
            shapes.append(item.shape)
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(s)) for s in shapes)) from None


def _check_advanced(tensor: Tensor, numpy_index) -> None:
    items = numpy_index if isinstance(numpy_index, tuple) else (numpy_index,)
    consuming = sum(np.ndim(i) if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1
                    for i in items if i is not None and i is not Ellipsis)
    _check_index_shapes(tensor, items, consuming)
    if tensor.numel() == 0:
        return  # torch checks indices as it gathers, and an empty tensor gathers nothing
    position = 0  # torch's error names the index tensor's place among the index tensors
    for item, dim in _items_with_dims(items, tensor.ndim, consuming):
        if isinstance(item, np.ndarray) and item.dtype.kind in "iu" and item.size and dim < tensor.ndim:
            size = tensor.shape[dim]
            bad = item[(item >= size) | (item < -size)]
            if bad.size:
                raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension "
                                 f"{position} with size {size}")
        if isinstance(item, np.ndarray):
            position += 1
