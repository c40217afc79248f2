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


SOFTMAX = Primitive("softmax", "SoftmaxBackward0", float_softmax.forward(_softmax_forward),
                    float_softmax.backward(_softmax_backward), inputs=("self",),
                    saves=("result",))
LOG_SOFTMAX = Primitive("log_softmax", "LogSoftmaxBackward0",
                        float_softmax.forward(_log_softmax_forward, log=True),
                        float_softmax.backward(_log_softmax_backward, log=True),
                        inputs=("self",), saves=("result",))


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
