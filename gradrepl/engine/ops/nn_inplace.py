"""The in-place activation rows whose backward torch writes on the result (``self_is_result``):
``leaky_relu_`` (``LeakyReluBackward1``) and ``elu_`` (``EluBackward1``). silu_ records the
out-of-place row (``SiluBackward0``, on a saved copy of the input) and relu_ already has its row.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.ops.nn_common import arrays_only
from gradrepl.engine.ops.primitive import Primitive


def _leaky_backward(g, inputs, out, params, needs):
    t = out.dtype.type
    return (np.where(out > 0, g, g * t(params[0])).astype(out.dtype, copy=False),)


def _elu_backward(g, inputs, out, params, needs):
    # torch's elu_backward with is_result: grad * input_scale * (result + alpha * scale) where
    # the result is <= 0
    t = out.dtype.type
    negative = g * t(1.0) * (out + t(params[0]) * t(1.0))
    return (np.where(out <= 0, negative, g * t(1.0)).astype(out.dtype, copy=False),)


LEAKY_RELU_ = Primitive("leaky_relu_", "LeakyReluBackward1", _rows.LEAKY_RELU.forward,
                        arrays_only("leaky_relu_", _leaky_backward), saves=False,
                        uses_output=True)
ELU_ = Primitive("elu_", "EluBackward1", _rows.ELU.forward, arrays_only("elu_", _elu_backward),
                 saves=False, uses_output=True)
