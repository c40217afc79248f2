"""Graph nodes whose backward is Python code written against tensors: custom
``torch.autograd.Function`` nodes, and the ``Error`` node ``once_differentiable`` leaves behind.

The backward walker (autograd.py) runs every node through its ``_primitive``'s backward formula
with numpy arrays (or tensors under ``create_graph``). ``UserBackward`` is that formula for a
Python node: it wraps the incoming gradients into tensors, calls the node's Python backward, and
checks what comes back the way torch's engine does (count, shape, dtype).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.graph import Node, _sequence
from gradrepl.engine.ops import backends
from gradrepl.engine.ops.primitive import edge_to
from gradrepl.engine.tensor import Tensor, new_tensor


class UserBackward:
    """The ``_primitive`` of one Python node (per node: it knows the node's output count)."""

    saves = True  # the walker then marks the node released after a non-retaining backward
    uses_output = False
    fast = None

    def __init__(self, node, n_outputs: int, call):
        self.node = node
        self.n_outputs = n_outputs
        self.call = call  # call(node, grads: list[Tensor | None]) -> list, one per tensor input

    def saved(self, needs) -> tuple:
        """What the registry asks of a row (derivatives.Primitive.saved): no input or output
        saved in its sense, as a Python node checks its own saved tensors' versions when its
        backward unpacks them (function.py); but something is saved, so a second backward
        fails."""
        return (), False, True

    def backward(self, F, g, inputs, out, params, needs):
        grads = g if isinstance(g, list) else [g]
        grads = [None if x is None else (x if isinstance(x, Tensor) else new_tensor(x)) for x in grads]
        results = self.call(self.node, grads)
        if F is backends.tensors:
            return results
        # a copy: the engine may accumulate into the array it is given, and the user may hold it
        return [None if r is None else np.array(r._data) for r in results]


def attach(node, prim: UserBackward, tensor_inputs, edges=None) -> None:
    """Give ``node`` its edges to ``tensor_inputs`` (or ``edges``, taken before an input's
    history was rebased onto this node) and its backward formula."""
    node._primitive = prim
    node._special = True
    if edges is None:
        edges = tuple(edge_to(x) for x in tensor_inputs)
    node._sequence_nr = next(_sequence)  # after the edges: an accumulator made just now runs later
    node._multi = True  # incoming grads always arrive as one list entry per output (after the number)
    node._set_edges(edges)
    node._inputs = tuple(tensor_inputs)
    node._needs = tuple(fn is not None for fn, _ in edges)


def set_history(tensor: Tensor, node, output_nr: int) -> Tensor:
    tensor.grad_fn = node
    tensor._requires_grad = True
    tensor._output_nr = output_nr
    return tensor


def validate_grad(node_name: str, index: int, grad, like: Tensor):
    """A gradient a Python backward returned for input ``like``: summed to its shape when it was
    broadcast, cast to its dtype, else torch's error (engine.cpp, validate_outputs)."""
    if grad.shape != like.shape:
        if not _expandable(tuple(like.shape), tuple(grad.shape)):
            got = list(grad.shape)
            raise RuntimeError(
                f"Function {node_name} returned an invalid gradient at index {index} - got {got} "
                f"but expected shape compatible with {list(like.shape)}")
        grad = _sum_to(grad, like)
    if grad.dtype is not like.dtype:
        grad = grad.to(like.dtype)
    return grad


def _expandable(shape: tuple, to: tuple) -> bool:
    if len(shape) > len(to):
        return False
    for a, b in zip(reversed(shape), reversed(to)):
        if a != b and a != 1:
            return False
    return True


def _sum_to(grad: Tensor, like: Tensor) -> Tensor:
    lead = grad.dim() - like.dim()
    dims = list(range(lead)) + [lead + i for i, s in enumerate(like.shape)
                                if s == 1 and grad.shape[lead + i] != 1]
    if dims:
        grad = grad.sum(dim=tuple(dims), keepdim=True)
    return grad.reshape(like.shape)


class _ErrorNode(Node):
    def name(self) -> str:
        return "torch::autograd::Error"


_ErrorNode.__name__ = _ErrorNode.__qualname__ = "Error"
_ErrorNode.__module__ = "builtins"


def delayed_error(outputs, message: str):
    """Aliases of ``outputs`` whose grad_fn raises ``message`` if backward ever reaches it
    (torch's DelayedError node, named ``Error``)."""
    single = not isinstance(outputs, tuple)
    outputs = (outputs,) if single else outputs
    leaves = []
    for out in outputs:
        if isinstance(out, Tensor):
            out = new_tensor(out._memory())
            out._requires_grad = True
        leaves.append(out)
    node = _ErrorNode()

    def fail(node, grads):
        raise RuntimeError(message)

    attach(node, UserBackward(node, len(leaves), fail), [x for x in leaves if isinstance(x, Tensor)])
    results = []
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, Tensor):
            leaf = set_history(new_tensor(leaf._data), node, i)
        results.append(leaf)
    return results[0] if single else tuple(results)
