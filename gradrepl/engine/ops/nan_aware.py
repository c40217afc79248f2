"""fmax/fmin (maximum and minimum that skip NaN), isposinf/isneginf/isreal, and float_power (pow
in double precision), as torch 2.13 gives them.

- fmax(a, b) is a where a >= b or b is NaN, else b: on a tie of signed zeros the first operand
  (numpy's fmax gives the second; measured against torch's vector and scalar loops alike).
  derivatives.yaml's gradient goes whole to the operand chosen, with no halving on ties (unlike
  maximum's).
- float_power casts both operands to float64 (recorded: ``ToCopyBackward0``) and calls pow, so
  the graph is pow's (``PowBackward0/1/2``); its in-place form needs a float64 tensor and its
  ``out=`` a float64 one, in torch's words.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import float64, scalar_type_name
from gradrepl.engine.errors import python_type_name
from gradrepl.engine.keywords import InvalidArguments, Unmatched, torch_parsed
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.promotion import elementwise, raise_broadcast_error, result_dtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, data_of as _data, new_tensor

# ---------------------------------------------------------------------------------------------
# fmax / fmin


def _keeps_first(first_wins):
    """Whether the first operand is the result: it wins the comparison, or the second is NaN."""
    def keeps(a, b):
        with np.errstate(invalid="ignore"):
            kept = first_wins(a, b)
        if np.result_type(a, b).kind == "f":
            kept = kept | np.isnan(b)
        return kept
    return keeps


def _nan_skipping(keeps_first):
    def forward(a, b):
        dtype = result_dtype(a, b)
        a, b = np.asarray(a).astype(dtype, copy=False), np.asarray(b).astype(dtype, copy=False)
        try:
            return elementwise(lambda x, y: np.where(keeps_first(x, y), x, y), a, b)
        except ValueError:
            raise_broadcast_error(a, b)
    return forward


def _nan_skipping_backward(keeps_first):
    def backward(F, g, inputs, out, params, needs):
        a, b = _data(inputs[0]), _data(inputs[1])
        dtype = result_dtype(a, b)  # compared in the result's dtype, as torch's formula does
        first = np.broadcast_to(keeps_first(np.asarray(a).astype(dtype, copy=False),
                                            np.asarray(b).astype(dtype, copy=False)), np.shape(g))
        return (F.sum_to(F.where(first, g, 0.0), inputs[0]) if needs[0] else None,
                F.sum_to(F.where(first, 0.0, g), inputs[1]) if needs[1] else None)
    return backward


_FMAX_KEEPS, _FMIN_KEEPS = _keeps_first(np.greater_equal), _keeps_first(np.less_equal)
FMAX = Primitive("fmax", "FmaxBackward0", _nan_skipping(_FMAX_KEEPS),
                 _nan_skipping_backward(_FMAX_KEEPS), inputs=("self", "other"),
                 saves=("self", "other"))
FMIN = Primitive("fmin", "FminBackward0", _nan_skipping(_FMIN_KEEPS),
                 _nan_skipping_backward(_FMIN_KEEPS), inputs=("self", "other"),
                 saves=("self", "other"))


def _two_tensors(row):
    def op(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{row.name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{python_type_name(other)}")
        return apply(row, (input, other))
    op.__name__ = op.__qualname__ = row.name
    op.__doc__ = {"fmax": "the larger of input and other, elementwise, skipping NaN",
                  "fmin": "the smaller of input and other, elementwise, skipping NaN"}[row.name]
    return op


fmax, fmin = _two_tensors(FMAX), _two_tensors(FMIN)
register("fmax", fmax, section="extrema", rows=(FMAX,), out=True)
register("fmin", fmin, section="extrema", rows=(FMIN,), out=True)


# ---------------------------------------------------------------------------------------------
# isposinf / isneginf / isreal: bool results, never recorded

def _infinity_test(sign, name):
    def test(input):
        a = input._data
        if a.dtype.kind != "f":
            return new_tensor(np.zeros(a.shape, dtype=bool))
        return new_tensor(np.asarray(a == sign * np.inf))
    test.__name__ = test.__qualname__ = name
    test.__doc__ = f"True where the value is {'+' if sign > 0 else '-'}inf"
    return test


isposinf, isneginf = _infinity_test(1, "isposinf"), _infinity_test(-1, "isneginf")
for _test in (isposinf, isneginf):
    register(_test.__name__, _test, section="comparison", out=True, differentiable=False,
             out_dtype=OutDtype("exact", f"{_test.__name__} does not support non-boolean outputs."))


def isreal(input):
    """True where the value has no imaginary part: everywhere, for gradrepl's real dtypes"""
    return new_tensor(np.ones(input._data.shape, dtype=bool))


register("isreal", isreal, section="comparison")


# ---------------------------------------------------------------------------------------------
# float_power: pow in float64

def _as_double(value):
    from gradrepl.engine.ops.conversion import to_dtype

    if isinstance(value, Tensor):
        return to_dtype(value, float64)
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise Unmatched
    return float(value)


@torch_parsed("float_power")
def float_power(input, exponent):
    """input ** exponent computed in float64 (either may be a number)"""
    from gradrepl.engine.ops.arithmetic_functions import pow

    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise InvalidArguments("float_power", (input, exponent), {}, method=False)
    return pow(_as_double(input), _as_double(exponent))


@torch_parsed("float_power_")
def float_power_(self, exponent):
    exponent = _as_double(exponent)
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{scalar_type_name(self._data.dtype)} but the operation's result "
                           "requires dtype Double")
    return self.pow_(exponent)


register("float_power", float_power, section="arithmetic", inplace=float_power_, out=True,
         out_autograd_name="pow",
         out_dtype=OutDtype("exact", "the output given to float_power has dtype {out} but the "
                                     "operation's result requires dtype {result}"))
