"""Comparisons and logical ops: bool results, never recorded (they have no gradient).

The in-place comparisons (``x.eq_(y)``) are the exception: they write 0/1 into x in x's dtype,
and torch records them (``EqBackward0`` for a number, ``EqBackward1`` for a tensor) with a zero
gradient, so a non-leaf keeps a grad_fn and a leaf requiring grad is refused."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.promotion import (
    _numpy_agrees, _wrap_int, check_broadcasts, raise_broadcast_error, result_dtype,
)
from gradrepl.engine.tensor import data_of as _data, new_tensor, Tensor
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.keywords import check_types, InvalidArguments, torch_parsed
from gradrepl.engine.errors import SCALAR_INT_MAX, SCALAR_INT_MIN, raise_scalar_overflow
from gradrepl.engine.ops.primitive import ARRAYS_ARE_OPERANDS
from gradrepl.engine.ops.registry import register


def _compare(np_op, name):
    def compare(a, b) -> Tensor:
        if not isinstance(b, (Tensor, bool, int, float, np.generic)) and (
                isinstance(a, Tensor) and not ARRAYS_ARE_OPERANDS[0]
                or type(b) is not np.ndarray):  # rows and formulas (operand()) run on arrays
            # an ndarray too: torch's parser takes a tensor or a number (t.eq(None),
            # torch.lt(t, ndarray)); the operators answer NotImplemented (_operator below)
            raise InvalidArguments(name, (b,), {})
        a, b = _data(a), _data(b)
        if type(b) is int and not SCALAR_INT_MIN <= b <= SCALAR_INT_MAX:
            raise_scalar_overflow(b)  # t < 2**70: no Scalar holds it
        if type(b) is int and getattr(a, "dtype", None) is not None and a.dtype.kind in "iu":
            # torch casts an integer scalar to the tensor's dtype first: -1 is 255 for uint8
            b = _wrap_int(b, a.dtype)
        if not _numpy_agrees(a, b):
            dtype = result_dtype(a, b)
            # exact types: a 0-d tensor's numpy scalar is a tensor here, not a Python number
            a = a if type(a) in (bool, int, float) else a.astype(dtype)
            b = b if type(b) in (bool, int, float) else b.astype(dtype)
        try:
            return new_tensor(np_op(a, b))
        except ValueError:
            raise_broadcast_error(a, b)
    compare.__name__ = np_op.__name__
    return compare


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def _operator(compare, takes_arrays=False):
    """``x == y``, ``x < y`` ...: NotImplemented for what the comparison refuses, so that Python
    answers as it does for torch (``t == None`` is False, ``t < None`` its TypeError, ``t != a``
    of an ndarray True, numpy deferring to the tensor). torch's ``==`` alone reads an ndarray,
    as a tensor made from it (refusing a reversed view as ``torch.from_numpy`` does)."""
    def operator(self, other):
        if takes_arrays and type(other) is np.ndarray:
            from gradrepl.engine.factories import numpy_source_dtype

            numpy_source_dtype(other, warn_if_not_writeable=False)
            other = new_tensor(other)
        try:
            return compare(self, other)
        except InvalidArguments:
            return NotImplemented
    operator.__name__ = operator.__qualname__ = compare.__name__
    return operator


def _zero_gradient(F, grad):
    return F.zeros(np.shape(grad), grad)  # derivatives.yaml: zeros_like(self) / zeros_like(other)


def _in_place_rows(name, compare):
    """The rows of ``x.<name>_(other)``: a number (Backward0) or a tensor (Backward1) operand."""
    title = name.capitalize()

    def forward(a, b):
        return _data(compare(a, b))

    scalar = Primitive(name + "_", f"{title}Backward0", forward, inputs=("self",),
                       params=("other",), derivatives={"self": _zero_gradient})
    tensor = Primitive(name + "_", f"{title}Backward1", forward, inputs=("self", "other"),
                       broadcasts=True,
                       derivatives={"self": _zero_gradient, "other": _zero_gradient})
    return scalar, tensor


def _in_place(name, rows):
    scalar, tensor = rows

    def inplace(self, other):
        from gradrepl.engine.ops.inplace import apply_inplace

        if isinstance(other, Tensor):
            return apply_inplace(tensor, self, (other,))
        return apply_inplace(scalar, self, (), (other,))
    inplace.__name__ = inplace.__qualname__ = name + "_"
    return inplace


def _bitwise(np_op, name):
    def op(a, b) -> Tensor:
        a, b = _data(a), _data(b)
        dtype = result_dtype(a, b)
        if dtype.kind == "f":  # torch names the dtype the operands promote to
            from gradrepl.engine.dtypes import scalar_type_name

            raise NotImplementedError(
                f'"{name}_cpu" not implemented for \'{scalar_type_name(dtype)}\'')
        try:
            return new_tensor(np_op(a, b))
        except ValueError:
            raise_broadcast_error(a, b)
    return op


logical_and_bits = _bitwise(np.bitwise_and, "bitwise_and")
logical_or_bits = _bitwise(np.bitwise_or, "bitwise_or")
logical_xor_bits = _bitwise(np.bitwise_xor, "bitwise_xor")


def invert(a: Tensor) -> Tensor:
    data = a._data
    if data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return new_tensor(np.invert(data))


def equal(a: Tensor, b: Tensor) -> bool:
    """torch.equal: same shape and same values."""
    return a.shape == b.shape and bool(np.all(a._data == b._data))


def allclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """torch's ``isclose(input, other).all()``, with isclose's checks."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def isclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    rtol, atol = _checked_close(input, other, rtol, atol, equal_nan)
    a, b = input._data, other._data
    if a.dtype.kind == "f":  # numpy's formula, in the operands' dtype as torch computes it
        return new_tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    # integers and bools: equal, or close once both are in the default float dtype (measured:
    # 2**44+3 and 2**44 are close with atol=2.5 in float32, where their int64 difference is not)
    close = np.asarray(a == b)
    if rtol == 0 and atol == 0:
        return new_tensor(close)
    from gradrepl.engine.dtypes import get_default_dtype

    wide = get_default_dtype().numpy.type
    a, b = a.astype(wide), b.astype(wide)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(a - b)
        return new_tensor(close | (np.isfinite(error) & (error <= wide(atol) + np.abs(wide(rtol) * b))))


def _checked_close(a, b, rtol, atol, equal_nan):
    """isclose's and allclose's checks in torch's order (measured on torch 2.13): the arguments'
    types as its parser takes them (keywords.torch_parsed words the refusal), the dtypes ('Float
    did not match Double'), the tolerances, then broadcasting. The tolerances as floats."""
    check_types(("Tensor", a), ("Tensor", b), ("float", rtol), ("float", atol), ("bool", equal_nan))
    from gradrepl.engine.dtypes import scalar_type_name

    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{scalar_type_name(a._data.dtype)} did not match "
                           f"{scalar_type_name(b._data.dtype)}")
    rtol, atol = float(_data(rtol)), float(_data(atol))
    for label, tolerance in (("rtol", rtol), ("atol", atol)):
        if not tolerance >= 0:  # nan too; C++'s default stream: six significant digits
            raise RuntimeError(f"{label} must be greater than or equal to zero, but got "
                               f"{tolerance:g}")
    check_broadcasts(a._data, b._data)
    return rtol, atol


_S = "comparison"
# torch's numpy-style names for them (torch.greater, x.less_equal_ ...): the same ops
_ALIASES = {"ne": ("not_equal",), "lt": ("less",), "le": ("less_equal",), "gt": ("greater",),
            "ge": ("greater_equal",)}
for _name, _func, _dunder in (("eq", eq, "__eq__"), ("ne", ne, "__ne__"), ("lt", lt, "__lt__"),
                              ("le", le, "__le__"), ("gt", gt, "__gt__"), ("ge", ge, "__ge__")):
    # no rows=: torch.ne records nothing; only x.ne_(y) on a tensor with history does
    _rows = _in_place_rows(_name, _func)
    register(_name, _func, section=_S, operators={_dunder: _operator(_func, _name == "eq")}, out=True,
             inplace=_in_place(_name, _rows), inplace_rows=_rows, differentiable=False,
             aliases=_ALIASES.get(_name, ()))
register("equal", equal, section=_S)
for _name, _func in (("allclose", allclose), ("isclose", isclose)):
    register(_name, torch_parsed(_name, method=False)(_func), section=_S,
             method=torch_parsed(_name)(_func))
# bitwise_and/or/xor are registered with the other bitwise ops, in logical.py
