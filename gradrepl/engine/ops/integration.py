"""trapezoid (trapz) and cumulative_trapezoid, cov and corrcoef: composites, recorded op by op in
the order ATen's Integration.cpp and Correlation.cpp compose them, so that the values, the graph
(``MulBackward1`` over ``SubBackward0``, ``SumBackward1``, ``SelectBackward0`` ...) and the
gradients are torch's.

- trapezoid with a spacing ``dx``: ``(y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx``; with sample
  points ``x``: ``((y[:-1] + y[1:]) * (x[1:] - x[:-1])).sum(dim) / 2``; an empty dim gives zeros
  of y's dtype;
- cumulative_trapezoid: ``(dx / 2 * (y[:-1] + y[1:])).cumsum(dim)``, or with ``x``
  ``((y[:-1] + y[1:]) * dx).cumsum(dim) / 2``;
- cov: the weighted mean of each row, ``(in - avg) @ (w * (in - avg)).T / norm_factor``,
  squeezed; corrcoef divides it by the square roots of its diagonal (a column view, then a row
  view) and clips to [-1, 1].
Numbers multiply and divide as C++ Scalars (``MulBackward1``, ``DivBackward1``).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import Unmatched, check_types, torch_parsed
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.scalar_arith import div_scalar, mul_scalar
from gradrepl.engine.tensor import Tensor, wrap_dim


def _ops():
    from gradrepl.engine import ops

    return ops


def _floating(t) -> bool:
    return t._data.dtype.kind == "f"


def _times(t, number):
    """t * number as ATen's C++ multiplies by a Scalar (MulBackward1); integers promote."""
    return mul_scalar(t, number) if _floating(t) else _ops().mul(t, number)


def _divided(t, number):
    return div_scalar(t, number) if _floating(t) else _ops().div(t, number)


def _number_times(number, t):
    return mul_scalar(t, number) if _floating(t) else _ops().mul(number, t)


def _dx_number(dx, name):
    """A Scalar dx as torch's parser takes it (a number, or a 0-d tensor's value)."""
    if isinstance(dx, Tensor):
        if dx.ndim != 0:
            raise Unmatched
        dx = dx.item()
    if isinstance(dx, (bool, np.bool_)) or isinstance(dx, (complex, np.complexfloating)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    if not isinstance(dx, (int, float, np.integer, np.floating)):
        raise Unmatched
    return float(dx)


def _spacing(y, x, dim, name):
    """x viewed against y (ATen: a vector along dim, fewer dims padded in front), differenced."""
    ops = _ops()
    if x._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        sizes = [1] * y.ndim
        sizes[dim] = x.shape[0]
        x = x.view(*sizes)
    elif x.ndim < y.ndim:
        x = x.view(*([1] * (y.ndim - x.ndim) + list(x.shape)))
    n = x.shape[dim]
    return ops.sub(ops.narrow(x, dim, min(n, 1), max(n - 1, 0)), ops.narrow(x, dim, 0, max(n - 1, 0)))


def _pairs(y, dim):
    ops = _ops()
    n = y.shape[dim]  # y[:-1] + y[1:] (both empty for an empty dim, as torch's slices)
    return ops.add(ops.narrow(y, dim, 0, max(n - 1, 0)), ops.narrow(y, dim, min(n, 1), max(n - 1, 0)))


def _integrate(y, x, dx, dim, name, cumulative):
    ops = _ops()
    check_types(("Tensor", y), ("int", dim))
    if x is not None:
        if dx is not None or not isinstance(x, Tensor):
            raise Unmatched
        d = wrap_dim(dim, y.ndim)
        if y._data.dtype == np.bool_:
            raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not supported")
        if not cumulative and y.shape[d] == 0:
            return _zeros_except(y, d)
        spacing = _spacing(y, x, d, name)
        if cumulative:
            return _divided(ops.cumsum(ops.mul(_pairs(y, d), spacing), d), 2.0)
        return _divided(ops.sum(ops.mul(_pairs(y, d), spacing), d), 2.0)
    dx = 1.0 if dx is None else dx
    if cumulative:
        if y.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        d = wrap_dim(dim, y.ndim)
        if y._data.dtype == np.bool_:
            raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
        dx = _dx_number(dx, name)
        return ops.cumsum(_number_times(dx / 2.0, _pairs(y, d)), d)
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, y.ndim)
    if y.shape[d] == 0:
        return _zeros_except(y, d)
    if y._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    dx = _dx_number(dx, name)
    ends = _times(ops.add(ops.select(y, d, 0), ops.select(y, d, -1)), 0.5)
    return _times(ops.sub(ops.sum(y, d), ends), dx)


def _zeros_except(y, dim):
    from gradrepl.engine.dtypes import from_numpy_dtype
    from gradrepl.engine.factories import zeros

    shape = [n for i, n in enumerate(y.shape) if i != dim]
    return zeros(*shape, dtype=from_numpy_dtype(y._data.dtype))


@torch_parsed("trapezoid", method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """the integral of y along dim by the trapezoid rule, at sample points x or spacing dx"""
    return _integrate(y, x, dx, dim, "trapezoid", cumulative=False)


@torch_parsed("trapz", method=False)
def trapz(y, x=None, *, dx=None, dim=-1):
    """trapezoid's older name"""
    return _integrate(y, x, dx, dim, "trapezoid", cumulative=False)


@torch_parsed("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """the running integral of y along dim by the trapezoid rule (one value fewer than y)"""
    return _integrate(y, x, dx, dim, "cumulative_trapezoid", cumulative=True)


def _integration_rows():
    from gradrepl.engine.ops.arithmetic import ADD, MUL, SUB
    from gradrepl.engine.ops.cumulative import CUMSUM
    from gradrepl.engine.ops.reductions import SUM_DIM
    from gradrepl.engine.ops.scalar_arith import DIV_SCALAR, MUL_SCALAR

    return (MUL_SCALAR, SUB, SUM_DIM, ADD, MUL, DIV_SCALAR), (CUMSUM, MUL_SCALAR, ADD, MUL, DIV_SCALAR)


_TRAPEZOID_ROWS, _CUMULATIVE_ROWS = _integration_rows()
for _function in (trapezoid, trapz):
    register(_function.__name__, _function, section="reduction", method=False, rows=_TRAPEZOID_ROWS)
register("cumulative_trapezoid", cumulative_trapezoid, section="reduction", method=False,
         rows=_CUMULATIVE_ROWS)


# ---------------------------------------------------------------------------------------------
# cov and corrcoef (Correlation.cpp)

def _is_true(t) -> bool:
    from gradrepl.engine.grad_mode import no_grad

    with no_grad():
        return bool(t.item())


def _check_weights(w, kind, observations):
    from gradrepl.engine.dtypes import scalar_type_name

    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {kind} to have one or fewer dimensions but got {kind} "
                           f"with {w.ndim} dimensions")
    wanted = "iu" if kind == "fweights" else "f"
    if w._data.dtype.kind not in wanted:
        raise RuntimeError(f"cov(): expected {kind} to have "
                           f"{'integral' if kind == 'fweights' else 'floating point'} dtype but got "
                           f"{kind} with {scalar_type_name(w._data.dtype)} dtype")
    if w.numel() != observations:
        raise RuntimeError(f"cov(): expected {kind} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {observations}")
    if observations and not _is_true(w.min().ge(0)):
        raise RuntimeError(f"cov(): {kind} cannot be negative")


def _long_scalar(value):
    from gradrepl.engine.factories import tensor
    from gradrepl.engine.dtypes import int64

    return tensor(value, dtype=int64)


@torch_parsed("cov")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """the covariance matrix of the rows of input (variables) over its columns (observations),
    with frequency weights `fweights` and observation weights `aweights`"""
    from gradrepl.engine.dtypes import float32
    from gradrepl.engine.warn import warn_user

    ops = _ops()
    check_types(("Tensor", input), ("int", correction))
    for weights in (fweights, aweights):
        if weights is not None and not isinstance(weights, Tensor):
            raise Unmatched
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an input "
                           f"with {input.ndim} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    rows = input.view(1, -1) if input.ndim < 2 else input
    observations = rows.shape[1]
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", observations)
        w = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", observations)
        w = aweights if w is None else ops.mul(w, aweights)
    w_sum = ops.sum(w) if w is not None else _long_scalar(observations)
    if w is not None and not _is_true(w_sum.ne(0)):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    average = ops.div(ops.sum(ops.mul(rows, w) if w is not None else rows, 1), w_sum)
    if w is None:
        norm_factor = _long_scalar(observations - correction)
    elif correction == 0:
        norm_factor = w_sum
    elif aweights is None:
        norm_factor = ops.sub(w_sum, correction)
    elif fweights is None and observations == 1 and correction == 1:
        norm_factor = _long_scalar(0)
    else:
        norm_factor = ops.sub(w_sum, ops.div(_times(ops.sum(ops.mul(w, aweights)), correction),
                                             w_sum))
    if _is_true(norm_factor.le(0)):
        warn_user("cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
                  "number of observations. (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                  "ATen/native/Correlation.cpp:129.)", UserWarning)
        norm_factor.zero_()
    if observations == 1 and (fweights is None) != (aweights is None):
        rows.zero_()  # ATen zeroes the input itself here
        if rows._data.dtype.kind in "biu":
            rows = rows.to(float32)
    else:
        rows = ops.sub(rows, average.unsqueeze(1))
    weighted = ops.mul(rows, w) if w is not None else rows
    return ops.div(ops.mm(rows, weighted.t()), norm_factor).squeeze()


@torch_parsed("corrcoef")
def corrcoef(input):
    """the Pearson correlation coefficients of the rows of input (cov over the product of the
    standard deviations), clipped to [-1, 1]"""
    ops = _ops()
    check_types(("Tensor", input))
    if input.ndim > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return ops.div(c, c)
    deviations = ops.sqrt(c.diagonal())
    c = ops.div(c, deviations.view(-1, 1))
    c = ops.div(c, deviations.view(1, -1))
    return ops.clip(c, -1, 1)


def _correlation_rows():
    from gradrepl.engine.ops.arithmetic import DIV, MUL, SUB
    from gradrepl.engine.ops.clamp import CLAMP
    from gradrepl.engine.ops.linalg import MM
    from gradrepl.engine.ops.reductions import SUM_DIM
    from gradrepl.engine.ops.shape import SQUEEZE_ALL

    return (SQUEEZE_ALL, DIV, MM, SUB, MUL, SUM_DIM), (CLAMP, DIV, SQUEEZE_ALL, MM, SUB)


_COV_ROWS, _CORRCOEF_ROWS = _correlation_rows()
register("cov", cov, section="reduction", rows=_COV_ROWS)
register("corrcoef", corrcoef, section="reduction", rows=_CORRCOEF_ROWS)
