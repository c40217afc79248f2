"""clamp / clip, clamp_min, clamp_max: one row per torch overload (Number bounds or Tensor bounds).

Number bounds are parameters (``ClampBackward1``, ``ClampMinBackward0``, ``ClampMaxBackward0``);
tensor bounds are inputs with gradients of their own (``ClampBackward0``, ``ClampMinBackward1``,
``ClampMaxBackward1``). The input's gradient passes where lo <= x <= hi, both ends included,
and never at nan.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.ops.primitive import Primitive, apply, apply_unary
from gradrepl.engine.ops.promotion import raise_broadcast_error
from gradrepl.engine.tensor import data_of as _data, Tensor
from gradrepl.engine.ops.registry import register

_NO_BOUNDS = "torch.clamp: At least one of 'min' or 'max' must not be None"


def _result_dtype(*operands) -> np.dtype:
    from gradrepl.engine.ops.promotion import _Operand

    present = [x if isinstance(x, (bool, int, float)) else _Operand(x)
               for x in operands if x is not None]
    return dtypes.result_type(*present).numpy


def _clamp_forward(a, lo, hi):
    dtype = _result_dtype(a, lo, hi)
    out = a.astype(dtype, copy=False)
    try:
        if lo is not None:
            out = np.maximum(out, np.asarray(lo).astype(dtype))
        if hi is not None:
            out = np.minimum(out, np.asarray(hi).astype(dtype))
    except ValueError:
        raise_broadcast_error(a, lo if lo is not None else hi)
    return out.astype(dtype, copy=False)


def _inside(a, lo, hi):
    """Where the input's own gradient passes: lo <= a <= hi (nan compares false)."""
    ok = np.ones(np.shape(a), dtype=bool)
    if lo is not None:
        ok = ok & (a >= lo)
    if hi is not None:
        ok = ok & (a <= hi)
    return ok


# ---------------------------------------------------------------------------------------------
# Number bounds: the bounds are parameters

def _scalar_backward(F, g, inputs, out, params, needs):
    lo, hi = params
    a = _data(inputs[0])
    return (F.where(np.broadcast_to(_inside(a, lo, hi), np.shape(g)), g, 0.0),)


def _scalar_forward(a, lo, hi):
    return _clamp_forward(a, lo, hi)


CLAMP = Primitive("clamp", "ClampBackward1", _scalar_forward, _scalar_backward, inputs=("self",),
                  saves=("self",))
CLAMP_MIN = Primitive("clamp_min", "ClampMinBackward0", _scalar_forward, _scalar_backward,
                      inputs=("self",), saves=("self",))
CLAMP_MAX = Primitive("clamp_max", "ClampMaxBackward0", _scalar_forward, _scalar_backward,
                      inputs=("self",), saves=("self",))


# ---------------------------------------------------------------------------------------------
# Tensor bounds: inputs (a, lo, hi), either bound may be absent

def _tensor_backward(F, g, inputs, out, params, needs):
    a, lo, hi = (_data(x) for x in inputs)
    shape = np.shape(g)

    def passes(mask):
        return F.where(np.broadcast_to(mask, shape), g, 0.0)

    # with lo > hi the result is hi, so hi takes the gradient (torch's clamp_backward_min_max)
    crossed = (lo > hi) if lo is not None and hi is not None else np.False_
    return (
        passes(_inside(a, lo, hi)) if needs[0] else None,
        F.sum_to(passes((a < lo) & ~crossed), inputs[1]) if lo is not None and needs[1] else None,
        F.sum_to(passes((a > hi) | crossed), inputs[2]) if hi is not None and needs[2] else None,
    )


def _one_bound_row(name, grad_fn_name, which):
    """clamp_min(tensor) / clamp_max(tensor): inputs (a, bound), with no edge for the other."""
    def forward(a, bound):
        return _clamp_forward(a, bound, None) if which == "min" else _clamp_forward(a, None, bound)

    def backward(F, g, inputs, out, params, needs):
        a, bound = inputs
        full = (a, bound, None) if which == "min" else (a, None, bound)
        grad_a, grad_lo, grad_hi = _tensor_backward(F, g, full, out, params,
                                                    (needs[0], needs[1], needs[1]))
        return grad_a, grad_lo if which == "min" else grad_hi

    return Primitive(name, grad_fn_name, forward, backward, inputs=("self", which),
                     saves=("self", which))


# clamp(min=tensor) keeps three edges, the absent bound's being (None, 0)
CLAMP_TENSOR = Primitive("clamp", "ClampBackward0", _clamp_forward, _tensor_backward,
                         inputs=("self", "min", "max"), saves=("self", "min", "max"))
CLAMP_MIN_TENSOR = _one_bound_row("clamp_min", "ClampMinBackward1", "min")
CLAMP_MAX_TENSOR = _one_bound_row("clamp_max", "ClampMaxBackward1", "max")


def _number(x):
    return x.item() if isinstance(x, np.generic) else x


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError(_NO_BOUNDS)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None and not isinstance(min, Tensor) or max is not None and not isinstance(max, Tensor):
            raise TypeError(_mixed_bounds_message(min, max))
        return apply(CLAMP_TENSOR, (input, min, max))
    return apply_unary(CLAMP, input, (_number(min), _number(max)))


def _mixed_bounds_message(min, max):
    def kind(x):
        return "Tensor" if isinstance(x, Tensor) else type(x).__name__

    got = f"({kind(min)}, {kind(max)})"
    marked = f"(!{kind(min)}!, !{kind(max)}!)"
    return (
        f"clamp() received an invalid combination of arguments - got {got}, but expected one of:\n"
        " * (Tensor min = None, Tensor max = None)\n"
        f"      didn't match because some of the arguments have invalid types: {marked}\n"
        " * (Number min = None, Number max = None)\n"
        f"      didn't match because some of the arguments have invalid types: {marked}\n"
    )


clip = clamp


def clamp_min(input, min):
    if isinstance(min, Tensor):
        return apply(CLAMP_MIN_TENSOR, (input, min))
    return apply_unary(CLAMP_MIN, input, (_number(min), None))


def clamp_max(input, max):
    if isinstance(max, Tensor):
        return apply(CLAMP_MAX_TENSOR, (input, max))
    return apply_unary(CLAMP_MAX, input, (None, _number(max)))


# ---------------------------------------------------------------------------------------------
# In place: ``w.clamp_(0, 1)``, common under no_grad to keep parameters in range

def clamp_(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError(_NO_BOUNDS)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None and not isinstance(min, Tensor) or max is not None and not isinstance(max, Tensor):
            raise TypeError(_mixed_bounds_message(min, max).replace("clamp()", "clamp_()"))
        return _inplace(CLAMP_TENSOR, input, (min, max))
    return _inplace(CLAMP, input, (), (_number(min), _number(max)))


def clamp_min_(input, min):
    if isinstance(min, Tensor):
        return _inplace(CLAMP_MIN_TENSOR, input, (min,))
    return _inplace(CLAMP_MIN, input, (), (_number(min), None))


def clamp_max_(input, max):
    if isinstance(max, Tensor):
        return _inplace(CLAMP_MAX_TENSOR, input, (max,))
    return _inplace(CLAMP_MAX, input, (), (None, _number(max)))


def _inplace(prim, input, others, params=()):
    from gradrepl.engine.dtypes import scalar_type_name
    from gradrepl.engine.ops.inplace import apply_inplace

    bounds = [_data(x) for x in others] + list(params)
    result = _result_dtype(input._data, *bounds)
    if result.kind == "f" and input._data.dtype.kind in "biu":
        # clamp_'s structured kernel names the output by its C++ type ("long int")
        raise RuntimeError(f"result type {scalar_type_name(result)} can't be cast to the desired output "
                           f"type {dtypes.CPP_TYPE_NAMES[input._data.dtype.name]}")
    return apply_inplace(prim, input, others, params)


register("clamp", clamp, section="extrema", rows=(CLAMP, CLAMP_TENSOR), inplace=clamp_,
         aliases=("clip",), out=True)
register("clamp_min", clamp_min, section="extrema", rows=(CLAMP_MIN, CLAMP_MIN_TENSOR),
         inplace=clamp_min_, out=True)
register("clamp_max", clamp_max, section="extrema", rows=(CLAMP_MAX, CLAMP_MAX_TENSOR),
         inplace=clamp_max_, out=True)
