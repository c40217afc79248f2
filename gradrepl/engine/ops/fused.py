"""Pointwise ops that torch's CPU kernels compute with fused multiply-adds: addcmul, addcdiv and
lerp (rows, functions and in-place forms), and the formulas the optimizers share. Half tensors
are computed in float32 and rounded once, as torch's kernels do.

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

from gradrepl.engine.errors import python_type_name
from gradrepl.engine import vector_math
from gradrepl.engine.dtypes import CPP_TYPE_NAMES, scalar_type_name
from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.promotion import raise_broadcast_error
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.unary import _times
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
    if _dtype_of(a, b, c) is _F64:
        return vector_math.fma64(a, b, c)
    # float_math's emulation: it screens only the lanes that can round twice (an optimizer's
    # update has no others), where vector_math.fma also redoes every zero result
    return fma32(*(np.asarray(v, _F32) for v in (a, b, c)))


def _scalar(x, dtype):
    return np.dtype(dtype).type(x)


def add_scaled(a, b, alpha):
    """``a.add(b, alpha=alpha)``."""
    if alpha == 1:
        return a + b
    # fma(b, alpha, a) with alpha in the operands' dtype, without its second look at the dtypes
    # (an optimizer's update per parameter per step)
    dtype = _dtype_of(a, b)
    if dtype is _F64:
        return vector_math.fma64(b, dtype.type(alpha), a)
    return fma32(np.asarray(b, _F32), _F32.type(alpha), np.asarray(a, _F32))


def lerp_values(start, end, weight):
    if start.dtype == np.float16:  # torch computes half in float32, rounding once
        as32 = [x.astype(np.float32) if isinstance(x, np.ndarray) else x for x in (start, end, weight)]
        return lerp_values(*as32).astype(np.float16)
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


# derivatives.yaml: each input's formula, summed back to its broadcast shape; ``value`` and a
# Scalar weight are numbers, never saved (a half gradient times a Python number: ``_times``)
ADDCMUL = Primitive(
    "addcmul", "AddcmulBackward0", addcmul_values, inputs=("self", "tensor1", "tensor2"),
    params=("value",), broadcasts=True,
    derivatives={"self": lambda grad: grad,
                 "tensor1": lambda grad, tensor2, value: grad * tensor2 * value,
                 "tensor2": lambda grad, tensor1, value: grad * tensor1 * value})
ADDCDIV = Primitive(
    "addcdiv", "AddcdivBackward0", addcdiv_values, inputs=("self", "tensor1", "tensor2"),
    params=("value",), broadcasts=True,
    derivatives={"self": lambda grad: grad,
                 "tensor1": lambda grad, tensor2, value: grad * value / tensor2,
                 "tensor2": lambda grad, tensor1, tensor2, value:
                     -grad * value * tensor1 / (tensor2 * tensor2)})
LERP_SCALAR = Primitive(
    "lerp", "LerpBackward0", lerp_values, inputs=("self", "end"), params=("weight",),
    broadcasts=True,
    derivatives={"self": lambda F, grad, weight: _times(F, grad, 1 - weight),
                 "end": lambda F, grad, weight: _times(F, grad, weight)})
LERP_TENSOR = Primitive(
    "lerp", "LerpBackward1", lerp_values, inputs=("self", "end", "weight"), broadcasts=True,
    derivatives={"self": lambda grad, weight: grad * (1 - weight),
                 "end": lambda grad, weight: grad * weight,
                 "weight": lambda grad, self, end: grad * (end - self)})


# ---------------------------------------------------------------------------------------------
# torch.addcmul / Tensor.addcmul_ ...


def addcmul(input, tensor1, tensor2, *, value=1):
    return apply(ADDCMUL, (input, tensor1, tensor2), (value,))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return apply(ADDCDIV, (input, tensor1, tensor2), (value,))


def _check_lerp(input, end, weight):
    """torch's argument checks, in its order and words."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not "
                        f"{python_type_name(end)}")
    kind = input._data.dtype
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other._data.dtype != kind:
            raise RuntimeError(f"expected dtype {CPP_TYPE_NAMES[kind.name]} for `{name}` but got "
                               f"dtype {CPP_TYPE_NAMES[other._data.dtype.name]}")
    if kind.kind != "f":
        raise NotImplementedError(
            f'"lerp_kernel_{"tensor" if isinstance(weight, Tensor) else "scalar"}" not '
            f"implemented for '{scalar_type_name(kind)}'")
    shapes = [np.shape(x._data) for x in (input, end, weight) if isinstance(x, Tensor)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise_broadcast_error(input._data, end._data)


def lerp(input, end, weight):
    """input + weight * (end - input)"""
    _check_lerp(input, end, weight)
    if isinstance(weight, Tensor):
        return apply(LERP_TENSOR, (input, end, weight))
    return apply(LERP_SCALAR, (input, end), (weight,))


def addcmul_(self, tensor1, tensor2, *, value=1):
    return apply_inplace(ADDCMUL, self, (tensor1, tensor2), (value,))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return apply_inplace(ADDCDIV, self, (tensor1, tensor2), (value,))


def lerp_(self, end, weight):
    _check_lerp(self, end, weight)
    if isinstance(weight, Tensor):
        return apply_inplace(LERP_TENSOR, self, (end, weight))
    return apply_inplace(LERP_SCALAR, self, (end,), (weight,))


register("addcmul", addcmul, section="arithmetic", rows=(ADDCMUL,), inplace=addcmul_, out=True)
register("addcdiv", addcdiv, section="arithmetic", rows=(ADDCDIV,), inplace=addcdiv_, out=True)
register("lerp", lerp, section="arithmetic", rows=(LERP_SCALAR, LERP_TENSOR), inplace=lerp_,
         out=True, out_dtype="same")
