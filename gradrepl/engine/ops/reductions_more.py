"""More reductions: amax/amin/aminmax, logsumexp, cummax/cummin, all/any, nansum,
nanmean, count_nonzero, var_mean and std_mean. Each differentiable one is a row with torch's
grad_fn name and its derivatives.yaml formula.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.keywords import check_types, torch_parsed
from gradrepl.engine.ops.cumulative import CUMPROD, RUNNING_OUT, cumprod, cumprod_  # registered here: the op list's order
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.named_results import RETURN_TYPES, record_outputs
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.promotion import as_float
from gradrepl.engine.ops.reductions import _sum_dims, normalize_dims
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.statistics import (
    _count, _dims_of, _std_forward, _unreduce, _var_backward, _var_forward, _statistic_arguments,
)
from gradrepl.engine.tensor import data_of as _data, new_tensor, wrap_dim

_S = "reduction"


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


# ---------------------------------------------------------------------------------------------
# amax / amin: the gradient shared evenly among the tied extremes (scale_grad_by_count)

def _extreme_forward(np_func, name):
    def forward(a, dims, keepdim):
        for d in dims:
            if a.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return np.asarray(np_func(a, axis=dims, keepdims=keepdim))
    return forward


def _amax_backward(F, g, inputs, out, params, needs):
    dims, keepdim = params
    a = np.asarray(_data(inputs[0]))
    kept = _kept_shape(a.shape, dims)
    mask = np.reshape(np.asarray(_data(out)), kept) == a
    count = mask.sum(axis=dims, keepdims=True).astype(np.asarray(_data(g)).dtype)
    return ((F.reshape(g, kept) / count) * mask,)


AMAX = Primitive("amax", "AmaxBackward0", _extreme_forward(np.amax, "amax"), _amax_backward,
                 inputs=("self",), params=("dim", "keepdim"), saves=("self", "result"))
AMIN = Primitive("amin", "AminBackward0", _extreme_forward(np.amin, "amin"), _amax_backward,
                 inputs=("self",), params=("dim", "keepdim"), saves=("self", "result"))


def _amax_op(prim):
    def op(input, dim=(), keepdim=False):
        dims = _dims_of(dim, input.ndim)
        return apply_unary(prim, input, (dims, bool(keepdim)))
    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = f"the {'largest' if prim is AMAX else 'smallest'} value over dims"
    return op


amax, amin = _amax_op(AMAX), _amax_op(AMIN)


def _aminmax_forward(a, dims, keepdim):
    name = "aminmax"
    if a.size == 0 and (not a.ndim or 0 in [a.shape[d] for d in dims]):  # (any is torch.any here)
        raise RuntimeError(f"{name}(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    return (np.asarray(np.amin(a, axis=dims, keepdims=keepdim)),
            np.asarray(np.amax(a, axis=dims, keepdims=keepdim)))


def _aminmax_backward(F, grads, inputs, out, params, needs):
    dims, keepdim, minimum, maximum = params
    a = inputs[0]
    total = None
    for g, value in zip(grads, (minimum, maximum)):
        if g is None:
            continue
        part = _amax_backward(F, g, (a,), value, (dims, keepdim), needs)[0]
        total = part if total is None else total + part
    return (total,)


AMINMAX = Primitive("aminmax", "AminmaxBackward0", None, _aminmax_backward, inputs=("self",),
                    saves=("self", "result"), n_outputs=2)


@torch_parsed("aminmax")
def aminmax(input, *, dim=None, keepdim=False):
    """the smallest and largest values: a (min, max) named tuple"""
    if dim is not None:
        check_types(("int", dim))
    check_types(("bool", keepdim))
    a = input._data
    dims = tuple(range(a.ndim)) if dim is None else (wrap_dim(dim, max(a.ndim, 1)),) if a.ndim else ()
    # keepdim without dim keeps every dim, as size 1
    low, high = _aminmax_forward(a, dims, bool(keepdim))
    params = (dims, bool(keepdim), low, high)
    return RETURN_TYPES["aminmax"](*record_outputs(AMINMAX, (low, high), (input,), params))


# ---------------------------------------------------------------------------------------------
# logsumexp: log(sum(exp(x))), computed around the maximum so it does not overflow

def _logsumexp_forward(a, dims, keepdim):
    a = as_float(a)
    if a.size:
        top = np.amax(a, axis=dims, keepdims=True) if a.ndim else a
        top = np.where(np.isinf(top), a.dtype.type(0), top)
    else:
        top = np.zeros(_kept_shape(a.shape, dims), dtype=a.dtype)
    summed = _sum_dims(np.exp(a - top), dims, True) if a.ndim else np.exp(a - top)
    out = np.log(summed) + top
    return np.asarray(out if keepdim or not a.ndim else np.squeeze(out, axis=dims)).astype(a.dtype)


def _logsumexp_backward(F, grad, self, result, dim, keepdim):
    shape = np.shape(_data(self))
    g = _unreduce(F, grad, dim, keepdim, shape)
    r = _unreduce(F, result, dim, keepdim, shape)
    return g * F.exp(self - r)


LOGSUMEXP = Primitive("logsumexp", "LogsumexpBackward0", _logsumexp_forward, inputs=("self",),
                      params=("dim", "keepdim"), derivatives={"self": _logsumexp_backward})


@torch_parsed("logsumexp")
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over dim, without overflow"""
    check_types(("tuple of ints", dim), ("bool", keepdim))
    return apply_unary(LOGSUMEXP, input, (_dims_of(dim, input.ndim), bool(keepdim)))


# ---------------------------------------------------------------------------------------------
# cummax, cummin along one dim

def _running_extreme(a, dim, better):
    """values and indices of the running max (better=np.greater_equal) or min along dim; torch
    moves to a later index on ties and sticks to a nan once met."""
    a = np.moveaxis(a, dim, -1)
    values, indices = np.empty_like(a), np.empty(a.shape, dtype=np.int64)
    if a.shape[-1]:
        best, where = a[..., 0].copy(), np.zeros(a.shape[:-1], dtype=np.int64)
        for i in range(a.shape[-1]):
            x = a[..., i]
            take = better(x, best) | (np.isnan(x) if a.dtype.kind == "f" else False)
            if a.dtype.kind == "f":
                take &= ~np.isnan(best) | np.isnan(x)
            best = np.where(take, x, best)
            where = np.where(take, i, where)
            values[..., i], indices[..., i] = best, where
    return np.moveaxis(values, -1, dim), np.moveaxis(indices, -1, dim)


def _cummaxmin_backward(F, g, inputs, out, params, needs):
    dim, indices = params
    shape = np.shape(_data(inputs[0]))
    if not shape:
        return (g,)
    grid = list(np.indices(indices.shape, sparse=True))
    grid[dim] = indices
    return (F.scatter_into(shape, inputs[0], tuple(np.broadcast_arrays(*grid)), g),)


CUMMAX = Primitive("cummax", "CummaxBackward0", None, _cummaxmin_backward, inputs=("self",),
                   saves=("self", "indices"))
CUMMIN = Primitive("cummin", "CumminBackward0", None, _cummaxmin_backward, inputs=("self",),
                   saves=("self", "indices"))


def _cummaxmin(prim, better):
    def op(input, dim):
        a = input._data
        d = wrap_dim(dim, max(a.ndim, 1))
        if a.ndim == 0:
            values, indices = a.copy(), np.zeros((), dtype=np.int64)
        else:
            values, indices = _running_extreme(a, d, better)
        tensors = record_outputs(prim, (values, indices), (input,), (d if a.ndim else 0, indices),
                                 differentiable=1)
        return RETURN_TYPES[prim.name](*tensors)
    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = f"the running {prim.name[3:]} along dim, and where it was found"
    return op


cummax = _cummaxmin(CUMMAX, np.greater_equal)
cummin = _cummaxmin(CUMMIN, np.less_equal)


# ---------------------------------------------------------------------------------------------
# all / any / count_nonzero: never recorded

def _truth(np_func, name):
    def op(input, dim=None, keepdim=False):
        a = input._data
        dims = None if dim is None else normalize_dims(dim, a.ndim)
        out = np.asarray(np_func(a != 0, axis=dims, keepdims=bool(keepdim)))
        # torch keeps uint8 for uint8 inputs (an old convention), bool for every other dtype
        return new_tensor(out.astype(np.uint8) if a.dtype == np.uint8 else out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"whether {'every' if name == 'all' else 'some'} element is nonzero"
    return op


all, any = _truth(np.all, "all"), _truth(np.any, "any")


def count_nonzero(input, dim=None):
    """how many elements are nonzero, over dim or everything"""
    if dim is not None:
        check_types(("tuple of ints", dim))
    a = input._data
    dims = None if dim is None else normalize_dims(dim, a.ndim)
    return new_tensor(np.asarray(np.count_nonzero(a, axis=dims), dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# nansum / nanmean: nan counted as zero (nanmean also leaves it out of the count)

def _nansum_forward(a, dims, keepdim, dtype):
    if a.dtype.kind != "f":
        return np.asarray(np.sum(a, axis=dims, keepdims=keepdim, dtype=dtype or np.int64))
    zeroed = np.where(np.isnan(a), a.dtype.type(0), a)
    return np.asarray(_sum_dims(zeroed, dims, keepdim, dtype))


def _nansum_backward(F, grad, self, dim, keepdim):
    shape = np.shape(_data(self))
    g = _unreduce(F, grad, dim, keepdim, shape)
    return g * ~np.isnan(np.asarray(_data(self)))


NANSUM = Primitive("nansum", "NansumBackward0", _nansum_forward, inputs=("self",),
                   params=("dim", "keepdim", "dtype"), derivatives={"self": _nansum_backward})


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """the sum, with nan counted as zero"""
    dims = _dims_of(dim, input.ndim)
    return apply_unary(NANSUM, input, (dims, bool(keepdim), None if dtype is None else dtype.numpy))


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """the mean of the values that are not nan"""
    from gradrepl.engine.ops.arithmetic_functions import div
    from gradrepl.engine.ops.logical import logical_not, isnan

    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{scalar_type_name(a.dtype)}")
    present = logical_not(isnan(input))
    count = present.sum(dim, keepdim=keepdim) if dim is not None else present.sum()
    return div(nansum(input, dim, keepdim, dtype=dtype), count)


# ---------------------------------------------------------------------------------------------
# var_mean / std_mean: one node, two outputs

def _var_mean_backward(F, grads, inputs, out, params, needs):
    dims, correction, keepdim, is_std = params
    x = inputs[0]
    shape = np.shape(_data(x))
    total = None
    g_first, g_mean = grads
    if g_first is not None:
        if is_std:  # std_backward: through the saved std (result), 0 where it is 0
            g_first = F.where(np.asarray(_data(out)) == 0, 0.0, g_first / (out * 2))
        total = _var_backward(F, g_first, (x,), None, (dims, correction, keepdim), needs)[0]
    if g_mean is not None:
        n = _count(shape, dims) if shape else 1
        part = F.expand(_unreduce(F, g_mean, dims, keepdim, shape), shape) / n
        total = part if total is None else total + part
    return (total,)


VAR_MEAN = Primitive("var_mean", "VarMeanBackward0", None, _var_mean_backward, inputs=("self",),
                     saves=("self",), n_outputs=2)
STD_MEAN = Primitive("std_mean", "StdMeanBackward0", None, _var_mean_backward, inputs=("self",),
                     saves=("self", "result"), n_outputs=2)


def _with_mean(prim, name):
    def op(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dims, correction = _statistic_arguments(name, input, dim, unbiased, correction)
        a = input._data
        first = (_std_forward if prim is STD_MEAN else _var_forward)(a, dims, correction,
                                                                      bool(keepdim))
        mean = np.asarray(np.mean(a.astype(np.float64), axis=dims if a.ndim else None,
                                  keepdims=bool(keepdim))).astype(a.dtype)
        tensors = record_outputs(prim, (first, mean), (input,),
                                 (dims, correction, bool(keepdim), prim is STD_MEAN))
        return tuple(tensors)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"the {name[:3]}iance and the mean in one pass" if name == "var_mean" else \
        "the standard deviation and the mean in one pass"
    return op


var_mean = _with_mean(VAR_MEAN, "var_mean")
std_mean = _with_mean(STD_MEAN, "std_mean")


_SAME_AS_INPUT = OutDtype("exact", "Expected the dtype for input and out to match, but got {result} for input's dtype "
                          "and {out} for out's dtype.")
register("amax", amax, section=_S, rows=(AMAX,), out=True, out_dtype=_SAME_AS_INPUT)
register("amin", amin, section=_S, rows=(AMIN,), out=True, out_dtype=_SAME_AS_INPUT)
register("aminmax", aminmax, section=_S, rows=(AMINMAX,), out=2, out_dtype="exact")
register("logsumexp", logsumexp, section=_S, rows=(LOGSUMEXP,), out=True, out_dtype=OutDtype(
    "float", "logsumexp(): Expected floating point type for result tensor, but got: {out}"))
register("cumprod", cumprod, section=_S, rows=(CUMPROD,), inplace=cumprod_, out=True, out_dtype=RUNNING_OUT)
_RUNNING_EXTREMES = (OutDtype("exact", "expected scalar_type {result} but found {out}"),
                     OutDtype("exact", "expected scalar_type Long but found {out}", output=1))
register("cummax", cummax, section=_S, rows=(CUMMAX,), out=2, out_dtype=_RUNNING_EXTREMES)
register("cummin", cummin, section=_S, rows=(CUMMIN,), out=2, out_dtype=_RUNNING_EXTREMES)
_TRUTH = OutDtype("bool_or_byte", "{name} only supports bool tensor for result, got: {out}")
register("all", all, section=_S, out=True, out_dtype=_TRUTH, differentiable=False)
register("any", any, section=_S, out=True, out_dtype=_TRUTH, differentiable=False)
def _count_nonzero_method(input, dim=None, *more):
    """Tensor.count_nonzero: its one list-of-ints parameter also takes the ints one by one
    (x.count_nonzero(0, 1)), as torch's parser allows for a method's first argument"""
    if more:  # torch's parser takes a bool as an int here
        dim = tuple(int(d) if type(d) is bool else d for d in (dim, *more))
    return count_nonzero(input, dim)


register("count_nonzero", torch_parsed("count_nonzero", method=False)(count_nonzero), section=_S,
         method=torch_parsed("count_nonzero")(_count_nonzero_method))
_NANSUM = OutDtype("float", "\"nansum_cpu\" not implemented for '{out}'", error=NotImplementedError)
register("nansum", nansum, section=_S, rows=(NANSUM,), out=True, out_dtype=_NANSUM)
register("nanmean", nanmean, section=_S, out=True, out_dtype=_NANSUM)
register("var_mean", var_mean, section=_S, rows=(VAR_MEAN,), method=False)
register("std_mean", std_mean, section=_S, rows=(STD_MEAN,), method=False)
