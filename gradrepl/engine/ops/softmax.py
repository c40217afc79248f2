"""softmax and log_softmax along one dim, computed in torch's order of operations.

torch's CPU kernels (aten/src/ATen/native/cpu/SoftMaxKernel.cpp) subtract the max first, so large
inputs do not overflow, then multiply by the reciprocal of the sum (softmax) or subtract
max + log(sum) (log_softmax); float16 computes in float32 and rounds once.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.float_math import softmax as float_softmax
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.tensor import wrap_dim
from gradrepl.engine.ops.registry import register


def _check_floating(a, name, dim):
    if a.dtype.kind != "f":
        kind = dtypes.from_numpy_dtype(a.dtype)
        short = dtypes.SCALAR_TYPE_NAMES[kind]
        where = "lastdim_" if dim == a.ndim - 1 or a.ndim == 0 else ""
        raise NotImplementedError(f'"{name}_{where}kernel_impl" not implemented for \'{short}\'')


def _shifted(a, dim):
    """x - max(x) along dim, and that max (an empty tensor has none and needs none)."""
    peak = np.max(a, axis=dim, keepdims=True) if a.size else a
    return a - peak, peak


def _softmax_forward(a, dim):
    if a.dtype == np.float16:
        return _softmax_forward(a.astype(np.float32), dim).astype(np.float16)
    if a.ndim == 0:
        return np.exp(a - a)
    shifted, _ = _shifted(a, dim)
    e = np.exp(shifted)
    return e * (a.dtype.type(1) / np.sum(e, axis=dim, keepdims=True))


def _log_softmax_forward(a, dim):
    if a.ndim == 0:
        return a - a
    half = a.dtype == np.float16
    if half:
        a = a.astype(np.float32)
    shifted, _ = _shifted(a, dim)
    total = np.sum(np.exp(shifted), axis=dim, keepdims=True)
    if not half:
        return shifted - np.log(total)
    # the half kernel keeps the sum and its log as half scalars, the rest in float32
    log_total = np.log(total.astype(np.float16).astype(np.float32)).astype(np.float16)
    return (shifted - log_total.astype(np.float32)).astype(np.float16)


def _in_float32(backward):
    """torch's backward kernels compute half in float32 and round once, as the forwards do."""
    def wrapped(F, g, inputs, out, params, needs):
        if F is arrays and g.dtype == np.float16:
            (grad,) = backward(F, g.astype(np.float32), inputs, out.astype(np.float32), params, needs)
            return (grad.astype(np.float16),)
        return backward(F, g, inputs, out, params, needs)
    return wrapped


@_in_float32
def _softmax_backward(F, g, inputs, out, params, needs):
    # torch's _softmax_backward_data: out * (g - sum(g * out))
    dims = () if np.ndim(out) == 0 else (params[0],)
    return (out * (g - F.sum(g * out, dims, keepdim=True)),)


@_in_float32
def _log_softmax_backward(F, g, inputs, out, params, needs):
    # torch's _log_softmax_backward_data: g - exp(out) * sum(g)
    dims = () if np.ndim(out) == 0 else (params[0],)
    return (g - F.exp(out) * F.sum(g, dims, keepdim=True),)


_softmax_backward_arrays = float_softmax.backward(_softmax_backward)
_log_softmax_backward_arrays = float_softmax.backward(_log_softmax_backward, log=True)


# under create_graph=True the gradient is torch's _softmax_backward_data (or the log one) recorded
# as one differentiable node (SoftmaxBackwardDataBackward0), not as the ops it is made of
def _softmax_whole(F, g, inputs, out, params, needs):
    if F is arrays:
        return _softmax_backward_arrays(F, g, inputs, out, params, needs)
    return (F.apply(SOFTMAX_BACKWARD_DATA, (g, out), params),)


def _log_softmax_whole(F, g, inputs, out, params, needs):
    if F is arrays:
        return _log_softmax_backward_arrays(F, g, inputs, out, params, needs)
    return (F.apply(LOG_SOFTMAX_BACKWARD_DATA, (g, out), params),)


SOFTMAX = Primitive("softmax", "SoftmaxBackward0", float_softmax.forward(_softmax_forward),
                    _softmax_whole, inputs=("self",), saves=("result",))
LOG_SOFTMAX = Primitive("log_softmax", "LogSoftmaxBackward0",
                        float_softmax.forward(_log_softmax_forward, log=True),
                        _log_softmax_whole, inputs=("self",), saves=("result",))


# the backward rows themselves (derivatives.yaml: _softmax_backward_data and
# _log_softmax_backward_data), so that a gradient taken with create_graph=True differentiates again
def _sum_dims(out, dim):
    return () if np.ndim(out) == 0 else (dim,)


def _softmax_double(F, grad, grad_output, output, dim):
    # FunctionsManual softmax_double_backward, term by term
    dims = _sum_dims(output, dim)
    return (grad_output * grad - F.sum(output * grad_output, dims, True) * grad
            - grad_output * F.sum(output * grad, dims, True))


SOFTMAX_BACKWARD_DATA = Primitive(
    "_softmax_backward_data", "SoftmaxBackwardDataBackward0",
    lambda g, out, dim: _softmax_backward_arrays(arrays, g, None, out, (dim,), (True,))[0],
    inputs=("grad_output", "output"), params=("dim",),
    derivatives={
        "grad_output": lambda F, grad, output, dim: F.apply(SOFTMAX_BACKWARD_DATA, (grad, output),
                                                            (dim,)),
        "output": lambda F, grad, grad_output, output, dim:
            _softmax_double(F, grad, grad_output, output, dim)})
LOG_SOFTMAX_BACKWARD_DATA = Primitive(
    "_log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0",
    lambda g, out, dim: _log_softmax_backward_arrays(arrays, g, None, out, (dim,), (True,))[0],
    inputs=("grad_output", "output"), params=("dim",),
    derivatives={
        "grad_output": lambda F, grad, output, dim:
            grad - F.sum(grad * F.exp(output), _sum_dims(output, dim), True),
        "output": lambda F, grad, grad_output, output, dim:
            -F.sum(grad_output, _sum_dims(output, dim), True) * F.exp(output) * grad})


def _make(prim):
    def op(input, dim=None, dtype=None):
        if dim is None:
            raise TypeError(f'{prim.name}() missing 1 required positional arguments: "dim"')
        if dtype is not None:
            from gradrepl.engine.ops.conversion import to_dtype

            input = to_dtype(input, dtype)
        d = wrap_dim(dim, input.ndim)
        _check_floating(input._data, prim.name, d)
        return apply_unary(prim, input, (d,))
    op.__name__ = op.__qualname__ = prim.name
    return op


softmax = _make(SOFTMAX)
log_softmax = _make(LOG_SOFTMAX)


register("softmax", softmax, section="reduction", rows=(SOFTMAX,), out=True, out_dtype="exact")
register("log_softmax", log_softmax, section="reduction", rows=(LOG_SOFTMAX,), out=True, out_dtype="exact")
