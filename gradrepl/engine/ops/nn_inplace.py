"""The in-place activation rows whose backward torch writes on the result (``self_is_result``):
``leaky_relu_`` (``LeakyReluBackward1``) and ``elu_`` (``EluBackward1``). silu_ records the
out-of-place row (``SiluBackward0``, on a saved copy of the input) and relu_ already has its row.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive


def _arrays_only(name):
    """On arrays only: differentiating these a second time (create_graph=True) says so."""
    def check(F):
        if F is not arrays:
            raise UnsupportedError(f"double backward (create_graph=True) through {name}")
    return check


_leaky_check, _elu_check = _arrays_only("leaky_relu_"), _arrays_only("elu_")


def _leaky_backward(F, grad, result, negative_slope):
    # leaky_relu_backward(grad, result, negative_slope, /* self_is_result */ true)
    _leaky_check(F)
    t = result.dtype.type
    g = np.asarray(grad, dtype=result.dtype)
    return np.where(result > 0, g, g * t(negative_slope)).astype(result.dtype, copy=False)


def _elu_backward(F, grad, result, alpha):
    # torch's elu_backward with is_result: grad * input_scale * (result + alpha * scale) where
    # the result is <= 0
    _elu_check(F)
    t = result.dtype.type
    g = np.asarray(grad, dtype=result.dtype)
    negative = g * t(1.0) * (result + t(alpha) * t(1.0))
    return np.where(result <= 0, negative, g * t(1.0)).astype(result.dtype, copy=False)


LEAKY_RELU_ = Primitive("leaky_relu_", "LeakyReluBackward1", _rows.LEAKY_RELU.forward,
                        inputs=("self",), params=("negative_slope",),
                        derivatives={"self": _leaky_backward})
ELU_ = Primitive("elu_", "EluBackward1", _rows.ELU.forward, inputs=("self",),
                 params=("alpha",), derivatives={"self": _elu_backward})
