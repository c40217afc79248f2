"""logcumsumexp: the running log-sum-exp along a dim, as torch 2.13's CPU kernel computes it, and
its backward (``LogcumsumexpBackward0``, torch's ``logcumsumexp_backward``).

The kernel (ATen's ``logcumsumexp_cpu_kernel``) carries the running value in the accumulation
type (double for float and double, float for half), starts it at -inf and folds each element in
with ``_log_add_exp_helper(x, running)``: ``log1p(exp(min - max)) + max`` by the C library's
``exp`` and ``log1p`` (numpy's own differ in the last bit on about one input in twenty), where
``min``/``max`` follow ``std::min``/``std::max`` with a NaN running value winning; two equal
infinities give the new element. Each step is rounded to the output's dtype.

The backward splits the incoming gradient by sign, in logs: ``exp(reverse_lcse(log|g+| -
result) + self) - exp(reverse_lcse(log|g-| - result) + self)``, ``reverse_lcse`` being
flip, logcumsumexp, flip, and a missing sign the dtype's lowest finite value.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math import libm
from gradrepl.engine.keywords import check_types, torch_parsed
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import data_of as _data, wrap_dim

_ACCUMULATE = {np.dtype(np.float16): np.dtype(np.float32), np.dtype(np.float32): np.dtype(np.float64),
               np.dtype(np.float64): np.dtype(np.float64)}


def _log_add_exp(x, running):
    """ATen's _log_add_exp_helper(x, running) on arrays of the accumulation type."""
    with np.errstate(invalid="ignore"):
        nan_running = np.isnan(running)
        low = np.where(nan_running, running, np.where(running < x, running, x))
        high = np.where(nan_running, running, np.where(x < running, running, x))
        general = (low != high) | np.isfinite(low)
        difference = np.where(general, low - high, 0.0).astype(x.dtype)
    step = libm.call("exp", difference)
    step = libm.call("log1p", step) + high
    return np.where(general, step, x)


def _forward(a, dim):
    if a.dtype.kind != "f":
        from gradrepl.engine.dtypes import scalar_type_name

        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(a.dtype)}'")
    if a.ndim == 0 or a.size == 0:
        return a.copy()
    wide = _ACCUMULATE[a.dtype]
    moved = np.moveaxis(a, dim, 0).astype(wide)
    out = np.empty(moved.shape, a.dtype)
    running = np.full(moved.shape[1:], -np.inf, wide).reshape(-1)
    for i in range(moved.shape[0]):
        running = _log_add_exp(moved[i].reshape(-1), running)
        out[i] = running.reshape(moved.shape[1:])
    return np.ascontiguousarray(np.moveaxis(out, 0, dim))


def _backward(F, g, inputs, out, params, needs):
    from gradrepl.engine.ops.shape_more import FLIP
    from gradrepl.engine.ops.unary import ABS, EXP, LOG

    (dim,) = params
    x = inputs[0]
    shape = np.shape(_data(g))
    if len(shape) == 0 or 0 in shape:
        return (g,)
    values = np.asarray(_data(g))
    lowest = float(np.finfo(values.dtype).min)
    log_abs = F.apply(LOG, (F.apply(ABS, (g,)),))

    def reverse(t):
        flipped = F.apply(FLIP, (t,), ((dim,),))
        return F.apply(FLIP, (F.apply(LOGCUMSUMEXP, (flipped,), (dim,)),), ((dim,),))

    with np.errstate(invalid="ignore"):
        positive, negative = values > 0, values < 0
    parts = []
    for mask in (positive, negative):
        logs = F.where(mask, log_abs, lowest)
        parts.append(F.apply(EXP, (reverse(logs - out) + x,)))
    return (parts[0] - parts[1],)


LOGCUMSUMEXP = Primitive("logcumsumexp", "LogcumsumexpBackward0", _forward, _backward,
                         inputs=("self",), params=("dim",), saves=("self", "result"))


@torch_parsed("logcumsumexp")
def logcumsumexp(input, dim):
    """the log of the running sum of exp(input) along dim, computed without overflow"""
    check_types(("Tensor", input), ("int", dim))
    d = wrap_dim(dim, max(input.ndim, 1))
    return apply_unary(LOGCUMSUMEXP, input, (d if input.ndim else 0,))


def _out_checks(input, dim):
    check_types(("Tensor", input), ("int", dim))
    wrap_dim(dim, max(input.ndim, 1))


register("logcumsumexp", logcumsumexp, section="reduction", rows=(LOGCUMSUMEXP,), out=True,
         out_dtype=OutDtype("exact", "expected scalar_type {result} but found {out}",
                            checks_first=_out_checks))
