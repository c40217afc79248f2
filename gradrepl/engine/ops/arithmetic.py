"""Arithmetic: + - * / ** and negation, one table row per torch overload.

Each row gives torch's grad_fn name, the numpy forward, and the derivative with respect to each
input before broadcasting is undone (``binary`` sums the gradient back to each input's shape).
The formulas keep torch's order of operations (FunctionsManual.cpp), since float rounding
depends on it.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops import number_operands
from gradrepl.engine.ops.number_operands import operand
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.ops.promotion import (HALF_ROWS, elementwise, float_result,
                                           half_by_one_value, result_dtype)
from gradrepl.engine.tensor import Tensor


def binary(name, grad_fn_name, forward, d_self, d_other, saves=None, fast=None,
           fast_ints=True):
    """A row for an op of two tensor arguments (either may be a Python number torch wraps).

    ``fast`` is the Python operator that computes the same thing when numpy's promotion already
    agrees with torch's (see primitive.apply_binary).
    """
    return Primitive(name, grad_fn_name, forward, inputs=("self", "other"), broadcasts=True,
                     derivatives={"self": d_self, "other": d_other}, saves=saves, fast=fast,
                     fast_ints=fast_ints)


def _is_bool(x) -> bool:
    """``getattr(x, "dtype", None) == np.bool_ or isinstance(x, bool)``, with a numpy dtype's
    kind read instead of comparing it to ``np.bool_`` (which converts np.bool_ to a dtype on
    every call); tests/engine/test_bool_subtraction_check.py compares the two."""
    dtype = getattr(x, "dtype", None)
    if type(dtype) in _DTYPE_TYPES:
        return dtype.kind == "b"
    return dtype == np.bool_ or isinstance(x, bool)


# the classes numpy's builtin dtypes are instances of (np.dtype's per-type subclasses)
_DTYPE_TYPES = frozenset(type(np.dtype(code)) for code in "?bBhHiIlLqQefdgFDGO")


def _check_bool_subtraction(a, b):
    a_bool = _is_bool(a)
    b_bool = _is_bool(b)
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _sub(a, b):
    _check_bool_subtraction(a, b)
    return elementwise(np.subtract, a, b)


def _second_first(ufunc):
    """``ufunc`` with its operands swapped: x86 hands back the first operand's NaN when both
    are NaN, and torch's add and mul (``fmadd(other, alpha, self)``, ``other * self`` in its
    vectors) give ``other``'s; for every other input the two orders are the same numbers."""
    def swapped(a, b):
        return ufunc(b, a)
    return swapped


_ADD_OTHER_FIRST = _second_first(np.add)
_MULTIPLY_OTHER_FIRST = _second_first(np.multiply)


def _mul(a, b):
    out = half_by_one_value(np.multiply, a, b)
    return elementwise(_MULTIPLY_OTHER_FIRST, a, b) if out is None else out


def _div(a, b):
    out = half_by_one_value(np.true_divide, a, b)
    if out is not None:
        return out
    return elementwise(np.true_divide, a, b, result=float_result(result_dtype(a, b)))


def _pow(a, b):
    a_kind, b_kind = getattr(a, "dtype", np.dtype(float)).kind, getattr(b, "dtype", None)
    if type(b) is int and b < 0 and a_kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if a_kind == "b":
        if b_kind == np.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')
        # numpy raises bools to a power as int8; torch keeps bool ** bool a bool
        return elementwise(np.power, a, b, result=result_dtype(a, b))
    if a_kind in "iu" and b_kind is not None and b_kind.kind in "iu":
        return _integer_pow(a, b)
    if getattr(b, "dtype", None) is not None or isinstance(b, float) or getattr(a, "dtype", np.dtype(float)).kind == "f":
        return elementwise(kernels.power, a, b)
    # integer ** integer: numpy and torch both refuse negative exponents, torch in these words
    if isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return elementwise(np.power, a, b)


def _integer_pow(a, b):
    """Integer tensor ** integer tensor: torch allows negative exponents here (numpy raises),
    giving what integer division would: 1 for base 1, +-1 for base -1, else 0."""
    dtype = result_dtype(a, b)
    a, b = np.asarray(a).astype(dtype), np.asarray(b).astype(dtype)
    from gradrepl.engine.ops.promotion import check_broadcasts

    check_broadcasts(a, b)
    negative = b < 0
    if not negative.any():
        return np.power(a, b)
    out = np.power(a, np.where(negative, 0, b))
    odd = (b % 2) != 0
    tiny = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0)).astype(dtype)
    return np.where(negative, tiny, out).astype(dtype)


def _rpow(base, a):
    return elementwise(kernels.power, base, a)


def _pow_exponent_grad(F, g, base, exponent, out):
    # d(base**e)/de = out * log(base), defined as 0 where base == 0 and e >= 0 (torch's choice);
    # a scalar zero, not 0 * grad, since grad is nan or inf exactly there
    grad = g * (out * F.log(base))
    return F.where((base == 0) & (exponent >= 0), 0.0, grad)


def _fast_sub(a, b):
    if a.dtype.char == "?" or type(b) is bool:
        raise TypeError  # a bool on either side: the generic forward raises torch's error
    return a - b


ADD = binary("add", "AddBackward0", lambda a, b: elementwise(_ADD_OTHER_FIRST, a, b),
             lambda grad: grad, lambda grad: grad, fast=operator.add)
SUB = binary("sub", "SubBackward0", _sub, lambda grad: grad, lambda grad: -grad, fast=_fast_sub)
# ``grad * other`` and ``grad / other`` with a Python number ``other`` as the 0-d array numpy
# would make of it next to a float32/float64 gradient (number_operands.py: numpy's own
# conversion costs more than a small product), written out in the lambdas so that a 0-d
# gradient (a numpy scalar) pays no call for it; on tensors (create_graph) the operator does
# the same
_PYTHON_NUMBERS = (int, float)
_ndarray = np.ndarray
_OPERANDS = number_operands._TABLES  # dtype -> {number: its 0-d array}


def _grad_times_other(grad, other):
    if type(grad) is _ndarray and type(other) in _PYTHON_NUMBERS:
        # operand(other, grad.dtype), its kept conversion looked up without its call
        table = _OPERANDS.get(grad.dtype) if number_operands.SHORT_PATHS else None
        kept = table.get(other) if table is not None else None
        return grad * (operand(other, grad.dtype) if kept is None else kept)
    return grad * other


# the step's inline form of the call (derivatives._arrays_body): the same product where the
# function would compute it, with the number's kept conversion where the function finds one
# (a lesson's 2x3 `3 * x`), the call otherwise (a conversion to make or none kept)
_grad_times_other.inline = (
    "(grad * {other} if type(grad) is not _ndarray or type({other}) not in _INT_FLOAT else "
    "grad * _kept if _number_operands.SHORT_PATHS and (_kept := _OPERANDS.get(grad.dtype, "
    "_NO_TABLE).get({other})) is not None else {call})")
_grad_times_other.inline_names = {"_number_operands": number_operands, "_OPERANDS": _OPERANDS,
                                  "_NO_TABLE": {}}
MUL = binary("mul", "MulBackward0", _mul, _grad_times_other,
             lambda grad, self: grad * self, fast=operator.mul)
DIV = binary("div", "DivBackward0", _div,
             lambda grad, other: grad / operand(other, grad.dtype) if type(grad) is _ndarray
             and type(other) in _PYTHON_NUMBERS else grad / other,
             lambda grad, self, other: -grad * ((self / other) / other),
             fast=operator.truediv, fast_ints=False)


def _by_one_value(op):
    """``op(grad, value)`` in a backward formula as torch's kernel computes a float16 gradient
    by one value (promotion.half_by_one_value); on tensors (create_graph) the recorded op
    applies the same rule itself."""
    def compute(a, b):
        if not isinstance(a, Tensor):
            out = half_by_one_value(op, a, b)
            if out is not None:
                return out
        return a * b if op is np.multiply else a / b
    return compute


times_by_one_value = _by_one_value(np.multiply)
divided_by_one_value = _by_one_value(np.true_divide)
# the rows apply_binary records for a float16 result (HALF_ROWS): the same forwards, with the
# products and quotients by ``other`` in the formulas computed as torch's kernels do. Kept
# apart so that float32 and float64 gradients, nearly all of them, pay nothing for the test.
HALF_ROWS[MUL] = binary("mul", "MulBackward0", _mul,
                        lambda grad, other: times_by_one_value(grad, other),
                        lambda grad, self: grad * self)
HALF_ROWS[DIV] = binary(
    "div", "DivBackward0", _div, lambda grad, other: divided_by_one_value(grad, other),
    lambda grad, self, other: -grad * divided_by_one_value(divided_by_one_value(self, other),
                                                           other))
POW_TENSOR = binary(
    "pow", "PowBackward1", _pow,
    lambda F, grad, self, other: F.where(other == 0, 0.0, grad * (other * F.pow(self, other - 1))),
    lambda F, grad, self, other, result: _pow_exponent_grad(F, grad, self, other, result),
    fast=kernels.power, fast_ints=False,
)


def _scaled_in(a, b, alpha):
    """b * alpha computed in the dtype of a op b: alpha is a scalar argument and does not take
    part in promotion."""
    dtype = result_dtype(a, b)
    return dtype, np.multiply(np.asarray(b, dtype=dtype), alpha, dtype=dtype, casting="unsafe")


def _fused(a, b, alpha):
    """torch's float add kernel computes a + alpha * b as one fused multiply-add (ops/fused.py);
    None when the operands' dtypes differ or are not float32/float64."""
    dtype = result_dtype(a, b)
    if dtype.char not in "fd" or np.result_type(a) != dtype or np.result_type(b) != dtype:
        return None
    from gradrepl.engine.ops.fused import add_scaled

    return np.asarray(add_scaled(a, b, alpha), dtype=dtype)


def _add_alpha(a, b, alpha):
    fused = _fused(a, b, alpha)
    if fused is not None:
        return fused
    dtype, scaled = _scaled_in(a, b, alpha)
    return elementwise(np.add, a, scaled, result=dtype)


def _sub_alpha(a, b, alpha):
    _check_bool_subtraction(a, b)
    fused = _fused(a, b, -alpha)
    if fused is not None:
        return fused
    dtype, scaled = _scaled_in(a, b, alpha)
    return elementwise(np.subtract, a, scaled, result=dtype)


# `torch.add(a, b, alpha=2)`: one node whose backward scales the second gradient by alpha
ADD_ALPHA = Primitive("add", "AddBackward0", _add_alpha, params=("alpha",), broadcasts=True,
                      derivatives={"self": lambda grad: grad,
                                   "other": lambda grad, alpha: grad * alpha})
SUB_ALPHA = Primitive("sub", "SubBackward0", _sub_alpha, params=("alpha",), broadcasts=True,
                      derivatives={"self": lambda grad: grad,
                                   "other": lambda grad, alpha: grad * -alpha})
# `torch.rsub(a, b)`: b - a with both as tensors
RSUB = binary("rsub", "RsubBackward0", lambda a, b: _sub(b, a), lambda grad: -grad,
              lambda grad: grad)


def _pow_scalar_grad(F, grad, self, exponent):
    if exponent == 0:
        return F.zeros(np.shape(self), self)  # torch's zeros_like: no -0. from negative inputs
    kind = type(self)
    if kernels.SHORT_PATHS and type(exponent) in _PYTHON_NUMBERS and (
            kind in _FLOAT_SCALARS or kind is _ndarray and self.dtype in kernels.FLOAT_PAIR):
        # float32/float64 data (not create_graph's tensors), F.pow's kernel called directly
        if exponent == 2:
            # torch's 2.0 * self.pow(1.0): x + x is 2x in every float, and one numpy call
            return grad * (self + self)
        # pow_float's first cases without its call (x ** 3's and x ** 4's gradients)
        e = exponent - 1
        power = self * self if e == 2 else self * self * self if e == 3 \
            else kernels.pow_float(self, e)
        return grad * ((exponent if kind is not _ndarray else operand(exponent, self.dtype))
                       * power)
    return grad * (exponent * F.pow(self, exponent - 1))


_FLOAT_SCALARS = (np.float32, np.float64)  # a 0-d tensor's data (tensor.py)
_SPECIAL_EXPONENTS, _pow_of_one_value = kernels._SPECIAL_EXPONENTS, kernels._pow_of_one_value


def _rpow_grad(F, grad, self, result, base):
    # math.log gives a Python float, which (unlike np.float64) does not widen float32 data;
    # log(0) = -inf and log(negative) = nan, as torch computes them
    log_base = math.log(base) if base > 0 else -math.inf if base == 0 else math.nan
    grad = grad * (result * log_base)
    return F.where(self >= 0, 0.0, grad) if base == 0 else grad


# `1 - x`: torch's rsub takes the number as a scalar argument, not a wrapped tensor.
RSUB_SCALAR = Primitive("rsub", "RsubBackward1", lambda a, other: _sub(other, a),
                        inputs=("self",), params=("other",),
                        derivatives={"self": lambda grad: -grad})
# `x ** 2`: the exponent is a scalar argument, so next_functions has a single edge.
def _pow_scalar(a, exponent):
    # a 0-d tensor's float32/float64 data told by its numpy scalar type (cheaper than hashing
    # its dtype)
    if type(exponent) is not bool and (type(a) in _FLOAT_SCALARS or a.dtype in kernels.FLOAT_PAIR):
        if exponent == 2:
            return a * a  # pow_float's first cases, without its call
        if exponent == 3:
            return a * a * a
        if type(a) in _FLOAT_SCALARS and kernels.SHORT_PATHS \
                and exponent not in _SPECIAL_EXPONENTS:
            # one value (x ** 4 on a 0-d tensor): pow_float's own choice, without its call
            return _pow_of_one_value(a, exponent)
        return kernels.pow_float(a, exponent)  # torch's special exponents, SLEEF and libm
    if a.dtype.char == "e" and type(exponent) is not bool:
        return a ** exponent  # a Python number keeps a float tensor's dtype (NEP 50)
    return _pow(a, exponent)


# the step's inline form (see _grad_times_other's): x ** 2's gradient of float32/float64 data
# where the function would compute it so, the call otherwise
_pow_scalar_grad.inline = (
    "(grad * ({self} + {self}) if {exponent} == 2 and type({exponent}) in _INT_FLOAT "
    "and _pow_kernels.SHORT_PATHS and (type({self}) in _POW_FLOAT_SCALARS or type({self}) "
    "is _ndarray and {self}.dtype in _POW_FLOAT_PAIR) else {call})")
_pow_scalar_grad.inline_names = {"_pow_kernels": kernels, "_POW_FLOAT_SCALARS": _FLOAT_SCALARS,
                                 "_POW_FLOAT_PAIR": kernels.FLOAT_PAIR}
POW_SCALAR = Primitive("pow", "PowBackward0", _pow_scalar, inputs=("self",), params=("exponent",),
                       derivatives={"self": _pow_scalar_grad})
# `2 ** x`: torch's pow.Scalar, whose tensor argument is the exponent (saved with the result)
RPOW_SCALAR = Primitive("pow", "PowBackward2", lambda a, base: _rpow(base, a), inputs=("self",),
                        params=("base",), derivatives={"self": _rpow_grad})


def _neg(a):
    if a.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return np.negative(a)


NEG = Primitive("neg", "NegBackward0", _neg, inputs=("self",),
                derivatives={"self": lambda grad: -grad})
RECIPROCAL = Primitive(
    "reciprocal", "ReciprocalBackward0",
    lambda a: np.reciprocal(a if a.dtype.kind == "f" else a.astype(float_result(a.dtype))),
    inputs=("self",), derivatives={"self": lambda grad, result: -grad * (result * result)},
)


# ---------------------------------------------------------------------------------------------
# Rounded division and remainder


def _integer_division_check(a, b) -> None:
    """torch refuses integer division by zero (floats give inf/nan instead)."""
    if result_dtype(a, b).kind in "iub" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def _no_bool_kernel(kernel: str, a, b) -> None:
    """torch has no rounded division or remainder kernel for bool (numpy would give int8)."""
    if result_dtype(a, b) == np.bool_:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')


def _rounded_div(a, b, mode):
    _no_bool_kernel(f"div_{mode}", a, b)
    _integer_division_check(a, b)
    out = half_by_one_value(np.floor_divide if mode == "floor" else _trunc_divide, a, b)
    if out is not None:
        return out
    if mode == "floor":
        return elementwise(np.floor_divide, a, b)
    quotient = elementwise(np.true_divide, a, b)
    out = np.trunc(quotient)
    return out.astype(result_dtype(a, b)) if np.result_type(quotient).kind == "f" else out


def _trunc_divide(a, b):
    return np.trunc(np.true_divide(a, b))


def _remainder(a, b):
    _no_bool_kernel("remainder", a, b)
    _integer_division_check(a, b)
    return elementwise(_python_mod, a, b)


def _python_mod(a, b):
    """Python's modulus as torch computes it for floats: fmod, moved into the divisor's sign
    (so -2. % 2 is -0., where numpy's mod gives 0.)."""
    if np.result_type(a, b).kind != "f":
        return np.mod(a, b)
    mod = np.fmod(a, b)
    wrong_sign = (mod != 0) & ((np.asarray(b) < 0) != (mod < 0))
    out = np.where(wrong_sign, mod + b, mod).astype(mod.dtype, copy=False)
    return out[()] if out.ndim == 0 else out  # 0-d results stay numpy scalars, as elsewhere


# torch.div(a, b, rounding_mode=...): recorded, with a zero gradient for both sides (the formula
# still names self and other, so torch saves them)
DIV_ROUNDED = Primitive(
    "div", "DivBackward2", _rounded_div, params=("rounding_mode",), broadcasts=True,
    derivatives={"self": lambda grad, other: grad * 0, "other": lambda grad, self, other: grad * 0})
# torch.div(a, b, rounding_mode=None): a rounding_mode given, even None, picks ATen's
# div.Tensor_mode overload, whose node is DivBackward2 (saving self, other and the mode); with
# no mode its gradients are DivBackward0's (written as the float16 row's, exact for any dtype)
DIV_MODE_NONE = Primitive(
    "div", "DivBackward2", lambda a, b, mode: _div(a, b), params=("rounding_mode",),
    broadcasts=True, derivatives=dict(HALF_ROWS[DIV].derivatives))
# x % 2: the number is a scalar argument (one edge)
REMAINDER_SCALAR = Primitive("remainder", "RemainderBackward0", _remainder, inputs=("self",),
                             params=("other",), derivatives={"self": lambda grad: grad})
REMAINDER = binary("remainder", "RemainderBackward1", _remainder, lambda grad: grad,
                   lambda grad, self, other: -grad * _floor_div(self, other))


def _floor_div(self, other):
    return self.div(other, rounding_mode="floor") if hasattr(self, "div") \
        else np.floor_divide(self, other)


def _not_implemented(name, forward, inputs):
    """A row torch records without a derivative: grad_fn ``<NotImplemented>``, and backward
    through it raises."""
    def backward(F, grad, inputs, result, params, needs):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    row = Primitive(name, "NotImplemented", forward, backward, inputs=inputs, saves=())
    row.node_class.name = lambda self: "torch::autograd::NotImplemented"
    row.node_class.printed_name = "NotImplemented"
    row.node_class.next_functions = _EDGES_THAT_REQUIRE_GRAD
    return row


class _EdgesThatRequireGrad:
    """``next_functions`` of a NotImplemented node: torch gives it edges to the inputs that
    require grad only, no ``(None, 0)``."""

    def __get__(self, node, owner=None):
        if node is None:
            return self
        return tuple(edge for edge in zip(node._next, node._output_nrs) if edge[0] is not None)

    def __set__(self, node, value):
        raise AttributeError(f"attribute 'next_functions' of '{type(node).__name__}' objects is "
                             "not writable")

    def __repr__(self) -> str:  # the same in every process (tests/engine/test_lazy_rows.py)
        return "<next_functions: the edges that require grad>"


_EDGES_THAT_REQUIRE_GRAD = _EdgesThatRequireGrad()


def _floor_divide(a, b, reflected=False):
    return _rounded_div(b, a, "floor") if reflected else _rounded_div(a, b, "floor")


# 2 % x, x // 2 and x // y: torch records them, but has no derivative for them
REMAINDER_OF_NUMBER = _not_implemented("remainder", lambda a, number: _remainder(number, a),
                                       ("other",))
FLOOR_DIVIDE = _not_implemented("floor_divide", _floor_divide, ("self",))
FLOOR_DIVIDE_TENSOR = _not_implemented("floor_divide", _floor_divide, ("self", "other"))
