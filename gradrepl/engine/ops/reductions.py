"""Reductions: sum and mean, over everything (``...Backward0``) or over dims (``...Backward1``)."""

from __future__ import annotations

from math import prod as _prod

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.grad_mode import _enabled as _grad_enabled
from gradrepl.engine.ops.backends import _FLOAT_DATA, arrays as _arrays
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.summation import float_sum, half_to_float
from gradrepl.engine.ops.summation_plan import dependents as _plan_tables, ready as _ready
from gradrepl.engine.tensor import Tensor, wrap_dim
from gradrepl.engine.keywords import NO_DIM, NO_KEEPDIM, dim_and_keepdim
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register


def normalize_dims(dim, ndim: int) -> tuple:
    """``dim`` as a sorted tuple of non-negative dims, with torch's errors."""
    if type(dim) is int:  # x.sum(0), x.mean(1): the same few come back every step
        dims = _ONE_DIM.get((dim, ndim))
        if dims is None:
            dims = _ONE_DIM[(dim, ndim)] = normalize_dims((dim,), ndim)
        return dims
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    # a 0-d tensor accepts dim 0 and -1, as if it had one dimension, and reduces over nothing
    wrapped = tuple(wrap_dim(d, max(ndim, 1)) for d in dims)
    seen = set()
    for d in wrapped:  # torch reports the first dim met a second time
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(wrapped)) if ndim else ()


_ONE_DIM: dict = {}  # (dim, ndim) -> normalize_dims(dim, ndim), for dims in range


def _expand_back(F, g, shape: tuple, dims: tuple | None, keepdim: bool):
    """Spread a reduced gradient over the input's shape (torch's sum_backward)."""
    if dims is not None and not keepdim:
        for d in dims:
            g = F.unsqueeze(g, d)
    return F.expand(g, shape)


def _sum_dtype(a):
    # torch sums integers and bools as int64
    return np.int64 if a.dtype.kind in "biu" else a.dtype


def _sum_all(a, dtype=None):
    if dtype is None and a.dtype.char in _FLOAT_CHARS:  # x.sum(), every printed loss
        return float_sum(a)
    if np.dtype(dtype or a.dtype).char in _FLOAT_CHARS:  # in torch's order, bit for bit
        return float_sum(a, None, False, dtype)
    return np.sum(a, dtype=dtype or _sum_dtype(a))


def _sum_dims(a, dims, keepdim, dtype=None):
    if dtype is None and a.dtype.char in _FLOAT_CHARS:  # x.sum(0)
        return float_sum(a, dims, keepdim)
    if np.dtype(dtype or a.dtype).char in _FLOAT_CHARS:
        return float_sum(a, dims, keepdim, dtype)
    return np.sum(a, axis=dims, keepdims=keepdim, dtype=dtype or _sum_dtype(a))


_FLOAT_CHARS = "efd"
_new = object.__new__
_EXACT_IN_FLOAT32 = 1 << 24  # every int below it is a float32


def _mean_check(a, name="mean", which="Input"):
    """``which``: torch names the dtype it refuses, the input's or the ``dtype=`` given."""
    if a.dtype.kind != "f":
        kind = dtypes.from_numpy_dtype(a.dtype)
        legacy = dtypes.SCALAR_TYPE_NAMES[kind]
        raise RuntimeError(
            f"{name}(): could not infer output dtype. {which} dtype must be either a floating point "
            f"or complex dtype. Got: {legacy}"
        )


def _mean_all(a):
    n = a.size
    if n and a.dtype.char in "fd":  # torch's mean is its sum, then a division
        # by a Python int below 2**24, which numpy converts exactly to the dtype (NEP 50), as
        # a.dtype.type(n) does at three times the cost
        return float_sum(a) / (n if n < _EXACT_IN_FLOAT32 else a.dtype.type(n))
    if a.dtype.char not in "efd":
        _mean_check(a)
    if not a.size:
        return a.dtype.type(np.nan)
    # half: torch's mean sums a float32 copy, divides, rounds once
    return (float_sum(half_to_float(a)) / np.float32(a.size)).astype(np.float16)


def _mean_dims(a, dims, keepdim):
    count = 1
    for d in dims:
        count *= a.shape[d]
    if a.dtype.char in "fd":  # the sum, then one division in its dtype
        return float_sum(a, dims, keepdim) / a.dtype.type(count)
    _mean_check(a)
    total = float_sum(half_to_float(a), dims, keepdim)  # half sums in float32, rounds once
    return (total / np.float32(count)).astype(a.dtype)


SUM = Primitive("sum", "SumBackward0", _sum_all, inputs=("self",),
                derivatives={"self": lambda F, grad, self_shape: F.expand(grad, self_shape)})
SUM_DIM = Primitive(
    "sum", "SumBackward1", _sum_dims, inputs=("self",), params=("dim", "keepdim", "dtype"),
    derivatives={"self": lambda F, grad, self_shape, dim, keepdim:
                 _expand_back(F, grad, self_shape, dim, keepdim)})
def _mean_grad(F, grad, self_shape):
    """MeanBackward0's formula: a new, contiguous gradient (a sum's is a stride-0 expand), the
    expand of ``grad`` divided by the element count (1 for an empty input)."""
    if F is _arrays and type(grad) in _FLOAT_DATA and not grad.ndim and self_shape:
        # every element is grad / count, as torch's division of the expand makes it: divided
        # once and filled in, which costs a third of dividing a stride-0 view (in the step's
        # own call, without backends.mean_backward's: a lesson's loss.mean())
        out = _empty(self_shape, grad.dtype)
        out.fill(grad / max(_prod(self_shape), 1))
        return out
    return F.mean_backward(grad, self_shape, max(_prod(self_shape), 1))


MEAN = Primitive("mean", "MeanBackward0", _mean_all, inputs=("self",),
                 derivatives={"self": _mean_grad})
MEAN_DIM = Primitive(
    "mean", "MeanBackward1", _mean_dims, inputs=("self",), params=("dim", "keepdim"),
    derivatives={"self": lambda F, grad, self_shape, dim, keepdim:
                 _expand_back(F, grad, self_shape, dim, keepdim) / _count(self_shape, dim)})


def _count(shape, dims) -> int:
    """How many elements ``dims`` of ``shape`` hold (all of them for None); np.size would ask a
    tensor (under create_graph) for its ``size`` method instead."""
    n = 1
    for d in range(len(shape)) if dims is None else dims:
        n *= shape[d]
    return n


def _sum_to_wrap(input, dim):
    """Short path for x.sum(), x.sum(d) and the means of a float32/64 tensor when no graph is
    recorded: float_sum of its data, the value apply_unary would wrap, without the dispatch
    around it (a third of a small sum's time). None when that does not apply. The caller has
    checked that no graph is recorded."""
    a = input._data
    if a.dtype.char not in "fd":
        return None
    if dim is None:
        total = float_sum(a)
    else:
        dims = _ONE_DIM.get((dim, a.ndim)) if type(dim) is int else None  # after a first call
        if dims is None:
            return None
        total = float_sum(a, dims, False)
    _remember_plan(a, dim, dims if dim is not None else None)
    return total


# The no-graph short path's first look (the four calls of W7, a lesson's printed losses): the
# summation plan float_sum would run for this layout and dim as the user passed it (None or an
# int), found with one lookup and no dim normalisation; with mean's count. A plan is found here
# only once float_sum has built it (summation_plan: after tens to thousands of calls).
# (shape, strides, dim) -> (dtype, plan, mean's divisor, whether mean divides in place); the
# dtype is compared by identity, so a byte-swapped or otherwise unusual float takes the paths
# after it
_NO_GRAPH: dict = {}
_plan_tables.append(_NO_GRAPH)  # emptied when summation_plan empties its own
_MAX_NO_GRAPH = 256  # as many layouts as summation_plan keeps plans (twice: dim -1 and 1)
SHORT_PATHS = True  # tests/engine/test_summation_contiguous.py turns them off


def _remember_plan(a, dim, dims):
    plan = _ready.get((a.shape, a.strides, dims, False, a.dtype))
    if plan is None:
        return
    if len(_NO_GRAPH) >= _MAX_NO_GRAPH:
        _NO_GRAPH.clear()
    count = a.size if dim is None else a.shape[dims[0]] if dims else 1
    # mean's divisor: a Python int below 2**24 for a whole mean (numpy converts it exactly, as
    # _mean_all does), else the count in the dtype (as _mean_dims divides)
    if dim is None and count < _EXACT_IN_FLOAT32:
        divisor = count
    else:
        divisor = a.dtype.type(count)
    # a plan's array result is fresh, so mean divides it where it is; a scalar (a numpy float)
    # is divided as it is
    _NO_GRAPH[(a.shape, a.strides, dim)] = (a.dtype, plan, divisor, not plan.scalar)


def _wrapped(out):
    result = _new(Tensor)
    result._data = out
    return result


def sum(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    dim, keepdim = dim_and_keepdim("sum", dim, keepdim, dtype)
    if dtype is None and not keepdim and SHORT_PATHS and not (input._requires_grad and _grad_enabled[0]):
        a = input._data
        if dim is None or type(dim) is int:  # short path: no graph, a plan built for this layout
            entry = _NO_GRAPH.get((a.shape, a.strides, dim))
            if entry is not None and entry[0] is a.dtype:
                out = entry[1].run(a)
                if out is not None:
                    result = _new(Tensor)
                    result._data = out
                    return result
        out = _sum_to_wrap(input, dim)  # short path
        if out is not None:
            return _wrapped(out)
    # sum(dtype=...) accumulates in that dtype within the one node; torch records no cast
    np_dtype = None if dtype is None else dtype.numpy
    if dim is None:
        if keepdim:
            dim = tuple(range(input.ndim))
        else:
            return apply_unary(SUM, input, (np_dtype,) if np_dtype else ())
    dims = normalize_dims(dim, input.ndim) if not (isinstance(dim, (tuple, list)) and not dim) else tuple(range(input.ndim))
    return apply_unary(SUM_DIM, input, (dims, bool(keepdim), np_dtype))


def mean(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    if keepdim is NO_KEEPDIM:  # dim_and_keepdim's common call, without the call
        dim, keepdim = (None if dim is NO_DIM else dim), False
    else:
        dim, keepdim = dim_and_keepdim("mean", dim, keepdim, dtype)
    if dtype is None and not keepdim and SHORT_PATHS and not (input._requires_grad and _grad_enabled[0]):
        a = input._data
        if dim is None or type(dim) is int:  # short path: the plan's sum, then one division
            entry = _NO_GRAPH.get((a.shape, a.strides, dim))
            if entry is not None and entry[0] is a.dtype:
                total = entry[1].run(a)
                if total is not None:
                    result = _new(Tensor)
                    result._data = _divide(total, entry[2], total) if entry[3] else total / entry[2]
                    return result
        if a.size:
            total = _sum_to_wrap(input, dim)  # short path: _mean_all's or _mean_dims' division
            if total is not None:
                dims = () if dim is None else _ONE_DIM[(dim, a.ndim)]
                count = a.size if dim is None else a.shape[dims[0]] if dims else 1
                return _wrapped(total / a.dtype.type(count))
    if dtype is not None:
        input = input.to(dtype)
    # torch refuses integer input before it looks at dims (the check called only to raise)
    if input._data.dtype.kind != "f":
        _mean_check(input._data, which="Input" if dtype is None else "Optional")
    if dim is None:
        if keepdim:
            dim = tuple(range(input.ndim))
        else:
            return apply_unary(MEAN, input)
    dims = normalize_dims(dim, input.ndim) if not (isinstance(dim, (tuple, list)) and not dim) else tuple(range(input.ndim))
    return apply_unary(MEAN_DIM, input, (dims, bool(keepdim)))


_divide = np.divide
_empty = np.empty


register("sum", sum, section="reduction", rows=(SUM, SUM_DIM), out=True, out_dtype="computes",
         out_needs=(1, "dim"))  # sum(x) takes no out=, sum(x, dim) does
register("mean", mean, section="reduction", rows=(MEAN, MEAN_DIM), out=True, out_dtype=OutDtype(
    "cast", "mean.dtype_out(): input types can't be cast to the desired output type {out}"))
