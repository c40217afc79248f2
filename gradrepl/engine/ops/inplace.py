"""In-place ops (``x += 1``, ``x.mul_(2)``, ``x[0] = 5``): run the op, write into the tensor's
memory, bump its version, and, when recording, move its history onto the new node.

The node is recorded against a snapshot of the tensor as it was (a copy when the formula needs the
old values), which is how torch keeps the original for backward.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import grad_mode
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.primitive import Primitive, wrap
from gradrepl.engine.tensor import Tensor, new_tensor

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _records(tensor: Tensor, others) -> bool:
    if not grad_mode._enabled[0]:
        return False
    return tensor._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)


def check_writable(tensor: Tensor, others=()) -> bool:
    """Raise torch's error for an in-place change autograd cannot allow; say if it records."""
    records = _records(tensor, others)
    if records and tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(LEAF_IN_PLACE)
    node = tensor.grad_fn
    if records and tensor._base is not None and node is not None and node._multi:
        # split, chunk, unbind: torch refuses in-place changes to any of their views
        name = node.name()
        name = name[:-len("Backward0")] if name.endswith("Backward0") else name
        raise RuntimeError(
            f"Output {tensor._output_nr} of {name} is a view and is being modified inplace. This "
            "view is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace "
            "operation by an out-of-place one.")
    if records and tensor._base is not None and tensor._base._requires_grad:
        raise UnsupportedError(
            "in-place ops on a view of a tensor that requires grad",
            "use an out-of-place op, e.g. y = y * 2",
        )
    return records




def guard_saved_output(tensor: Tensor) -> None:
    """``tensor`` is about to change in place: if its grad_fn saved it as its output (exp, tanh,
    sigmoid ...), that node's backward must now fail with torch's error, as torch's saved
    output's version check does."""
    node = tensor.grad_fn
    if node is None and tensor._base is not None and not tensor._requires_grad:
        # y.detach() shares y's memory and version counter: changing it changes what y's node saved
        tensor = tensor._base
        node = tensor.grad_fn
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


def write(tensor: Tensor, values) -> None:
    """Store ``values`` into the tensor's memory (views see it) and bump the version."""
    guard_saved_output(tensor)
    memory = tensor._data
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
    tensor._bump_version()


def apply_inplace(prim: Primitive, tensor: Tensor, others: tuple = (), params: tuple = ()) -> Tensor:
    """``tensor = prim(tensor, *others)`` done in place."""
    records = check_writable(tensor, others)
    arrays = [o._data if isinstance(o, Tensor) else o for o in others]
    result = prim.forward(tensor._data, *arrays, *params)
    if np.shape(result) != np.shape(tensor._data):
        raise RuntimeError(
            f"output with shape {list(np.shape(tensor._data))} doesn't match the broadcast shape "
            f"{list(np.shape(result))}")
    snapshot = _snapshot(tensor, copy=0 in prim.saved((True,) * len(prim.inputs))[0]) if records else None
    write(tensor, result)
    if records:
        node = wrap(prim, result, (snapshot,) + tuple(others), params).grad_fn
        tensor.grad_fn = node
        tensor._requires_grad = True
        tensor._output_nr = 0
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
    return old


def _copy_slices_backward(F, g, inputs, out, params, needs):
    (index,) = params
    old, value = inputs
    grad_old = grad_value = None
    if needs[0]:
        # the overwritten positions got their value elsewhere: no gradient flows to the old values
        grad_old = F.where(_mask(np.shape(old), index), 0 * g, g)
    if needs[1]:
        grad_value = F.sum_to(F.index(g, index), value)
    return grad_old, grad_value


def _expanded_to(value: Tensor, shape: tuple) -> Tensor:
    """torch copies a value into a view by expanding it first (an ExpandBackward0 node)."""
    if tuple(value.shape) == shape:
        return value
    from gradrepl.engine.ops.shape import expand

    return expand(value, *shape)


def _mask(shape, index):
    mask = np.zeros(shape, dtype=bool)
    mask[index] = True
    return mask


def _copy_slices_forward(old, value, index):
    result = np.array(old, copy=True)
    result[index] = value
    return result


COPY_SLICES = Primitive("setitem", "CopySlices", _copy_slices_forward, _copy_slices_backward,
                        saves=())
# t[[0, 2]] = v and t[mask] = v are index_put_ in torch, not a copy into a view
INDEX_PUT = Primitive("setitem", "IndexPutBackward0", _copy_slices_forward,
                      _copy_slices_backward, saves=())


def _no_gradient(F, g, inputs, out, params, needs):
    return (F.zeros(np.shape(g), g),)  # every value was overwritten: nothing flows back


ZERO = Primitive("zero_", "ZeroBackward0", lambda a: np.zeros_like(a), _no_gradient, saves=())
FILL = Primitive("fill_", "FillBackward2", lambda a, value: np.full_like(a, value), _no_gradient,
                 saves=())


def setitem(tensor: Tensor, index, value) -> None:
    from gradrepl.engine.ops.indexing import _index_array, _is_advanced, check_zero_dim_index

    items = index if isinstance(index, tuple) else (index,)
    check_zero_dim_index(tensor, items)
    advanced = any(_is_advanced(i) for i in items)
    numpy_index = tuple(_index_array(i) for i in items)
    numpy_index = numpy_index if len(numpy_index) > 1 else numpy_index[0]
    if (not advanced and _records(tensor, (value,)) and tensor.grad_fn is None
            and tensor._requires_grad):
        # basic indexing writes through a view of the leaf, and torch words it so
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation.")
    records = check_writable(tensor, (value,))
    memory = tensor._memory()
    if isinstance(value, Tensor) and not advanced:
        value = _expanded_to(value, np.shape(memory[numpy_index]))
    value_data = value._data if isinstance(value, Tensor) else value
    try:
        updated = _copy_slices_forward(memory, value_data, numpy_index)
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    snapshot = _snapshot(tensor, copy=False) if records else None
    guard_saved_output(tensor)
    memory[numpy_index] = value_data
    tensor._bump_version()
    if records:
        prim = INDEX_PUT if advanced else COPY_SLICES
        node = wrap(prim, updated, (snapshot, value), (numpy_index,)).grad_fn
        tensor.grad_fn = node
        tensor._requires_grad = True
        tensor._output_nr = 0
