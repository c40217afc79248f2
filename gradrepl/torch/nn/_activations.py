"""Activation functions of ``torch.nn.functional`` (beyond relu/sigmoid/tanh/softmax) that torch
has only there; prelu and dropout, which torch also has as ``torch.X``, are registered ops
(engine/ops/nn_layers.py)."""

from __future__ import annotations

from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.ops.primitive import apply_unary

__all__ = ["elu", "gelu", "leaky_relu", "silu", "softplus"]  # prelu, dropout: nn_layers


def _not_inplace(name, inplace):
    if inplace:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.nn.functional.{name} with inplace=True")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _not_inplace("leaky_relu", inplace)
    return apply_unary(_rows.LEAKY_RELU, input, (float(negative_slope),))


def elu(input, alpha=1.0, inplace=False):
    _not_inplace("elu", inplace)
    return apply_unary(_rows.ELU, input, (float(alpha),))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return apply_unary(_rows.GELU, input, (approximate,))


def silu(input, inplace=False):
    _not_inplace("silu", inplace)
    return apply_unary(_rows.SILU, input)


def softplus(input, beta=1.0, threshold=20.0):
    return apply_unary(_rows.SOFTPLUS, input, (float(beta), float(threshold)))
