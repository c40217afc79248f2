"""``torch.add``, ``x / y``, ``x % 2`` ...: the arithmetic functions users call, each registered.

Each function picks the row (torch's overload) its arguments call for: a Python number on either
side, ``alpha``, ``rounding_mode``. The rows themselves are in arithmetic.py.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import SCALAR_INT_MAX, SCALAR_INT_MIN, NotAnOperand
from gradrepl.engine.ops import arithmetic as _ar
from gradrepl.engine.ops import operators as _short
from gradrepl.engine.ops.inplace import apply_inplace
from gradrepl.engine.ops.primitive import apply, apply_binary, apply_unary, operand
from gradrepl.engine.ops.registry import CHECKED, INPLACE, REFLECTED, register
from gradrepl.engine.tensor import Tensor

_NUMBERS = (bool, int, float)


class _NoMode:
    """div's rounding_mode when none is given: torch tells that from an explicit None, which
    picks another overload (DivBackward2). Reads as None in signatures and help."""

    def __repr__(self) -> str:
        return "None"


NO_MODE = _NoMode()
_INT_MIN, _INT_MAX = SCALAR_INT_MIN, SCALAR_INT_MAX


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _with_alpha(prim, input, other, alpha):
    """add/sub with alpha != 1 on two tensors: one node, as torch records it."""
    return apply(prim, (operand(input), operand(other)), (alpha,))


def _not_an_operand(op: str, input, other, error: NotAnOperand | None = None) -> NotAnOperand:
    """What Tensor.<op> raises for an argument that is neither tensor nor number; an operator
    turns it into NotImplemented and torch.<op> renumbers it (ops/out.py)."""
    return (error or NotAnOperand(other)).of_op(op, input)


def _in_torchs_words(op: str, general, input, other, *args):
    """``general(input, other, *args)``, with an argument that is neither tensor nor number (or
    apply_binary's NotImplemented for one) raised as Tensor.<op> words it."""
    try:
        result = general(input, other, *args)
    except NotAnOperand as error:
        raise _not_an_operand(op, input, other, error) from None
    if result is NotImplemented:
        raise _not_an_operand(op, input, other)
    return result


def add(input, other, *, alpha=1):
    """input + alpha * other"""
    if type(alpha) is int and not _INT_MIN <= alpha <= _INT_MAX:
        operand(alpha)  # no Scalar holds it: torch's OverflowError
    if type(input) is Tensor and alpha == 1:
        result = apply_binary(_ar.ADD, input, other)  # the common case, one call
        if result is not NotImplemented:
            return result
    return _in_torchs_words("add", _add, input, other, alpha)


def _add(input, other, alpha):
    if alpha != 1 and isinstance(input, Tensor) and isinstance(other, Tensor):
        return _with_alpha(_ar.ADD_ALPHA, input, other, alpha)
    input, other = operand(input), _scaled(operand(other), alpha)
    if isinstance(input, _NUMBERS):
        input, other = other, input  # a number on the left: torch still calls add(tensor, number)
    return apply_binary(_ar.ADD, input, other)


def sub(input, other, *, alpha=1):
    """input - alpha * other"""
    if type(input) is Tensor and alpha == 1:
        result = apply_binary(_ar.SUB, input, other)  # the common case, one call
        if result is not NotImplemented:
            return result
    return _in_torchs_words("sub", _sub, input, other, alpha)


def _sub(input, other, alpha):
    if alpha != 1 and isinstance(input, Tensor) and isinstance(other, Tensor):
        return _with_alpha(_ar.SUB_ALPHA, input, other, alpha)
    input, other = operand(input), _scaled(operand(other), alpha)
    if isinstance(input, _NUMBERS):
        return rsub(other, input)
    return apply_binary(_ar.SUB, input, other)


def rsub(input, other, *, alpha=1):
    """other - alpha * input: what ``1 - x`` calls"""
    other = _scaled(operand(other), alpha)
    if isinstance(other, _NUMBERS):
        return apply_unary(_ar.RSUB_SCALAR, input, (other,))
    return apply(_ar.RSUB, (input, other))


def mul(input, other):
    """input * other"""
    if type(input) is Tensor:
        result = apply_binary(_ar.MUL, input, other)  # the common case, one call
        if result is not NotImplemented:
            return result
    return _in_torchs_words("mul", _mul, input, other)


def _mul(input, other):
    first, second = operand(input), operand(other)
    if isinstance(first, _NUMBERS):
        first, second = second, first  # a number on the left: torch still calls mul(tensor, number)
    return apply_binary(_ar.MUL, first, second)


def div(input, other, *, rounding_mode=NO_MODE):
    """input / other, optionally rounded ("trunc" or "floor")"""
    if type(input) is Tensor and rounding_mode is NO_MODE and type(other) in _NUMBERS:
        return apply_binary(_ar.DIV, input, other)
    return _in_torchs_words("div", _div, input, other, rounding_mode)


def _div(input, other, rounding_mode):
    input, other = operand(input), operand(other)
    if rounding_mode is None and (type(input) is Tensor or type(other) is Tensor):
        return apply(_ar.DIV_MODE_NONE, (input, other), (None,))
    if rounding_mode is not NO_MODE and rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                               f"but found '{rounding_mode}'")
        return apply(_ar.DIV_ROUNDED, (input, other), (rounding_mode,))
    if isinstance(input, _NUMBERS):
        return apply(_ar.DIV, (input, other))  # torch.div(2, x): the number wrapped, DivBackward0
    return apply_binary(_ar.DIV, input, other)


def _reflected_div(input, other):
    # `2 / x` is x.reciprocal() * 2 in torch's graph (Tensor.__rtruediv__)
    return mul(apply_unary(_ar.RECIPROCAL, other), input)


def floor_divide(input, other):
    """input // other, rounded towards minus infinity (torch records no derivative)"""
    input, other = operand(input), operand(other)
    if isinstance(input, _NUMBERS):
        return apply(_ar.FLOOR_DIVIDE, (other,), (input, True))
    if isinstance(other, _NUMBERS):
        return apply(_ar.FLOOR_DIVIDE, (input,), (other, False))
    return apply(_ar.FLOOR_DIVIDE_TENSOR, (input, other))


def remainder(input, other):
    """input % other, with the sign of other (Python's modulus)"""
    input, other = operand(input), operand(other)
    if isinstance(input, _NUMBERS):
        return apply(_ar.REMAINDER_OF_NUMBER, (other,), (input,))
    if isinstance(other, _NUMBERS):
        return apply_unary(_ar.REMAINDER_SCALAR, input, (other,))
    return apply(_ar.REMAINDER, (input, other))


def pow(input, exponent):
    """input ** exponent"""
    if type(input) is Tensor and type(exponent) in _NUMBERS and (
            type(exponent) is not int or _INT_MIN <= exponent <= _INT_MAX):
        return apply_unary(_ar.POW_SCALAR, input, (exponent,))
    input, exponent = operand(input), operand(exponent)  # operand refuses an int past a Scalar
    if isinstance(input, _NUMBERS):
        return apply_unary(_ar.RPOW_SCALAR, exponent, (input,))
    if isinstance(exponent, _NUMBERS):
        return apply_unary(_ar.POW_SCALAR, input, (exponent,))
    return apply_binary(_ar.POW_TENSOR, input, exponent)


def neg(input):
    """-input"""
    return apply(_ar.NEG, (input,))


def reciprocal(input):
    """1 / input"""
    return apply(_ar.RECIPROCAL, (input,))


def square(input):
    """input ** 2 (torch records it as pow)"""
    return pow(input, 2)


# ---------------------------------------------------------------------------------------------
# In-place forms: x.add_(y), x += y


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


def div_(self, other, *, rounding_mode=NO_MODE):
    other = operand(other)
    if rounding_mode is None:
        return apply_inplace(_ar.DIV_MODE_NONE, self, (other,), (None,))
    if rounding_mode is not NO_MODE:
        return apply_inplace(_ar.DIV_ROUNDED, self, (other,), (rounding_mode,))
    return apply_inplace(_ar.DIV, self, (other,))


def remainder_(self, other):
    other = operand(other)
    if isinstance(other, _NUMBERS):
        return apply_inplace(_ar.REMAINDER_SCALAR, self, (), (other,))
    return apply_inplace(_ar.REMAINDER, self, (other,))


def floor_divide_(self, other):
    other = operand(other)
    if isinstance(other, _NUMBERS):
        return apply_inplace(_ar.FLOOR_DIVIDE, self, (), (other, False))
    return apply_inplace(_ar.FLOOR_DIVIDE_TENSOR, self, (other,))


def pow_(self, exponent):
    exponent = operand(exponent)
    if isinstance(exponent, _NUMBERS):
        return apply_inplace(_ar.POW_SCALAR, self, (), (exponent,))
    return apply_inplace(_ar.POW_TENSOR, self, (exponent,))


def neg_(self):
    return apply_inplace(_ar.NEG, self)


def reciprocal_(self):
    return apply_inplace(_ar.RECIPROCAL, self)


def square_(self):
    return pow_(self, 2)


def _rsub_operator(self, other):
    return rsub(self, other)


# ---------------------------------------------------------------------------------------------
# The registry entries

_S = "arithmetic"
# the operators take their short path first (operators.py), then call these functions
_add_operator = _short.binary(_ar.ADD, add)
_mul_operator = _short.binary(_ar.MUL, mul)
register("add", add, section=_S, rows=(_ar.ADD, _ar.ADD_ALPHA), inplace=add_,
         operators={"__add__": _add_operator, "__radd__": _add_operator, "__iadd__": INPLACE},
         out=True)
register("sub", sub, section=_S, rows=(_ar.SUB, _ar.SUB_ALPHA, _ar.RSUB_SCALAR), inplace=sub_,
         aliases=("subtract",),
         operators={"__sub__": _short.binary(_ar.SUB, sub),
                    "__rsub__": _short.with_number(_ar.RSUB_SCALAR, _rsub_operator),
                    "__isub__": INPLACE}, out=True)
register("rsub", rsub, section=_S, rows=(_ar.RSUB, _ar.RSUB_SCALAR), method=False)
register("mul", mul, section=_S, rows=(_ar.MUL,), inplace=mul_, aliases=("multiply",),
         operators={"__mul__": _mul_operator, "__rmul__": _mul_operator, "__imul__": INPLACE},
         out=True)
def _rtruediv_operator(self, other):
    """``number / x``; an ndarray ``a / x`` is torch's ``x.reciprocal() * a``, which numpy
    computes (operand(): an ndarray is no operand), so it is a tensor of numpy's dtype."""
    if type(other) is _ndarray:
        return self.reciprocal() * other
    try:
        other = operand(other)
    except TypeError:
        return NotImplemented
    return _in_torchs_words("div", _reflected_div, other, self)


_ndarray = np.ndarray


register("div", div, section=_S, rows=(_ar.DIV, _ar.RECIPROCAL, _ar.MUL, _ar.DIV_ROUNDED, _ar.DIV_MODE_NONE),
         inplace=div_, aliases=("divide", "true_divide"),
         operators={"__truediv__": _short.binary(_ar.DIV, div), "__rtruediv__": _rtruediv_operator,
                    "__itruediv__": INPLACE}, out=True)
register("floor_divide", floor_divide, section=_S,
         rows=(_ar.FLOOR_DIVIDE, _ar.FLOOR_DIVIDE_TENSOR), inplace=floor_divide_, out=True,
         operators={"__floordiv__": CHECKED, "__rfloordiv__": REFLECTED,
                    "__ifloordiv__": INPLACE})
register("remainder", remainder, section=_S,
         rows=(_ar.REMAINDER_SCALAR, _ar.REMAINDER, _ar.REMAINDER_OF_NUMBER), inplace=remainder_, out=True,
         operators={"__mod__": CHECKED, "__rmod__": REFLECTED, "__imod__": INPLACE})
register("pow", pow, section=_S, rows=(_ar.POW_SCALAR, _ar.POW_TENSOR, _ar.RPOW_SCALAR),
         inplace=pow_, operators={"__pow__": _short.with_number(_ar.POW_SCALAR, pow),
                                  "__rpow__": REFLECTED, "__ipow__": INPLACE}, out=True)
register("neg", neg, section=_S, rows=(_ar.NEG,), inplace=neg_, aliases=("negative",),
         operators={"__neg__": _short.unary(_ar.NEG, neg)}, out=True, out_dtype="same")
register("reciprocal", reciprocal, section=_S, rows=(_ar.RECIPROCAL,), inplace=reciprocal_, out=True)
register("square", square, section=_S, rows=(_ar.POW_SCALAR,), inplace=square_, out=True)
