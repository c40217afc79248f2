"""The functional face of the op table: ``torch.add``, ``torch.exp`` ... as torch spells them.

Each function picks the table row (the torch overload) its arguments call for; the rows live in
the modules beside this one, one module per family of ops.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import arithmetic as _ar
from gradrepl.engine.ops import unary as _un
from gradrepl.engine.ops.clamp import (
    clamp, clamp_, clamp_max, clamp_max_, clamp_min, clamp_min_, clip,
)
from gradrepl.engine.ops.combine import cat, stack, where
from gradrepl.engine.ops.compare import allclose, eq, equal, ge, gt, isclose, le, lt, ne
from gradrepl.engine.ops.conversion import clone, contiguous, detach, detach_, to_dtype
from gradrepl.engine.ops.cumulative import cumsum, prod
from gradrepl.engine.ops.extrema import argmax, argmin, max, maximum, min, minimum
from gradrepl.engine.ops.indexing import getitem
from gradrepl.engine.ops.inplace import apply_inplace, setitem
from gradrepl.engine.ops.linalg import dot, matmul, mm, mv
from gradrepl.engine.ops.primitive import apply, apply_binary, apply_unary
from gradrepl.engine.ops.reductions import mean, sum
from gradrepl.engine.ops.softmax import log_softmax, softmax
from gradrepl.engine.ops.statistics import norm, std, var
from gradrepl.engine.ops.shape import (
    expand, expand_as, flatten, permute, reshape, reversed_dims, squeeze, t, transpose, unbind,
    unsqueeze, view,
)
from gradrepl.engine.tensor import Tensor, new_tensor

_NUMBERS = (bool, int, float)


def operand(x):
    """A tensor or Python number as an op argument; numpy scalars count as Python numbers."""
    if isinstance(x, Tensor) or type(x) in (bool, int, float):
        return x
    if isinstance(x, np.generic):  # before float: np.float64 is a float subclass
        # torch reads a numpy bool as a float scalar (int tensor + np.True_ is float32)
        return float(x) if isinstance(x, np.bool_) else x.item()
    if isinstance(x, np.ndarray):
        return new_tensor(x)
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _with_alpha(prim, input, other, alpha):
    """add/sub with alpha != 1 on two tensors: one node, as torch records it."""
    return apply(prim, (operand(input), operand(other)), (alpha,))


# ---------------------------------------------------------------------------------------------
# Arithmetic: the overload depends on which side is a Python number

def add(input, other, *, alpha=1):
    if type(input) is Tensor and alpha == 1:
        return apply_binary(_ar.ADD, input, other)
    if alpha != 1 and isinstance(input, Tensor) and isinstance(other, Tensor):
        return _with_alpha(_ar.ADD_ALPHA, input, other, alpha)
    input, other = operand(input), _scaled(operand(other), alpha)
    if isinstance(input, _NUMBERS):
        input, other = other, input  # a number on the left: torch still calls add(tensor, number)
    return apply_binary(_ar.ADD, input, other)


def sub(input, other, *, alpha=1):
    if type(input) is Tensor and alpha == 1:
        return apply_binary(_ar.SUB, input, other)
    if alpha != 1 and isinstance(input, Tensor) and isinstance(other, Tensor):
        return _with_alpha(_ar.SUB_ALPHA, input, other, alpha)
    input, other = operand(input), _scaled(operand(other), alpha)
    if isinstance(input, _NUMBERS):
        return rsub(other, input)
    return apply_binary(_ar.SUB, input, other)


def rsub(input, other, *, alpha=1):
    """``other - input``: torch's rsub, what ``1 - x`` calls."""
    other = _scaled(operand(other), alpha)
    if isinstance(other, _NUMBERS):
        return apply_unary(_ar.RSUB_SCALAR, input, (other,))
    return apply(_ar.RSUB, (input, other))


def mul(input, other):
    if type(input) is Tensor:
        return apply_binary(_ar.MUL, input, other)
    input, other = operand(input), operand(other)
    if isinstance(input, _NUMBERS):
        input, other = other, input
    return apply_binary(_ar.MUL, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    if type(input) is Tensor and rounding_mode is None and type(other) is not Tensor and type(other) in _NUMBERS:
        return apply_binary(_ar.DIV, input, other)
    input, other = operand(input), operand(other)
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    if isinstance(input, _NUMBERS):
        # `2 / x` is x.reciprocal() * 2 in torch's graph
        return mul(apply_unary(_ar.RECIPROCAL, other), input)
    return apply_binary(_ar.DIV, input, other)


divide = true_divide = div


def _integer_division_check(a, b) -> None:
    """torch refuses integer division by zero (floats give inf/nan instead)."""
    from gradrepl.engine.ops.promotion import result_dtype

    if result_dtype(a, b).kind in "iub" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def _rounded_div(input, other, mode):
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    from gradrepl.engine.ops.promotion import elementwise

    if mode in ("floor", "trunc"):
        _integer_division_check(a, b)
    if mode == "floor":
        return new_tensor(elementwise(np.floor_divide, a, b))
    if mode == "trunc":
        quotient = elementwise(np.true_divide, a, b)
        result_kind = np.result_type(quotient)
        out = np.trunc(quotient)
        from gradrepl.engine.ops.promotion import result_dtype
        return new_tensor(out.astype(result_dtype(a, b)) if result_kind.kind == "f" else out)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


def remainder(input, other):
    from gradrepl.engine.ops.promotion import elementwise

    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    _integer_division_check(a, b)
    return new_tensor(elementwise(np.mod, a, b))


def pow(input, exponent):
    if type(input) is Tensor and type(exponent) in _NUMBERS:
        return apply_unary(_ar.POW_SCALAR, input, (exponent,))
    input, exponent = operand(input), operand(exponent)
    if isinstance(input, _NUMBERS):
        return apply_unary(_ar.RPOW_SCALAR, exponent, (input,))
    if isinstance(exponent, _NUMBERS):
        return apply_unary(_ar.POW_SCALAR, input, (exponent,))
    return apply_binary(_ar.POW_TENSOR, input, exponent)


def neg(input):
    return apply(_ar.NEG, (input,))


negative = neg


def reciprocal(input):
    return apply(_ar.RECIPROCAL, (input,))


def square(input):
    return pow(input, 2)


# ---------------------------------------------------------------------------------------------
# Elementwise functions

def _unary(prim):
    def op(input):
        return apply_unary(prim, input)
    op.__name__ = prim.name
    return op


exp = _unary(_un.EXP)
log = _unary(_un.LOG)
sqrt = _unary(_un.SQRT)
sin = _unary(_un.SIN)
cos = _unary(_un.COS)
tanh = _unary(_un.TANH)
sigmoid = _unary(_un.SIGMOID)
relu = _unary(_un.RELU)
abs = _unary(_un.ABS)
absolute = abs
exp2 = _unary(_un.EXP2)
log2 = _unary(_un.LOG2)
log10 = _unary(_un.LOG10)
log1p = _unary(_un.LOG1P)
expm1 = _unary(_un.EXPM1)
rsqrt = _unary(_un.RSQRT)
sign = _unary(_un.SIGN_OP)
floor = _unary(_un.FLOOR)
ceil = _unary(_un.CEIL)


def round(input, *, decimals=0):
    if decimals:
        return apply_unary(_un.ROUND_DECIMALS, input, (decimals,))
    return apply_unary(_un.ROUND, input)


# ---------------------------------------------------------------------------------------------
# In-place arithmetic

def _inplace_binary(prim_for, alpha_prim=None):
    def op(self, other, **kwargs):
        other = operand(other)
        alpha = kwargs.get("alpha", 1)
        if alpha != 1 and alpha_prim is not None and isinstance(other, Tensor):
            return apply_inplace(alpha_prim, self, (other,), (alpha,))
        if "alpha" in kwargs:
            other = _scaled(other, kwargs["alpha"])
        return apply_inplace(prim_for(other), self, (other,))
    return op


add_ = _inplace_binary(lambda other: _ar.ADD, _ar.ADD_ALPHA)
sub_ = _inplace_binary(lambda other: _ar.SUB, _ar.SUB_ALPHA)
mul_ = _inplace_binary(lambda other: _ar.MUL)
div_ = _inplace_binary(lambda other: _ar.DIV)


def pow_(self, exponent):
    exponent = operand(exponent)
    if isinstance(exponent, _NUMBERS):
        return apply_inplace(_ar.POW_SCALAR, self, (), (exponent,))
    return apply_inplace(_ar.POW_TENSOR, self, (exponent,))


def _unary_inplace(prim):
    def op(self):
        return apply_inplace(prim, self)
    return op


neg_ = _unary_inplace(_ar.NEG)
exp_ = _unary_inplace(_un.EXP)
log_ = _unary_inplace(_un.LOG)
sqrt_ = _unary_inplace(_un.SQRT)
sin_ = _unary_inplace(_un.SIN)
cos_ = _unary_inplace(_un.COS)
tanh_ = _unary_inplace(_un.TANH)
sigmoid_ = _unary_inplace(_un.SIGMOID)
relu_ = _unary_inplace(_un.RELU)
abs_ = _unary_inplace(_un.ABS)

__all__ = [name for name in dir() if not name.startswith("_")]
