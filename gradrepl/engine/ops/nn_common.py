"""What the nn op rows share: torch's loss reduction, and the guard for formulas written on arrays.

The nn rows (losses, convolution, normalisation, pooling) write their backward formulas on numpy
arrays, in torch's order of operations: that is the fast path of every ordinary backward. Under
create_graph=True a row either records its gradient as torch's backward-of-backward row
(``twice``, rows in nn_double_backward.py) or, where that is not written yet, says so
(``arrays_only``).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.summation import float_sum

REDUCTIONS = ("none", "mean", "sum")


def reduce_loss(loss, reduction: str):
    """torch's apply_loss_reduction: the elementwise loss, or its mean or sum (torch's sum order)."""
    if reduction == "none":
        return loss
    if loss.dtype.kind != "f":
        return loss.sum() if reduction == "sum" else loss.mean()
    if reduction == "sum":
        return np.asarray(float_sum(loss), dtype=loss.dtype)
    if not loss.size:
        return np.asarray(np.nan, dtype=loss.dtype)
    return np.asarray(float_sum(loss) / loss.dtype.type(loss.size), dtype=loss.dtype)


def mean_norm(reduction: str, n: int, dtype, scale: float = 1.0):
    """The factor torch's loss backward kernels take as a scalar: ``scale / n`` for a mean,
    computed in double and rounded once to the tensor's dtype."""
    return np.dtype(dtype).type(scale / n if reduction == "mean" else scale)


def arrays_only(name: str, backward):
    """A backward formula that runs only on numpy arrays; under create_graph=True it says so."""
    def wrapped(F, g, inputs, out, params, needs):
        if F is not arrays:
            from gradrepl.engine.errors import UnsupportedError

            raise UnsupportedError(f"double backward (create_graph=True) through {name}")
        return backward(g, inputs, out, params, needs)
    wrapped.__name__ = f"{name}_backward"
    return wrapped


def twice(backward, recorded):
    """A whole-op backward that is fast on arrays and differentiable under create_graph=True:
    ``backward(g, inputs, out, params, needs)`` (numpy) for an ordinary backward, and
    ``recorded(F, g, inputs, out, params, needs)``, which records the gradients as torch's
    ``...BackwardBackward0`` rows, when the gradient must itself be differentiable."""
    def whole(F, g, inputs, out, params, needs):
        if F is arrays:
            return backward(g, inputs, out, params, needs)
        return recorded(F, g, inputs, out, params, needs)
    whole.__name__ = backward.__name__
    return whole


def check_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction
