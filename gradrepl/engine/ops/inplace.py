"""In-place ops (``x += 1``, ``x.mul_(2)``, ``x[0] = 5``): run the op, write into the tensor's
memory, bump its version, and, when recording, move its history onto the new node.

The node is recorded against a snapshot of the tensor as it was (a copy when the formula needs the
old values), which is how torch keeps the original for backward.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import grad_mode, views
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.primitive import Primitive, wrap
from gradrepl.engine.tensor import Tensor, new_tensor

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def check_writable(tensor: Tensor, others=()) -> bool:
    """Raise torch's error for an in-place change autograd cannot allow; say if it records."""
    records = views.records(tensor, others)
    if records:
        if tensor._view_kind is not None:
            views.check_view_writable(tensor)
        elif tensor.grad_fn is None and tensor._requires_grad:
            raise RuntimeError(LEAF_IN_PLACE)
    data = tensor._data
    if tensor._view_kind is not None or type(data) is np.ndarray and not data.flags.writeable:
        # a view, or an engine-made expanded gradient (a big sum's, handed to a hook): torch's
        # overlap error rather than numpy's read-only one
        views.check_no_overlap(tensor)
    return records


def commit(tensor: Tensor, node) -> None:
    """Give ``tensor`` the history of the in-place op recorded as ``node``: directly, or for a
    view by rebasing its root onto a CopySlices node (views.py); then refresh the views."""
    if tensor._view_kind is not None:
        views.rebase(tensor, node)
    else:
        views.set_history(tensor, node)
    views.regenerate(tensor)


def guard_saved_output(tensor: Tensor) -> None:
    """``tensor`` is about to change in place: if its grad_fn saved it as its output (exp, tanh,
    sigmoid ...), that node's backward must now fail with torch's error, as torch's saved
    output's version check does."""
    node = tensor.grad_fn
    if node is None and tensor._base is not None and not tensor._requires_grad:
        # y.detach() shares y's memory and version counter: changing it changes what y's node saved
        tensor = tensor._base
        node = tensor.grad_fn
    if tensor._view_kind is not None:
        # a view's values are its root's: the root's node may have saved them (y = x.exp(); y[0] = 5)
        guard_saved_output(tensor._base)
    _guard(node, tensor)
    if node is not None and node._primitive is views.COPY_SLICES:
        # the root was last changed through a view (v.exp_()): the op it wraps saved that view
        _, _, inner = node._params
        _guard(inner, node._view)


def _guard(node, tensor: Tensor) -> None:
    """Make ``node``'s backward fail if ``tensor``, which it saved as its output, changes."""
    if node is None or node._primitive is None or node._output_check is not None \
            or not node._primitive.saved(node._needs)[1]:
        return
    root, saved = tensor._version_root(), tensor._version_root()._write_count

    def check():
        now = root._write_count
        if now != saved:
            from gradrepl.engine.ops.primitive import _modified_message

            raise RuntimeError(_modified_message(tensor, saved, now, producer_node=node))
    node._output_check = check
    if node._versions is None:
        # the op saved only its output: make backward look at this node's saved state at all
        node._versions = (None,) * len(node._inputs)
        node._epoch = -1


def write(tensor: Tensor, values, refresh_views: bool = True) -> None:
    """Store ``values`` into the tensor's memory (views see it) and bump the version.
    ``refresh_views=False``: the caller records the change and refreshes the views after (an
    operand that is itself a view must keep the history it had when the op read it)."""
    guard_saved_output(tensor)
    memory = tensor._data
    if (type(memory) is np.ndarray and type(values) is np.ndarray
            and values.dtype == memory.dtype and values.shape == memory.shape):
        # nothing to check or cast (an optimizer's update): item assignment copies as np.copyto
        # does, without its Python-level dispatch (a quarter of the time on a few elements)
        memory[...] = values
    elif type(values) is type(memory) and isinstance(memory, np.generic):
        # a 0-d tensor's numpy scalar given a scalar of its own type (``a -= lr * a.grad``):
        # what _store's cast would make of it is the same value, bit for bit, and scalars are
        # immutable, so the tensor holds it as it is
        tensor._data = values
    else:
        _store(tensor, memory, values)
    tensor._bump_version()
    if refresh_views:
        views.regenerate(tensor)


def _store(tensor: Tensor, memory, values) -> None:
    """``write``'s general case: torch's cast and shape checks, then the store."""
    target = np.dtype(memory.dtype)
    values_dtype = np.result_type(values)
    if values_dtype.kind == "f" and target.kind in "biu" or (values_dtype.kind in "iu" and target.kind == "b"):
        raise RuntimeError(
            f"result type {scalar_type_name(values_dtype)} can't be cast to the desired output type "
            f"{scalar_type_name(target)}")
    if np.shape(values) != np.shape(memory):
        try:
            np.broadcast_to(values, np.shape(memory))
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(np.shape(memory))} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(np.shape(values), np.shape(memory)))}") from None
    if type(memory) is np.ndarray:
        np.copyto(memory, values, casting="unsafe")
    else:
        tensor._data = np.asarray(values).astype(target)[()]


def _shape(x) -> tuple:
    """``np.shape(x)``, read straight from an array or a numpy scalar (an op's usual result):
    np.shape is a Python function that makes an array of a scalar first, ~1-2 us of a 0-d
    update's ~10. tests/engine/test_inplace_shape.py compares the two."""
    return x.shape if isinstance(x, _HAS_SHAPE) else np.shape(x)


_HAS_SHAPE = (np.ndarray, np.generic)


def apply_inplace(prim: Primitive, tensor: Tensor, others: tuple = (), params: tuple = ()) -> Tensor:
    """``tensor = prim(tensor, *others)`` done in place."""
    records = check_writable(tensor, others)
    arrays = [o._data if isinstance(o, Tensor) else o for o in others]
    result = prim.forward(tensor._data, *arrays, *params)
    if _shape(result) != _shape(tensor._data):
        raise RuntimeError(
            f"output with shape {list(np.shape(tensor._data))} doesn't match the broadcast shape "
            f"{list(np.shape(result))}")
    node = None
    if records:
        # recorded before the write: an operand sharing the tensor's memory (y.mul_(y), or
        # z[0].mul_(z[2])) is saved at the version it had when the op read it, as in torch
        snapshot = _snapshot(tensor, copy=0 in prim.saved((True,) * len(prim.inputs))[0])
        node = wrap(prim, result, (snapshot,) + tuple(others), params).grad_fn
    write(tensor, result, refresh_views=not records)
    if records:
        commit(tensor, node)
    return tensor


def _snapshot(tensor: Tensor, copy: bool) -> Tensor:
    """The tensor as it is before the write, carrying its history."""
    data = tensor._data
    old = new_tensor(np.array(data) if copy else data)
    old.grad_fn = tensor.grad_fn
    old._requires_grad = tensor._requires_grad
    old._output_nr = tensor._output_nr
    if tensor.grad_fn is None and tensor._requires_grad:
        old._accumulator = tensor._accumulator
    if tensor._view_kind is not None:
        # the op must compute the view's gradient even when the view had no history of its own
        # (its root got one later): the CopySlices node routes it to the root
        old._requires_grad = True
    return old


def _index_put_backward(F, g, inputs, out, params, needs):
    (index,) = params
    old, value = inputs
    grad_old = grad_value = None
    if needs[0]:
        # the overwritten positions got their value elsewhere: no gradient flows to the old values
        grad_old = F.where(_mask(np.shape(old), index), 0 * g, g)
    if needs[1]:
        grad_value = F.sum_to(F.index(g, index), value)
    return grad_old, grad_value


def _mask(shape, index):
    mask = np.zeros(shape, dtype=bool)
    mask[index] = True
    return mask


def _index_put_forward(old, value, index):
    result = np.array(old, copy=True)
    result[index] = value
    return result


# t[[0, 2]] = v and t[mask] = v are index_put_ in torch, not a copy into a view
INDEX_PUT = Primitive("setitem", "IndexPutBackward0", _index_put_forward, _index_put_backward,
                      saves=())


def _copy_backward(F, g, inputs, out, params, needs):
    old, src = inputs
    return (F.zeros(np.shape(g), g) if needs[0] else None,
            F.sum_to(_in_dtype_of(g, src), src) if needs[1] else None)


def _in_dtype_of(g, src):
    """torch casts copy_'s gradient to the source's dtype *before* summing it back to the
    source's shape: the float32 sum rounds differently from a float64 one cast afterwards."""
    if isinstance(g, Tensor):
        return g if g.dtype is src.dtype else g.to(src.dtype)
    dtype = getattr(src, "dtype", None)
    return g if dtype is None or dtype == g.dtype else np.asarray(g).astype(dtype)


# t.copy_(src), and t[0] = v (a copy into the view t[0]): every value of t is replaced
COPY = Primitive("copy_", "CopyBackwards", None, _copy_backward, saves=())


def _no_gradient(F, g, inputs, out, params, needs):
    return (F.zeros(np.shape(g), g),)  # every value was overwritten: nothing flows back


ZERO = Primitive("zero_", "ZeroBackward0", lambda a: np.zeros_like(a), _no_gradient, saves=())
FILL = Primitive("fill_", "FillBackward2", lambda a, value: np.full_like(a, value), _no_gradient,
                 saves=())


def copy_into(tensor: Tensor, src) -> Tensor:
    """``tensor.copy_(src)``: src broadcast to tensor's shape and cast to its dtype (any cast,
    unlike arithmetic in place), recorded as CopyBackwards."""
    records = check_writable(tensor, (src,))
    data = src._data if isinstance(src, Tensor) else np.asarray(src)
    memory = tensor._memory()
    try:
        values = np.broadcast_to(data, memory.shape)
    except ValueError:
        raise RuntimeError(_copy_message(memory.shape, np.shape(data))) from None
    node = wrap(COPY, memory, (_snapshot(tensor, copy=False), src)).grad_fn if records else None
    guard_saved_output(tensor)
    np.copyto(memory, values, casting="unsafe")
    tensor._bump_version()
    if records:
        commit(tensor, node)
    else:
        views.regenerate(tensor)
    return tensor


def _copy_message(target: tuple, shape: tuple) -> str:
    """torch's error when copy_'s source does not broadcast to the tensor: its TensorIterator
    broadcasts the two (tensor a, then the source b), then checks the result is the tensor's shape."""
    try:
        broadcast = np.broadcast_shapes(target, shape)
    except ValueError:
        from gradrepl.engine.ops.promotion import raise_broadcast_error

        try:
            raise_broadcast_error(np.empty(target, dtype=np.bool_), np.empty(shape, dtype=np.bool_))
        except RuntimeError as error:
            return str(error)
    return f"output with shape {list(target)} doesn't match the broadcast shape {list(broadcast)}"


def _shaped_for(view: Tensor, value):
    """The value as torch's setitem copies it: a tensor of another shape loses its leading
    1-sized dims (a view) and is expanded to the view's shape; a 0-d one fills the view."""
    if not isinstance(value, Tensor) or value.ndim == 0 or value.shape == view.shape:
        return value
    from gradrepl.engine.ops.shape import expand
    from gradrepl.engine.ops.shape import view as view_as_shape

    shape = tuple(value.shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    value = view_as_shape(value, shape)
    return value if value.shape == view.shape else expand(value, tuple(view.shape))


def _write_directly(tensor: Tensor, items: tuple, value) -> bool:
    """``t[index] = value`` with nothing to record (the common case under no_grad): numpy
    writes straight into the memory, with no view tensor made. False when numpy refuses (the
    view path then raises torch's error) or would accept what torch does not (a negative step).
    test_views_properties.py checks it against the view path."""
    if any(isinstance(i, slice) and i.step is not None and i.step <= 0 for i in items):
        return False
    memory = tensor._memory()
    if 0 in memory.strides:
        return False  # maybe an expanded view: the view path checks for overlap
    numpy_index = tuple(i.__index__() if isinstance(i, Tensor) else i for i in items)
    # (a guard set up for a write that then fails is harmless: it holds the current version)
    guard_saved_output(tensor)
    try:
        # numpy checks the index and the value's shape before it writes anything
        memory[numpy_index] = value._data if isinstance(value, Tensor) else value
    except (IndexError, ValueError, TypeError):
        return False
    tensor._bump_version()
    views.regenerate(tensor)
    return True


def _index_put_value(tensor: Tensor, items: tuple, value):
    """The value as torch's index_put_ takes it: leading 1-sized dims viewed away
    (ViewBackward0), and of the tensor's dtype, unless it is one element written through a mask
    (torch fills then)."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim and value.shape[0] == 1:
        from gradrepl.engine.ops.shape import view as view_as_shape

        shape = tuple(value.shape)
        while shape and shape[0] == 1:
            shape = shape[1:]
        value = view_as_shape(value, shape)
    fills = len(items) == 1 and isinstance(items[0], Tensor) and items[0].dtype.numpy == np.bool_ \
        and value.numel() == 1
    if value.dtype is not tensor.dtype and not fills:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{scalar_type_name(tensor._data.dtype)} for the destination and "
            f"{scalar_type_name(value._data.dtype)} for the source.")
    return value


def _refuse_index_put(tensor: Tensor, memory, numpy_index, value, error) -> None:
    """numpy refused ``memory[numpy_index] = value``: torch's words for it, in torch's order
    (the index tensors' shapes, their bounds, then the value's shape)."""
    from gradrepl.engine.ops.indexing import _check_advanced

    _check_advanced(tensor, numpy_index)
    if isinstance(error, IndexError):
        raise IndexError(str(error).replace("axis", "dimension")) from None
    result = np.shape(memory[numpy_index])
    if np.shape(value) != result:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot "
                           f"be broadcast to indexing result of shape {list(result)}") from None
    raise RuntimeError(str(error)) from None


def _refuse_byte_mask_fill(items: tuple, value) -> None:
    """torch's index_put_ hands one mask and a one-element value to masked_fill_, which takes
    no uint8 mask (a uint8 mask indexes, with a warning, everywhere else)."""
    from gradrepl.engine.ops.indexing import _is_advanced

    advanced = [i for i in items if _is_advanced(i)]
    if (len(advanced) == 1 and isinstance(advanced[0], Tensor)
            and advanced[0]._data.dtype == np.uint8
            and (value.numel() if isinstance(value, Tensor) else np.size(value)) == 1):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           "unsigned char")


def setitem(tensor: Tensor, index, value) -> None:
    """``t[index] = value``: basic indexing copies into the view ``t[index]`` (so torch's
    CopySlices appears for a tensor with history); index tensors and masks are index_put_."""
    from gradrepl.engine.ops.indexing import (
        _index_array, _is_advanced, check_zero_dim_index, getitem, index_items)

    items = index_items(index)
    check_zero_dim_index(tensor, items)
    if isinstance(value, (list, tuple, np.ndarray)):
        kind = "numpy.ndarray" if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(f"can't assign a {kind} to a {tensor.type()}")
    if not any(_is_advanced(i) for i in items):
        if not views.records(tensor, (value,)) and _write_directly(tensor, items, value):
            return
        # a list read as a tuple is passed as one, so that its warning is not given twice
        view = getitem(tensor, items if isinstance(index, list) else index)
        copy_into(view, _shaped_for(view, value))
        return
    _refuse_byte_mask_fill(items, value)
    numpy_index = tuple(_index_array(i) for i in items)
    numpy_index = numpy_index if len(numpy_index) > 1 else numpy_index[0]
    value = _index_put_value(tensor, items, value)
    records = check_writable(tensor, (value,))
    memory = tensor._memory()
    value_data = value._data if isinstance(value, Tensor) else value
    try:
        updated = _index_put_forward(memory, value_data, numpy_index)
    except (IndexError, ValueError) as e:
        _refuse_index_put(tensor, memory, numpy_index, value_data, e)
    node = None
    if records:
        snapshot = _snapshot(tensor, copy=False)
        node = wrap(INDEX_PUT, updated, (snapshot, value), (numpy_index,)).grad_fn
    guard_saved_output(tensor)
    memory[numpy_index] = value_data
    tensor._bump_version()
    if records:
        commit(tensor, node)
    else:
        views.regenerate(tensor)
