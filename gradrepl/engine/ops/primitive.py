"""The op table's row type and the one function that runs a row and records it in the graph.

A ``Primitive`` is one row: torch's grad_fn name, a numpy forward and a backward formula. The
backward formula is written once and runs on two backends (``backends.py``): on numpy arrays for
an ordinary backward, and on tensors, recorded like any op, when ``create_graph=True`` asks for
gradients that can themselves be differentiated.

Arguments are split the way torch's signatures split them: ``inputs`` are the tensor arguments
(each gets an edge in ``next_functions``, even a Python number that torch wraps into a tensor,
as in ``x * 2``), ``params`` are everything else (dims, shapes, a scalar exponent).
"""

from __future__ import annotations

from gradrepl.engine import grad_mode
from gradrepl.engine.graph import BACKWARD_TWICE, accumulator_for, node_class
from gradrepl.engine.tensor import Tensor, new_tensor

_grad_enabled = grad_mode._enabled


class Primitive:
    """One differentiable op.

    forward(*arrays, *params) -> array
    backward(F, grad, inputs, out, params, needs) -> one gradient (or None) per input, where
        F is the backend, inputs are arrays (or tensors under create_graph), out is the forward
        result and needs[i] says whether input i wants a gradient.
    saves: torch saves tensors for this op's backward, so a second backward through it fails
        once they are freed (add and sum save none and can be walked twice).
    uses_output: the backward formula reads ``out`` (exp, tanh, sigmoid ...).
    n_outputs: how many tensors the forward returns (a tuple of arrays when more than one).
    """

    __slots__ = (
        "name", "grad_fn_name", "node_class", "forward", "backward", "saves", "uses_output",
        "n_outputs",
    )

    def __init__(self, name, grad_fn_name, forward, backward, saves=True, uses_output=False,
                 n_outputs=1):
        self.name = name
        self.grad_fn_name = grad_fn_name
        self.node_class = node_class(grad_fn_name)
        self.forward = forward
        self.backward = backward
        self.saves = saves
        self.uses_output = uses_output
        # n_outputs > 1 (unbind, split): the backward gets a list with one grad (or None) per output
        self.n_outputs = n_outputs

    def __repr__(self) -> str:
        return f"<primitive {self.name} ({self.grad_fn_name})>"

    def __call__(self, *inputs, params=()):
        return apply(self, inputs, params)


def apply(prim: Primitive, inputs: tuple, params: tuple = ()) -> Tensor:
    """Run ``prim`` on ``inputs`` and, when grad mode is on and an input requires grad, record it."""
    arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
    out = prim.forward(*arrays, *params)
    return wrap(prim, out, inputs, params)


def wrap(prim: Primitive, out, inputs: tuple, params: tuple = ()) -> Tensor:
    """Make the result tensor of an op whose forward already ran, attaching its grad_fn if needed."""
    result = new_tensor(out)
    if _grad_enabled[0]:
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                _record(prim, result, out, inputs, params)
                break
    return result


def _record(prim: Primitive, result: Tensor, out, inputs: tuple, params: tuple) -> None:
    node = prim.node_class()
    node._primitive = prim
    node._inputs = inputs
    node._params = params
    node._out = out if prim.uses_output else None
    node.next_functions = tuple([edge_to(x) for x in inputs])
    node._versions = [x._version_root()._version for x in inputs if isinstance(x, Tensor)] if prim.saves else None
    result._requires_grad = True
    result.grad_fn = node


def edge_to(x) -> tuple:
    """The ``(node, output_nr)`` pair through which gradient reaches input ``x``."""
    if isinstance(x, Tensor):
        if x.grad_fn is not None:
            return (x.grad_fn, x._output_nr)
        if x._requires_grad:
            return (accumulator_for(x), 0)
    return (None, 0)


def check_saved(node) -> None:
    """Raise torch's errors when a node's saved tensors were freed or changed in place since."""
    if node._released:
        raise RuntimeError(BACKWARD_TWICE)
    versions = node._versions
    if versions:
        tensors = [x for x in node._inputs if isinstance(x, Tensor)]
        for tensor, saved in zip(tensors, versions):
            now = tensor._version_root()._version
            if now != saved:
                raise RuntimeError(_modified_message(tensor, saved, now))


def _modified_message(tensor: Tensor, saved: int, now: int) -> str:
    from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

    shape = ", ".join(str(s) for s in tensor.shape)
    if tensor.grad_fn is not None:
        # torch names the op by its grad_fn without the "Backward<k>" tail.
        producer = tensor.grad_fn.name().rsplit("Backward", 1)[0]
        whose = f"output {tensor._output_nr} of {producer}"
    else:
        whose = "a leaf Variable"  # hit only when a leaf was changed under no_grad
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{LEGACY_TYPE_NAMES[tensor.dtype]} [{shape}]], which is {whose}, is at version "
        f"{now}; expected version {saved} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
