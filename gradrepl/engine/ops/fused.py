"""Pointwise ops that torch's CPU kernels compute with fused multiply-adds: addcmul, addcdiv and
lerp (rows, functions and in-place forms), and the formulas the optimizers share.

torch's vectorised kernels (AVX2/AVX-512) turn a Python scalar into the tensor's dtype first and
then use ``fmadd`` where the kernel has one; the rounding below is theirs, checked element for
element against torch 2.13 on arrays of 1 to 1037 elements (vector body and scalar tail):
  add(a, b, alpha)          fmadd(b, alpha, a)
  lerp(start, end, w)       |w| < 0.5: fmadd(w, end - start, start), else fmadd(w - 1, end - start, end)
  addcmul(a, t1, t2, v)     fmadd(v * t1, t2, a)
  addcdiv(a, t1, t2, v)     a + (v * t1) / t2           (no fused step)
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import vector_math
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.tensor import Tensor

# ---------------------------------------------------------------------------------------------
# The formulas, on numpy arrays


_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)


def _dtype_of(*values):
    """float64 if any operand is float64, else float32 (what these kernels compute in)."""
    for v in values:
        if getattr(v, "dtype", None) == _F64:
            return _F64
    return _F32


def fma(a, b, c):
    """a * b + c rounded once, in the arrays' dtype (float32 or float64)."""
    shape = np.shape(c)
    for v in (a, b):
        other = np.shape(v)
        if other and other != shape:  # vector_math's emulation wants one shape besides scalars
            a, b, c = np.broadcast_arrays(a, b, c)
            break
    if _dtype_of(a, b, c) is _F64:
        return vector_math.fma64(a, b, c)
    return vector_math.fma(a, b, c)


def _scalar(x, dtype):
    return np.dtype(dtype).type(x)


def add_scaled(a, b, alpha):
    """``a.add(b, alpha=alpha)``."""
    if alpha == 1:
        return a + b
    return fma(b, _scalar(alpha, _dtype_of(a, b)), a)


def lerp_values(start, end, weight):
    dtype = _dtype_of(start, end)
    diff = end - start
    if not isinstance(weight, (np.ndarray, np.generic)):
        w = _scalar(weight, dtype)
        if abs(weight) < 0.5:
            return fma(w, diff, start)
        return fma(w - _scalar(1, dtype), diff, end)
    small = np.abs(weight) < 0.5
    low = fma(weight, diff, start)
    high = fma(weight - _scalar(1, dtype), diff, end)
    return np.where(small, low, high).astype(dtype, copy=False)


def addcmul_values(a, t1, t2, value=1):
    return fma(_scalar(value, _dtype_of(a, t1, t2)) * t1, t2, a)


def addcdiv_values(a, t1, t2, value=1):
    return a + (_scalar(value, _dtype_of(a, t1, t2)) * t1) / t2


# ---------------------------------------------------------------------------------------------
# Rows


def _addcmul_backward(F, g, inputs, out, params, needs):
    a, t1, t2 = inputs
    (value,) = params
    return (F.sum_to(g, a) if needs[0] else None,
            F.sum_to(g * t2 * value, t1) if needs[1] else None,
            F.sum_to(g * t1 * value, t2) if needs[2] else None)


def _addcdiv_backward(F, g, inputs, out, params, needs):
    a, t1, t2 = inputs
    (value,) = params
    return (F.sum_to(g, a) if needs[0] else None,
            F.sum_to(g * value / t2, t1) if needs[1] else None,
            F.sum_to(-g * value * t1 / (t2 * t2), t2) if needs[2] else None)


def _lerp_scalar_backward(F, g, inputs, out, params, needs):
    start, end = inputs
    (weight,) = params
    return (F.sum_to(g * (1 - weight), start) if needs[0] else None,
            F.sum_to(g * weight, end) if needs[1] else None)


def _lerp_tensor_backward(F, g, inputs, out, params, needs):
    start, end, weight = inputs
    return (F.sum_to(g * (1 - weight), start) if needs[0] else None,
            F.sum_to(g * weight, end) if needs[1] else None,
            F.sum_to(g * (end - start), weight) if needs[2] else None)


ADDCMUL = Primitive("addcmul", "AddcmulBackward0", addcmul_values, _addcmul_backward)
ADDCDIV = Primitive("addcdiv", "AddcdivBackward0", addcdiv_values, _addcdiv_backward)
LERP_SCALAR = Primitive("lerp", "LerpBackward0", lerp_values, _lerp_scalar_backward)
LERP_TENSOR = Primitive("lerp", "LerpBackward1", lerp_values, _lerp_tensor_backward)


# ---------------------------------------------------------------------------------------------
# torch.addcmul / Tensor.addcmul_ ...


def addcmul(input, tensor1, tensor2, *, value=1):
    return apply(ADDCMUL, (input, tensor1, tensor2), (value,))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return apply(ADDCDIV, (input, tensor1, tensor2), (value,))


def lerp(input, end, weight):
    if isinstance(weight, Tensor):
        return apply(LERP_TENSOR, (input, end, weight))
    return apply(LERP_SCALAR, (input, end), (weight,))


def addcmul_(self, tensor1, tensor2, *, value=1):
    return apply_inplace(ADDCMUL, self, (tensor1, tensor2), (value,))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return apply_inplace(ADDCDIV, self, (tensor1, tensor2), (value,))


def lerp_(self, end, weight):
    if isinstance(weight, Tensor):
        return apply_inplace(LERP_TENSOR, self, (end, weight))
    return apply_inplace(LERP_SCALAR, self, (end,), (weight,))
