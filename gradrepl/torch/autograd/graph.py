"""``torch.autograd.graph``: the Node type every grad_fn is, gradient edges, and the saved-tensor
hooks context managers."""

from __future__ import annotations

import abc
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


def __getattr__(name):
    if name in ("register_multi_grad_hook", "allow_mutation_on_saved_tensors"):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.autograd.graph.{name}")
    raise AttributeError(f"module 'torch.autograd.graph' has no attribute '{name}'")
