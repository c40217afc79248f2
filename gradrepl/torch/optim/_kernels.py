"""torch's in-place update kernels on numpy arrays, as its optimizers call them.

The rounding rules (scalars in the tensor's dtype, fused multiply-adds where torch's AVX2/AVX-512
kernels have ``fmadd``) live with the ops in ``gradrepl/engine/ops/fused.py``; this module only
names them the way the optimizers' source reads (``exp_avg.lerp_(grad, 1 - beta1)`` ...).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.fused import add_scaled as add
from gradrepl.engine.ops.fused import addcdiv_values as addcdiv
from gradrepl.engine.ops.fused import addcmul_values as addcmul
from gradrepl.engine.ops.fused import lerp_values as lerp
from gradrepl.engine.float_math.kernels import sqrt as _engine_sqrt

__all__ = ["add", "addcdiv", "addcmul", "lerp", "add_scalar", "div", "maximum", "mul", "sqrt"]


def scalar(x: float, like: np.ndarray):
    return like.dtype.type(x)


def mul(a, s: float):
    return a * scalar(s, a)


def div(a, s: float):
    return a / scalar(s, a)


def add_scalar(a, s: float):
    return a + scalar(s, a)


def sqrt(a):
    # torch's sqrt is MKL's vector sqrt, which is not correctly rounded: one unit in the last
    # place low on about 0.6% of float32 and float64 inputs. Its float32 one is followed on Intel
    # CPUs (engine/float_math/mkl_sqrt.py); float64 and other vendors get numpy's correct root.
    return _engine_sqrt(a)


def maximum(a, b):
    return np.maximum(a, b)
