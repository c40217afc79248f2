"""In-place changes through views: torch's view tracking, CopySlices and AsStridedBackward0.

A view (``y[0]``, ``y.t()``, ``y.view(12)``, ``y.diagonal()`` ...) shares its base's memory and
version counter. ``_base`` is always the *root* (the tensor that owns the memory, as torch's
``_base`` is: ``y[0][1]._base is y``) and ``_view_kind`` says how the view was made, which decides
whether it may be changed in place (torch's ``CreationMeta``).

When a view is changed in place while recording, torch cannot give the view alone the new
history, since the root's values changed too. So it *rebases* (variable.cpp, ``rebase_history``):

- the in-place op's node (``MulBackward0`` for ``v.mul_(2)``) is wrapped in a ``CopySlices``
  node that becomes the root's grad_fn. Its edges are the root's old history, then the in-place
  op's other inputs. Its backward takes the incoming gradient of the whole root, runs the wrapped
  node on the view's part of it, and writes the result back into that part;
- every view of the root, the changed one included, gets a fresh ``AsStridedBackward0`` node
  leading to the root's new grad_fn (torch regenerates a view's grad_fn from its base whenever
  the version counter moved; gradrepl does it eagerly, after each write).

Both nodes find "the view's part of the root" the same way: ``positions(view)`` gives, for each
element of the view, its flat index in the root, read from the numpy strides of the shared
memory. That one array replaces torch's replay of the view function.
"""

from __future__ import annotations

import weakref

import numpy as np

from gradrepl.engine import grad_mode
from gradrepl.engine.graph import Node, _sequence
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.tensor import Tensor, new_tensor

# How a view was made (torch's CreationMeta): only DEFAULT views may be changed in place while
# recording; the others name torch's error.
DEFAULT = "default"
NO_GRAD = "no_grad"  # made under no_grad from a tensor that requires grad
NO_GRAD_VIEW_OF_VIEW = "no_grad_view_of_view"  # made with grad mode on from a NO_GRAD view
MULTI_OUTPUT = "multi_output"  # an output of unbind (or a view of one)

_AMBIGUOUS = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)
NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad mode "
                "enabled. " + _AMBIGUOUS)
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def _made_by(tensor: Tensor) -> str:
    """"Output 0 of Slice": the op that made the view, named as torch's messages name a node."""
    node = tensor.grad_fn
    name = node.name() if node is not None else tensor._view_op or ""
    return f"Output {tensor._output_nr} of {name[:-len('Backward0')] if name.endswith('Backward0') else name}"


def _message(tensor: Tensor) -> str:
    kind = tensor._view_kind
    if kind == NO_GRAD:
        return NO_GRAD_VIEW
    if kind == NO_GRAD_VIEW_OF_VIEW:
        return (f"{_made_by(tensor)} is a view of a view which was created in no_grad mode and is "
                "being modified inplace with grad mode enabled. " + _AMBIGUOUS)
    return (
        f"{_made_by(tensor)} is a view and is being modified inplace. This view is the output of a "
        "function that returns multiple views. Such functions do not allow the output views to be "
        "modified inplace. You should replace the inplace operation by an out-of-place one."
    )


# -------------------------------------------------------------------------------------------------
# Tracking views


def track(view: Tensor, of: Tensor, kind: str | None = None, op: str | None = None) -> Tensor:
    """Mark ``view`` (made from ``of`` by the op whose grad_fn is named ``op``) as a view of
    ``of``'s memory, remembered by the root so its history can follow the root's."""
    root = of._version_root()
    view._base = root
    if of._base is not None and of._view_kind is None:
        kind = None  # a view of a detach()ed alias: shares the version counter, no history
    elif not grad_mode._enabled[0] and root._requires_grad:
        # requires grad (torch's view asks its base) with no history: ops on it record nodes
        # whose edge to it is (None, 0) (graph.accumulator_for); no in-place change later
        kind = NO_GRAD
        view._requires_grad = True
    elif of._view_kind in (NO_GRAD, NO_GRAD_VIEW_OF_VIEW):
        kind = NO_GRAD_VIEW_OF_VIEW
        view._view_op = op
    elif of._view_kind == MULTI_OUTPUT:
        kind = MULTI_OUTPUT  # a view of a restricted view keeps the restriction
    elif kind is None:
        kind = DEFAULT
    if kind == MULTI_OUTPUT and op is not None:
        view._view_op = op
    view._view_kind = kind
    remember(root, view)
    return view


def remember(root: Tensor, view: Tensor) -> None:
    """Add ``view`` to the views its root keeps (weakly) for in-place changes to rebase."""
    views = root._views
    if views is None:
        views = root._views = []
    elif len(views) >= root._views_limit:
        # drop the views that have died, so that indexing in a loop does not grow the list forever
        views[:] = [ref for ref in views if ref() is not None]
        root._views_limit = max(64, 2 * len(views))
    views.append(weakref.ref(view))


def is_view(tensor: Tensor) -> bool:
    return tensor._view_kind is not None


def positions(view: Tensor) -> np.ndarray:
    """For each element of ``view``, its flat (C-order) index in the root's data (computed once
    per view: a view never moves within its root)."""
    cached = view._positions
    if cached is None:
        cached = view._positions = _positions(view)
    return cached


def _positions(view: Tensor) -> np.ndarray:
    root = view._base
    root_data, data = root._memory(), view._memory()
    offsets = _byte_offsets(data, root_data)
    if root_data.flags.c_contiguous:
        return offsets // root_data.itemsize
    root_offsets = _byte_offsets(root_data, root_data).reshape(-1)
    order = np.argsort(root_offsets, kind="stable")
    found = np.searchsorted(root_offsets, offsets.reshape(-1), sorter=order)
    return order[found].reshape(offsets.shape)


def _byte_offsets(array: np.ndarray, root: np.ndarray) -> np.ndarray:
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    offsets = np.full(array.shape, start, dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(array.shape, array.strides)):
        shape = [1] * array.ndim
        shape[dim] = size
        offsets = offsets + (np.arange(size, dtype=np.int64) * stride).reshape(shape)
    return offsets


# -------------------------------------------------------------------------------------------------
# Checks before an in-place change


def records(tensor: Tensor, others=()) -> bool:
    """Whether an in-place change of ``tensor`` by ``others`` is recorded in the graph."""
    if not grad_mode._enabled[0]:
        return False
    if tensor._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others):
        return True
    return tensor._view_kind is not None and tensor._base._requires_grad


OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
           "single memory location. Please clone() the tensor before performing the operation.")


def check_no_overlap(tensor: Tensor) -> None:
    """torch refuses to write into a tensor whose elements share memory (an expanded view)."""
    data = tensor._data
    # numpy gives an empty array zero strides; nothing is written, so nothing overlaps
    if type(data) is np.ndarray and data.size and any(
            stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape)):
        raise RuntimeError(OVERLAP)


def check_view_writable(tensor: Tensor) -> None:
    """torch's errors for changing a view in place while recording (handle_view_on_rebase)."""
    if tensor._view_kind != DEFAULT:
        raise RuntimeError(_message(tensor))
    # torch asks whether the view requires grad and its base is a leaf, whether or not the base
    # requires grad (a.view(3, 3).requires_grad_() is such a view)
    if tensor._requires_grad and tensor._base.grad_fn is None:
        raise RuntimeError(VIEW_OF_LEAF)


# -------------------------------------------------------------------------------------------------
# The two nodes


def _copy_slices_backward(F, g, inputs, out, params, needs):
    where, root_shape, inner = params
    from gradrepl.engine.ops.primitive import check_saved

    check_saved(inner)
    flat = F.reshape(g, (int(np.prod(root_shape, dtype=np.int64)),))
    index = where.reshape(-1)
    part = F.reshape(F.index(flat, index), where.shape)
    grads = _run_inner(F, inner, part)
    mask = np.zeros(flat_size(root_shape), dtype=bool)
    mask[index] = True
    if grads[0] is None:
        whole = F.where(mask, 0 * flat, flat)  # the view's part was overwritten: no gradient
    else:
        placed = F.scatter_into((mask.size,), flat, index, F.reshape(grads[0], (index.size,)))
        whole = F.where(mask, placed, flat)
    return (F.reshape(whole, root_shape) if needs[0] else None,) + tuple(grads[1:])


def flat_size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _run_inner(F, inner, g) -> tuple:
    """The wrapped in-place op's backward, on the view's part of the gradient."""
    from gradrepl.engine.ops import backends

    prim = inner._primitive
    if F is backends.arrays:
        grads = prim.backward(F, g, inner._arrays, inner._out, inner._params, inner._needs)
    else:
        from gradrepl.engine.autograd import _saved_output
        from gradrepl.engine.ops.primitive import formula_inputs

        out = _saved_output(inner) if prim.uses_output else None
        grads = prim.backward(F, g, formula_inputs(inner), out, inner._params, inner._needs)
    return tuple(grads)


def _as_strided_backward(F, g, inputs, out, params, needs):
    where, root_shape = params
    index = where.reshape(-1)
    flat = F.scatter_into((flat_size(root_shape),), g, index, F.reshape(g, (index.size,)))
    return (F.reshape(flat, root_shape),)


# the wrapped node is kept as a param: a second backward fails exactly when it saved something
COPY_SLICES = Primitive("copy_slices", "CopySlices", None, _copy_slices_backward,
                        inputs=("self",), params=("positions", "shape", "fn"), saves=("fn",))
AS_STRIDED = Primitive("as_strided", "AsStridedBackward0", None, _as_strided_backward,
                       inputs=("self",), params=("positions", "shape"), saves=())


def _edge(x) -> tuple:
    from gradrepl.engine.ops.primitive import edge_to

    return edge_to(x)


def rebase(view: Tensor, inner) -> None:
    """``view`` was changed in place by the op recorded as ``inner``: give the root a CopySlices
    node wrapping it (the view's own history comes from the root from now on)."""
    root = view._base
    node = Node.__new__(COPY_SLICES.node_class)
    node._primitive = COPY_SLICES
    node._step = COPY_SLICES.step
    node._inputs = (root,) + tuple(inner._inputs[1:])
    node._arrays = (None,) + tuple(inner._arrays[1:])
    node._params = (positions(view), tuple(root.shape), inner)
    # what the wrapped op wrote, and saved if it saves its output (exp_): a stand-in sharing the
    # view's memory and version counter, so that the graph does not keep the view itself alive
    # (every live view is regenerated at each write)
    node._view = new_tensor(view._data)
    node._view._base = root
    node._set_edges((_edge(root),) + tuple(inner.next_functions[1:]))
    node._needs = tuple(n is not None for n, _ in node.next_functions)
    node._mixed = inner._mixed
    if node._mixed:
        node._special = True  # its gradients are cast back by the full _node_grads, as any mixed node's
    # torch's CopySlices lets go of the wrapped node after a backward, whatever it saved: walking
    # it again without retain_graph fails
    node._sequence_nr = next(_sequence)
    set_history(root, node)


def set_history(tensor: Tensor, node) -> None:
    """Give ``tensor`` a new grad_fn after an in-place change. A tensor that retains its grad
    keeps doing so on the new node, as torch moves its retains_grad hook; hooks registered with
    register_hook stay on the old node, as in torch."""
    old = tensor.grad_fn
    tensor.grad_fn = node
    tensor._requires_grad = True
    tensor._output_nr = 0
    if tensor._retains_grad and old is not None and old._retained:
        old._retained[:] = [(nr, ref) for nr, ref in old._retained if ref() is not tensor]
        from gradrepl.engine.hooks import add_retain_grad_hook

        add_retain_grad_hook(tensor)


def regenerate(tensor: Tensor) -> None:
    """After a write into ``tensor``'s memory: every live view of its root that has history gets
    an AsStridedBackward0 node on the root's current history, as torch's views do when their
    version counter moved."""
    root = tensor._version_root()
    views = root._views
    if not views or not root._requires_grad:
        return
    # a parameter viewed once per forward (Linear's weight.t()) and written once per step keeps
    # a list of dead references: drop them here, and find the root's edge only for a live view
    edge = None
    alive = []
    for ref in views:
        view = ref()
        if view is None:
            continue
        alive.append(ref)
        if view._view_kind in (None, NO_GRAD, NO_GRAD_VIEW_OF_VIEW):
            continue
        if edge is None:
            edge = _edge(root)
        node = Node.__new__(AS_STRIDED.node_class)
        node._primitive = AS_STRIDED
        node._step = AS_STRIDED.step
        node._inputs = (root,)
        node._arrays = (None,)
        node._params = (positions(view), tuple(root.shape))
        node._set_edges((edge,))
        node._needs = (True,)
        node._sequence_nr = next(_sequence)
        set_history(view, node)
    if len(alive) != len(views):
        views[:] = alive
