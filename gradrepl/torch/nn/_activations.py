"""Activation functions and dropout of ``torch.nn.functional`` (beyond relu/sigmoid/tanh/softmax)."""

from __future__ import annotations

from gradrepl.engine import ops as _ops
from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.ops import nn_inplace as _inplace_rows
from gradrepl.engine.ops.primitive import apply, apply_unary
from gradrepl.engine.tensor import new_tensor

__all__ = ["dropout", "elu", "gelu", "leaky_relu", "prelu", "silu", "softplus"]


def _in_place(prim, input, params=()):
    from gradrepl.engine.ops.inplace import apply_inplace

    return apply_inplace(prim, input, (), params)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        if negative_slope < 0 and input.requires_grad:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which "
                "is not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead. File an issue at "
                "https://github.com/pytorch/pytorch if you do require supporting in-place "
                "leakRelu backward calculation with negative slope")
        return _in_place(_inplace_rows.LEAKY_RELU_, input, (float(negative_slope),))
    return apply_unary(_rows.LEAKY_RELU, input, (float(negative_slope),))


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _in_place(_inplace_rows.ELU_, input, (float(alpha),))
    return apply_unary(_rows.ELU, input, (float(alpha),))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return apply_unary(_rows.GELU, input, (approximate,))


def silu(input, inplace=False):
    if inplace:
        return _in_place(_rows.SILU, input)
    return apply_unary(_rows.SILU, input)


def softplus(input, beta=1.0, threshold=20.0):
    return apply_unary(_rows.SOFTPLUS, input, (float(beta), float(threshold)))


def prelu(input, weight):
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if input.dim() == 0 or weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}.")
    # torch views the weight so that it broadcasts along the channel dim (the ViewBackward0 edge)
    shape = [1] * max(input.dim(), 1)
    if weight.numel() != 1 and input.dim() >= 2:
        shape[1] = weight.numel()
    elif weight.numel() != 1:
        shape[0] = weight.numel()
    return apply(_rows.PRELU, (input, _ops.view(weight, tuple(shape))))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p): torch's CPU
    dropout is ``input * (bernoulli_(1 - p) / (1 - p))``, the mask drawn from the generator."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    multiply = _ops.mul_ if inplace else _ops.mul
    if p == 1:
        import numpy as np

        return multiply(input, new_tensor(np.zeros((), dtype=input._data.dtype)))
    from gradrepl.engine.bernoulli import bernoulli_values

    noise = new_tensor(bernoulli_values(tuple(input.shape), 1 - p, input._data.dtype))
    return multiply(input, _ops.div(noise, 1 - p))
