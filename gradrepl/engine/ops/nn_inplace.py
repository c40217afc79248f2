"""The in-place activation rows whose backward torch writes on the result (``self_is_result``):
``leaky_relu_`` (``LeakyReluBackward1``) and ``elu_`` (``EluBackward1``). silu_ records the
out-of-place row (``SiluBackward0``, on a saved copy of the input) and relu_ already has its row.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import nn_activation as _rows
from gradrepl.engine.ops import nn_double_backward as _double
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.tensor import data_of


def _leaky_backward(F, grad, result, negative_slope):
    # leaky_relu_backward(grad, result, negative_slope, /* self_is_result */ true); under
    # create_graph the same recorded row as leaky_relu's, on the result (its sign is the input's)
    if F is not arrays:
        return _double.leaky_relu_backward(grad, result, negative_slope)
    t = result.dtype.type
    g = np.asarray(grad, dtype=result.dtype)
    return np.where(result > 0, g, g * t(negative_slope)).astype(result.dtype, copy=False)


def _elu_result_grad(result, g, alpha):
    # torch's elu_backward with is_result: grad * input_scale * (result + alpha * scale) where
    # the result is <= 0
    t = result.dtype.type
    negative = g * t(1.0) * (result + t(alpha) * t(1.0))
    return np.where(result <= 0, negative, g * t(1.0))


def _elu_result_double(F, grad, grad_output, result, alpha):
    # elu_double_backward with is_result: grad * grad_output * input_scale where result < 0
    product = grad * grad_output
    return F.where(data_of(result) < 0, product, F.zeros((), product))


_ELU_RESULT_BACKWARD = _double.activation_backward(
    "elu_backward", "EluBackwardBackward0", _elu_result_grad, _elu_result_double, ("alpha",))


def _elu_backward(F, grad, result, alpha):
    if F is not arrays:
        return _ELU_RESULT_BACKWARD(grad, result, alpha)
    g = np.asarray(grad, dtype=result.dtype)
    return _elu_result_grad(result, g, alpha).astype(result.dtype, copy=False)


LEAKY_RELU_ = Primitive("leaky_relu_", "LeakyReluBackward1", _rows.LEAKY_RELU.forward,
                        inputs=("self",), params=("negative_slope",),
                        derivatives={"self": _leaky_backward})
ELU_ = Primitive("elu_", "EluBackward1", _rows.ELU.forward, inputs=("self",),
                 params=("alpha",), derivatives={"self": _elu_backward})
