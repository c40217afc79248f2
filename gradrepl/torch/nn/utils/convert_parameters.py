"""parameters_to_vector and vector_to_parameters."""

from __future__ import annotations

from gradrepl.engine import ops
from gradrepl.engine.tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    return ops.cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
