"""Activation functions of ``torch.nn.functional`` (beyond relu/sigmoid/tanh/softmax) that torch
has only there; prelu and dropout, which torch also has as ``torch.X``, are registered ops
(engine/ops/nn_layers.py)."""

from __future__ import annotations

from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.ops import nn_inplace as _inplace_rows
from gradrepl.engine.ops.primitive import apply_unary
from gradrepl.engine.ops.registry import refusing_non_tensors

__all__ = ["elu", "gelu", "hardtanh", "leaky_relu", "relu6", "silu", "softplus"]  # prelu, dropout: nn_layers


def _in_place(prim, input, params=()):
    from gradrepl.engine.ops.inplace import apply_inplace

    return apply_inplace(prim, input, (), params)


@refusing_non_tensors
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


@refusing_non_tensors
def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _in_place(_inplace_rows.ELU_, input, (float(alpha),))
    return apply_unary(_rows.ELU, input, (float(alpha),))


@refusing_non_tensors
def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return apply_unary(_rows.GELU, input, (approximate,))


@refusing_non_tensors
def silu(input, inplace=False):
    if inplace:
        return _in_place(_rows.SILU, input)
    return apply_unary(_rows.SILU, input)


@refusing_non_tensors
def softplus(input, beta=1.0, threshold=20.0):
    return apply_unary(_rows.SOFTPLUS, input, (float(beta), float(threshold)))


@refusing_non_tensors
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:  # torch records the out-of-place row on a saved copy of the input
        return _in_place(_rows.HARDTANH, input, (min_val, max_val))
    return apply_unary(_rows.HARDTANH, input, (min_val, max_val))


@refusing_non_tensors
def relu6(input, inplace=False):
    return hardtanh.__wrapped__(input, 0.0, 6.0, inplace)  # torch names relu6 in its refusal
