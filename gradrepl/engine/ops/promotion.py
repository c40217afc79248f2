"""Elementwise ops on numpy data with torch's result dtypes and torch's broadcasting errors.

numpy (with NEP 50) already agrees with torch whenever the operands share a dtype or one is a
Python number of no higher category; only the other cases pay for the full rule, and there the
operands are cast to the result dtype first, because torch computes in that dtype.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes

_NP_TO_DTYPE = {d.numpy: d for d in dtypes.ALL}
# exact types: np.float64 subclasses float, but a 0-d float64 tensor's data (kept as a numpy
# scalar) must count as a tensor in promotion, not as a Python number
_PYTHON_NUMBERS = frozenset((bool, int, float))


class _Operand:
    """What dtypes.result_type reads of an array: its torch dtype and its ndim."""

    __slots__ = ("dtype", "ndim")

    def __init__(self, array):
        self.dtype = _NP_TO_DTYPE[array.dtype]
        self.ndim = array.ndim


def result_dtype(a, b) -> np.dtype:
    """The numpy dtype torch gives ``a op b`` (arrays or Python numbers)."""
    ops = [x if type(x) in _PYTHON_NUMBERS else _Operand(x) for x in (a, b)]
    return dtypes.result_type(*ops).numpy


def _numpy_agrees(a, b) -> bool:
    if type(b) in _PYTHON_NUMBERS:
        a, b = b, a
    if type(a) in _PYTHON_NUMBERS:
        if type(b) in _PYTHON_NUMBERS:
            return False
        kind = b.dtype.kind
        if kind == "f":
            return True
        return not isinstance(a, float) and (kind != "b" or isinstance(a, bool))
    return a.dtype == b.dtype


def _cast(x, dtype: np.dtype):
    if type(x) in _PYTHON_NUMBERS:
        return x
    return x if x.dtype == dtype else x.astype(dtype)


def elementwise(op, a, b, result=None):
    """``op(a, b)`` in torch's result dtype (or ``result``, when the op decides it, like div)."""
    if result is None and _numpy_agrees(a, b):
        try:
            return op(a, b)
        except ValueError:
            raise_broadcast_error(a, b)
        except OverflowError:
            pass  # a Python int out of a small int dtype's range: torch wraps it, see below
    dtype = result if result is not None else result_dtype(a, b)
    a, b = _cast(_wrap_int(a, dtype), dtype), _cast(_wrap_int(b, dtype), dtype)
    try:
        out = op(a, b)
    except ValueError:
        raise_broadcast_error(a, b)
    return out if out.dtype == dtype else out.astype(dtype)


_HALF = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
# row -> the same row whose backward formulas follow half_by_one_value (arithmetic.py fills it;
# primitive.apply_binary records it for a float16 result)
HALF_ROWS: dict = {}


def half_by_one_value(op, a, b):
    """``op(a, b)`` as torch's mul and div kernels compute it for a float16 result whose second
    operand has one element (a Python number, a 0-d or one-element tensor): that operand, in
    its own type (a double, an int64, a float64 tensor), goes to float32 once, and every value
    of ``a`` is computed in float32 and rounded to half (BinaryOpsKernel.cpp,
    ``iter.is_scalar(2) && isReducedFloatingType``). numpy would round that operand to half
    first. None when the rule does not apply."""
    if _HALF not in (getattr(a, "dtype", None), getattr(b, "dtype", None)) \
            and dtypes.get_default_dtype().numpy != _HALF:
        return None  # no float16 result (the default dtype: an int tensor times a float)
    if np.size(b) != 1 or result_dtype(a, b) != _HALF:
        return None
    if type(b) in _PYTHON_NUMBERS:
        # int64, as torch wraps it (uint64 past int64's range: torch's Scalar holds it so)
        b = np.asarray(b, (np.int64 if b < 1 << 63 else np.uint64) if type(b) is int else None)
    a = _cast(a, _HALF).astype(_F32)
    out = op(a, np.asarray(b).astype(_F32))
    return out.astype(_HALF)


def _wrap_int(x, dtype: np.dtype):
    if isinstance(x, int) and not isinstance(x, bool) and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= x <= info.max:
            return np.array(x).astype(dtype)  # two's-complement wrap, as torch's cast does
    return x


def check_broadcasts(a, b) -> None:
    """torch's broadcast error (``raise_broadcast_error``) unless arrays of ``a``'s and ``b``'s
    shapes broadcast together."""
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise_broadcast_error(a, b)


def raise_broadcast_error(a, b):
    shape_a, shape_b = np.shape(a), np.shape(b)
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    for i in range(ndim - 1, -1, -1):
        x, y = padded_a[i], padded_b[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i}"
            )
    raise RuntimeError(f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast")


def float_result(dtype: np.dtype) -> np.dtype:
    """Ops like exp and true division turn integers into the default float dtype."""
    return dtype if dtype.kind == "f" else dtypes.get_default_dtype().numpy


def as_float(x):
    """An integer or bool array as the default float dtype (unary float ops compute in it)."""
    if x.dtype.kind == "f":
        return x
    return x.astype(dtypes.get_default_dtype().numpy)
