"""Tests of float values (isnan, isinf, isfinite), logical and bitwise ops, and shifts.

None of them is differentiable: their results are bool or integer tensors and never recorded.
Logical ops read any dtype as true/false and give bool; bitwise ops and shifts take integer and
bool tensors only (torch: ``"bitwise_and_cpu" not implemented for 'Float'``).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops import compare
from gradrepl.engine.ops.inplace import check_writable, write
from gradrepl.engine.ops.promotion import _wrap_int, raise_broadcast_error, result_dtype
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import CHECKED, INPLACE, REFLECTED, register
from gradrepl.engine.tensor import Tensor, data_of as _data, new_tensor

_S = "comparison"


def _float_test(np_func, name):
    def test(input):
        """(float test)"""
        a = input._data
        if a.dtype.kind != "f":
            # integers are never nan or infinite
            return new_tensor(np.full(a.shape, name == "isfinite"))
        return new_tensor(np_func(a))
    test.__name__ = test.__qualname__ = name
    test.__doc__ = {"isnan": "True where the value is nan", "isinf": "True where +-inf",
                    "isfinite": "True where neither nan nor infinite"}[name]
    return test


isnan = _float_test(np.isnan, "isnan")
isinf = _float_test(np.isinf, "isinf")
isfinite = _float_test(np.isfinite, "isfinite")
for _func in (isnan, isinf, isfinite):
    register(_func.__name__, _func, section=_S)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set: -0. and negative NaNs too; a signed integer below 0."""
    a = input._data
    if a.dtype.kind == "f":
        return new_tensor(np.signbit(a))
    if a.dtype.kind == "i":
        return new_tensor(np.asarray(a < 0))
    return new_tensor(np.zeros(np.shape(a), dtype=bool))


register("signbit", signbit, section=_S, out=True, differentiable=False,
         out_dtype=OutDtype("exact", "signbit does not support non-boolean outputs."))


def _in_place(op):
    """``x.op_(other)``: the result written into x, in x's dtype (logical_and_ on a float
    tensor stores 0. and 1.)."""
    def inplace(self, *args):
        check_writable(self)
        write(self, op(self, *args)._data)
        return self
    inplace.__name__ = op.__name__ + "_"
    return inplace


# ---------------------------------------------------------------------------------------------
# logical_and / or / xor / not: any dtype read as true where nonzero, a bool result

def _tensor_argument(name, position, value, argument):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be Tensor, "
                        f"not {python_type_name(value)}")


def _logical(np_func, name):
    def op(input, other):
        _tensor_argument(name, 1, input, "input")
        _tensor_argument(name, 2, other, "other")
        a, b = input._data, other._data
        try:
            return new_tensor(np.asarray(np_func(a != 0, b != 0)))
        except ValueError:
            raise_broadcast_error(a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"element-wise logical {name.split('_')[1].upper()}, a bool result"
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input):
    """True where input is zero, a bool result"""
    _tensor_argument("logical_not", 1, input, "input")
    return new_tensor(np.asarray(input._data == 0))


for _func in (logical_and, logical_or, logical_xor, logical_not):
    register(_func.__name__, _func, section=_S, inplace=_in_place(_func), out=True,
             differentiable=False)


# ---------------------------------------------------------------------------------------------
# bitwise and / or / xor / not, and shifts: integer and bool tensors

def _refuse_floats(kernel, a, b=None):
    """torch names the dtype the operands promote to: "lshift_cpu" not implemented for 'Double'"""
    dtype = a.dtype if b is None else result_dtype(a, b)
    if dtype.kind in ("fb" if kernel.endswith("shift") else "f"):
        raise NotImplementedError(
            f'"{kernel}_cpu" not implemented for \'{scalar_type_name(dtype)}\'')


def bitwise_not(input):
    """~input: each bit flipped (logical not for bool)"""
    _refuse_floats("bitwise_not", input._data)
    return new_tensor(np.invert(input._data))


def _shift(left: bool):
    kernel = "lshift" if left else "rshift"

    def forward(a, b):
        _refuse_floats(kernel, a, b)
        dtype = result_dtype(a, b)
        a = np.asarray(_wrap_int(a, dtype)).astype(dtype)
        b = np.asarray(_wrap_int(b, dtype)).astype(dtype)
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise_broadcast_error(a, b)
        bits = dtype.itemsize * 8
        # torch defines shifts by a negative or too large amount: 0 (or -1 for a negative
        # number shifted right), where C and numpy leave them undefined
        outside = (b < 0) | (b >= bits)
        safe = np.where(outside, 0, b).astype(dtype)
        if left:
            shifted = np.left_shift(a, safe)
            return np.where(outside, dtype.type(0), shifted).astype(dtype)
        shifted = np.right_shift(a, safe)
        fill = np.where(a < 0, -1, 0).astype(dtype)
        return np.where(outside, fill, shifted).astype(dtype)
    return forward


_LEFT, _RIGHT = _shift(True), _shift(False)


def bitwise_left_shift(input, other):
    """input << other"""
    return new_tensor(np.asarray(_LEFT(_data(input), _data(other))))


def bitwise_right_shift(input, other):
    """input >> other (arithmetic: the sign is kept)"""
    return new_tensor(np.asarray(_RIGHT(_data(input), _data(other))))


register("bitwise_not", bitwise_not, section=_S, inplace=_in_place(bitwise_not), out=True,
         operators={"__invert__": compare.invert}, out_dtype="same")
register("bitwise_and", compare.logical_and_bits, section=_S, out=True,
         inplace=_in_place(compare.logical_and_bits),
         operators={"__and__": CHECKED, "__rand__": REFLECTED, "__iand__": INPLACE})
register("bitwise_or", compare.logical_or_bits, section=_S, out=True,
         inplace=_in_place(compare.logical_or_bits),
         operators={"__or__": CHECKED, "__ror__": REFLECTED, "__ior__": INPLACE})
register("bitwise_xor", compare.logical_xor_bits, section=_S, out=True,
         inplace=_in_place(compare.logical_xor_bits),
         operators={"__xor__": CHECKED, "__rxor__": REFLECTED, "__ixor__": INPLACE})
register("bitwise_left_shift", bitwise_left_shift, section=_S, out=True,
         inplace=_in_place(bitwise_left_shift),
         operators={"__lshift__": CHECKED, "__rlshift__": REFLECTED, "__ilshift__": INPLACE})
register("bitwise_right_shift", bitwise_right_shift, section=_S, out=True,
         inplace=_in_place(bitwise_right_shift),
         operators={"__rshift__": CHECKED, "__rrshift__": REFLECTED, "__irshift__": INPLACE})
