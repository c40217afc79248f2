"""``torch.autograd.graph``: the Node type every grad_fn is, gradient edges, and the saved-tensor
hooks context managers."""

from __future__ import annotations

import abc
import weakref
from typing import NamedTuple

from gradrepl.engine import graph as _graph
from gradrepl.engine.function import BackwardCFunction as _BackwardCFunction
from gradrepl.engine.saved_hooks import (  # noqa: F401
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)
from gradrepl.engine.tensor import Tensor as _Tensor


class Node(abc.ABC):
    """What every grad_fn is an instance of (``isinstance(y.grad_fn, Node)``); not instantiable."""

    @abc.abstractmethod
    def name(self) -> str: ...

    @property
    @abc.abstractmethod
    def next_functions(self): ...

    @property
    @abc.abstractmethod
    def metadata(self) -> dict: ...

    @property
    @abc.abstractmethod
    def _input_metadata(self): ...

    @abc.abstractmethod
    def _register_hook_dict(self, tensor): ...

    @abc.abstractmethod
    def register_hook(self, fn): ...

    @abc.abstractmethod
    def register_prehook(self, fn): ...

    @abc.abstractmethod
    def _sequence_nr(self) -> int: ...


Node.__module__ = "torch.autograd.graph"
Node.register(_graph.Node)


class GradientEdge(NamedTuple):
    """Where a tensor's gradient enters the graph: its grad_fn (or accumulator) and output number."""

    node: object
    output_nr: int
    ownership_token: object = None  # torch keeps a custom Function's graph alive through it


GradientEdge.__module__ = "torch.autograd.graph"


def get_gradient_edge(tensor: _Tensor) -> GradientEdge:
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require gradients")
    if tensor.grad_fn is None:
        return GradientEdge(_graph.accumulator_for(tensor), 0)
    token = None
    if isinstance(tensor.grad_fn, _BackwardCFunction):
        from gradrepl.engine.grad_mode import enable_grad

        with enable_grad():  # as torch does for a custom Function's node: a view's grad_fn
            token = tensor.view_as(tensor).grad_fn
    return GradientEdge(tensor.grad_fn, tensor._output_nr, token)


def increment_version(tensor) -> None:
    """Count one more in-place change of ``tensor`` (or each tensor of an iterable)."""
    for t in (tensor,) if isinstance(tensor, _Tensor) else tensor:
        t._bump_version()


class _MultiHandle:
    """The handle register_multi_grad_hook returns: remove() removes every tensor hook it added."""

    def __init__(self, handles: tuple):
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_MultiHandle.__module__ = "torch.autograd.graph"


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """mode "all": fn(grads) once per backward pass, when every one of ``tensors`` that the pass
    reaches has its gradient (None for the others); mode "any": fn(grad) with the first of them."""
    from gradrepl.engine.autograd import current_pass, will_execute

    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    # per backward pass, held weakly (a pass holds its whole graph): mode "all" keeps
    # [calls so far, calls expected, grads], mode "any" whether fn already ran
    pending = weakref.WeakKeyDictionary()
    if mode == "all":
        nodes = [get_gradient_edge(t).node for t in tensors]

        def hook_for(index):
            def inner_hook(grad):
                state = current_pass()
                entry = pending.get(state)
                if entry is None:
                    expected = sum(will_execute(state, node) for node in nodes)
                    entry = pending[state] = [0, expected, [None] * len(tensors)]
                entry[0] += 1
                entry[2][index] = grad
                if entry[0] == entry[1]:
                    del pending[state]
                    fn(entry[2])
            return inner_hook

        return _MultiHandle(tuple(t.register_hook(hook_for(i)) for i, t in enumerate(tensors)))

    def first_only(grad):
        state = current_pass()
        if pending.get(state):
            return
        pending[state] = True
        fn(grad)

    return _MultiHandle(tuple(t.register_hook(first_only) for t in tensors if t.requires_grad))


def __getattr__(name):
    if name in ("allow_mutation_on_saved_tensors",):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.autograd.graph.{name}")
    raise AttributeError(f"module 'torch.autograd.graph' has no attribute '{name}'")
