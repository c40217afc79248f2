"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, nanmedian, mode, unique.

The ones that return values and indices record one node whose gradient goes back to the
indices it returned (torch's value_selecting_reduction_backward); ``median()`` over everything
spreads it evenly among the elements equal to the median, as torch does.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import NO_DIM, NO_KEEPDIM, Unmatched, check_types, torch_parsed
from gradrepl.engine.ops import std_select
from gradrepl.engine.ops.extrema import _evenly_distribute
from gradrepl.engine.ops.named_results import RETURN_TYPES, record_outputs
from gradrepl.engine.ops.primitive import Primitive, wrap
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import data_of as _data, new_tensor, wrap_dim

_S = "reduction"


def _selected_backward(F, g, inputs, out, params, needs):
    """The gradient of each returned value goes to the position it was taken from."""
    dim, keepdim, indices = params
    shape = np.shape(_data(inputs[0]))
    if not shape:
        return (g,)
    if not keepdim:
        indices = np.expand_dims(indices, dim)
        g = F.unsqueeze(g, dim)
    grid = list(np.indices(indices.shape, sparse=True))
    grid[dim] = indices
    return (F.scatter_into(shape, inputs[0], tuple(np.broadcast_arrays(*grid)), g),)


def _selecting(name, grad_fn_name):
    return Primitive(name, grad_fn_name, None, _selected_backward, inputs=("self",),
                     saves=("indices",))


SORT = _selecting("sort", "SortBackward0")
SORT_STABLE = _selecting("sort", "SortBackward1")  # torch's sort.stable overload
TOPK = _selecting("topk", "TopkBackward0")
KTHVALUE = _selecting("kthvalue", "KthvalueBackward0")
MEDIAN_DIM = _selecting("median", "MedianBackward1")
MODE = _selecting("mode", "ModeBackward0")
MEDIAN = Primitive("median", "MedianBackward0", None, _evenly_distribute, inputs=("self",),
                   saves=("self", "result"))
NANMEDIAN_DIM = _selecting("nanmedian", "NanmedianBackward1")
NANMEDIAN = Primitive("nanmedian", "NanmedianBackward0", None, _evenly_distribute,
                      inputs=("self",), saves=("self", "result"))


def _sort_indices(a, dim, descending):
    if not descending or a.shape[dim] == 0:
        return np.argsort(a, axis=dim, kind="stable")
    # stable descending: sort the negated ranks of an ascending stable sort of the reversed axis
    key = np.where(np.isnan(a), np.inf, a).astype(np.float64) if a.dtype.kind == "f" else \
        a.astype(np.float64) if a.dtype.kind in "bu" else a.astype(np.int64)
    dense = _dense_rank(key, dim)
    return np.argsort(-dense, axis=dim, kind="stable")


def _dense_rank(key, dim):
    order = np.argsort(key, axis=dim, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(
        np.arange(key.shape[dim]).reshape([-1 if i == dim else 1 for i in range(key.ndim)]),
        key.shape), axis=dim)
    # equal keys share the rank of the first of them, so that -rank keeps them in order
    sorted_keys = np.take_along_axis(key, order, axis=dim)
    same = np.concatenate([np.zeros_like(np.take(sorted_keys, [0], axis=dim), dtype=bool),
                           np.diff(sorted_keys, axis=dim) == 0], axis=dim)
    first = np.maximum.accumulate(np.where(same, 0, np.broadcast_to(np.arange(key.shape[dim]).reshape(
        [-1 if i == dim else 1 for i in range(key.ndim)]), key.shape)), axis=dim)
    dense_sorted = first
    out = np.empty_like(order)
    np.put_along_axis(out, order, dense_sorted, axis=dim)
    return out


def _selected(prim, input, dim, keepdim, indices, values_name):
    a = input._data
    if a.ndim == 0:
        values = a.copy()
        indices = np.zeros((), dtype=np.int64)
    else:
        values = np.take_along_axis(a, indices if keepdim else np.expand_dims(indices, dim),
                                    axis=dim)
        if not keepdim:
            values = np.squeeze(values, axis=dim)
    tensors = record_outputs(prim, (values, indices), (input,), (dim, keepdim, indices),
                             differentiable=1)
    return RETURN_TYPES[values_name](*tensors)


def sort(input, dim=-1, descending=False, *, stable=None):
    """values sorted along dim, and the indices they came from"""
    a = input._data
    d = wrap_dim(dim, max(a.ndim, 1))
    indices = _sort_indices(a, d, descending) if a.ndim else np.zeros((), np.int64)
    row = SORT if stable is None else SORT_STABLE
    return _selected(row, input, d if a.ndim else 0, True, indices.astype(np.int64), "sort")


def argsort(input, dim=-1, descending=False, *, stable=None):
    """the indices that sort input along dim"""
    return sort(input, dim, descending, stable=stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """the k largest (or smallest) values along dim, and their indices"""
    a = input._data
    d = wrap_dim(dim, max(a.ndim, 1))
    size = a.shape[d] if a.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    indices = _sort_indices(a, d, largest) if a.ndim else np.zeros((), np.int64)
    if a.ndim:
        indices = _topk_order(a, indices, d, k, largest, sorted)
    return _selected(TOPK, input, d if a.ndim else 0, True, indices.astype(np.int64), "topk")


def _topk_order(a, order, dim, k, largest, sorted):
    """The first k of ``order`` (a stable sort along dim) in torch's order: rows where equal values
    lie among the first k or straddle the k-th, and unsorted results, follow libstdc++'s
    algorithms (std_select); in the other rows every selection algorithm agrees."""
    n = a.shape[dim]
    order = np.moveaxis(order, dim, -1)
    chosen = order[..., :k].reshape(int(np.prod(order.shape[:-1])), k).copy()
    if k and n > 1:
        rows = np.moveaxis(a, dim, -1).reshape(-1, n)
        for i in np.flatnonzero(_order_is_open(rows, order.reshape(-1, n), k, sorted)):
            values = rows[i].tolist()
            before = _before(values, largest, rows.dtype.kind == "f")
            chosen[i] = std_select.topk_order(list(range(n)), k, before, sorted)
    return np.moveaxis(chosen.reshape(order.shape[:-1] + (k,)), -1, dim)


def _order_is_open(rows, order, k, sorted):
    """Which rows an unstable selection could order differently from a stable sort."""
    n = rows.shape[-1]
    if not sorted and k * 64 > n:
        return np.ones(len(rows), bool)  # nth_element leaves the first k - 1 unsorted
    ranked = np.take_along_axis(rows, order[:, :min(k + 1, n)], axis=-1)
    if ranked.dtype.kind == "f":
        ranked = np.where(np.isnan(ranked), np.inf, ranked)  # NaNs tie with each other
    return np.any(ranked[:, 1:] == ranked[:, :-1], axis=-1)


def _before(values, largest, floating):
    """torch's comparator: NaN first, then larger (largest) or smaller."""
    if not floating:
        return (lambda a, b: values[a] > values[b]) if largest else (lambda a, b: values[a] < values[b])
    isnan = [v != v for v in values]
    if largest:
        return lambda a, b: (isnan[a] and not isnan[b]) or values[a] > values[b]
    return lambda a, b: (not isnan[a] and isnan[b]) or values[a] < values[b]


def kthvalue(input, k, dim=-1, keepdim=False):
    """the k-th smallest value along dim, and its index"""
    a = input._data
    d = wrap_dim(dim, max(a.ndim, 1))
    size = a.shape[d] if a.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if not a.ndim:
        return _selected(KTHVALUE, input, 0, keepdim, np.zeros((), np.int64), "kthvalue")
    order = _sort_indices(a, d, False)
    indices = np.take(order, [k - 1], axis=d)
    indices = _kth_among_ties(a, order, indices, d, k)
    return _selected(KTHVALUE, input, d, keepdim,
                     (indices if keepdim else np.squeeze(indices, axis=d)).astype(np.int64),
                     "kthvalue")


def _kth_among_ties(a, order, indices, dim, k):
    """Rows where the k-th value ties with a neighbour in the stable order: the index torch's
    quickselect picks among the equal values (std_select.quick_select)."""
    n = a.shape[dim]
    rows = np.moveaxis(a, dim, -1).reshape(-1, n)
    ranked = np.take_along_axis(rows, np.moveaxis(order, dim, -1).reshape(-1, n), axis=-1)
    if ranked.dtype.kind == "f":
        ranked = np.where(np.isnan(ranked), np.inf, ranked)
    kth = ranked[:, k - 1]
    tied = np.zeros(len(rows), bool)
    if k > 1:
        tied |= ranked[:, k - 2] == kth
    if k < n:
        tied |= ranked[:, k] == kth
    if not tied.any():
        return indices
    chosen = np.moveaxis(indices, dim, -1).reshape(-1).copy()
    floating = rows.dtype.kind == "f"
    for i in np.flatnonzero(tied):
        values = rows[i].tolist()
        if floating:
            greater = lambda x, y: (x != x and y == y) or x > y  # noqa: E731 (NaN above all)
        else:
            greater = lambda x, y: x > y  # noqa: E731
        chosen[i] = std_select.quick_select(values, k - 1, greater)
    shape = np.moveaxis(indices, dim, -1).shape
    return np.moveaxis(chosen.reshape(shape), -1, dim)


def _lower_median(input, dim, keepdim, ignore_nan, rows, name):
    """median and nanmedian: the lower median of everything (its gradient shared by the values
    equal to it), or along dim with its index. median gives NaN where there is one (along dim: the
    first NaN's index); nanmedian leaves NaN out, and is NaN only where all are NaN (index 0)."""
    every, along = rows
    a = input._data
    floating = a.dtype.kind == "f"
    if dim is NO_DIM:
        if keepdim is not NO_KEEPDIM:
            raise Unmatched  # keepdim alone: none of torch's overloads

        flat = a.reshape(-1)
        if ignore_nan and floating:
            flat = flat[~np.isnan(flat)]
        flat = np.sort(flat)
        if flat.size == 0 or (floating and np.isnan(flat).any()):
            value = np.array(np.nan, dtype=a.dtype)
        else:
            value = np.asarray(flat[(flat.size - 1) // 2])
        return wrap(every, value.astype(a.dtype)[()], (input,))
    check_types(("int", dim), ("bool", keepdim))
    keepdim = bool(keepdim)
    d = wrap_dim(dim, max(a.ndim, 1))
    if not a.ndim:
        return _selected(along, input, 0, keepdim, np.zeros((), np.int64), name)
    order = _sort_indices(a, d, False)  # NaN last, ties in index order (torch's comparator)
    n = a.shape[d]
    if ignore_nan and floating:
        # (size - NaNs - 1) / 2 in C++: all NaN gives 0, not -1
        kept = n - np.isnan(a).sum(axis=d, keepdims=True)
        pick = np.take_along_axis(order, np.maximum(kept - 1, 0) // 2, axis=d)
    else:
        pick = np.take(order, [(n - 1) // 2], axis=d)
    if floating and not ignore_nan:
        nan = np.isnan(a)
        first_nan = np.expand_dims(np.argmax(nan, axis=d), d)
        pick = np.where(nan.any(axis=d, keepdims=True), first_nan, pick)
    pick = pick if keepdim else np.squeeze(pick, axis=d)
    return _selected(along, input, d, keepdim, pick.astype(np.int64), name)


@torch_parsed("median")
def median(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    """the lower median (of everything, or along dim with its index)"""
    return _lower_median(input, dim, keepdim, False, (MEDIAN, MEDIAN_DIM), "median")


@torch_parsed("nanmedian")
def nanmedian(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
    """the lower median of the values that are not NaN (of everything, or along dim with its
    index)"""
    return _lower_median(input, dim, keepdim, True, (NANMEDIAN, NANMEDIAN_DIM), "nanmedian")


@torch_parsed("mode")
def mode(input, dim=-1, keepdim=False):
    """the most frequent value along dim (the smallest on a tie), and its last index"""
    check_types(("int", dim), ("bool", keepdim))
    a = input._data
    d = wrap_dim(dim, max(a.ndim, 1))
    if not a.ndim:
        return _selected(MODE, input, 0, keepdim, np.zeros((), np.int64), "mode")
    if a.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    moved = np.moveaxis(a, d, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    picks = np.empty(flat.shape[0], dtype=np.int64)
    for row, values in enumerate(flat):
        uniques, counts = np.unique(values, return_counts=True)
        best = uniques[np.argmax(counts)]
        picks[row] = np.flatnonzero(values == best)[-1]
    pick = picks.reshape(moved.shape[:-1])
    if keepdim:
        pick = np.expand_dims(pick, d)
    return _selected(MODE, input, d, keepdim, pick, "mode")


def _no_derivative(name, grad_fn_name):
    """torch records unique but has no formula for it: backward through it fails."""
    def backward(F, g, inputs, out, params, needs):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")
    return Primitive("unique", grad_fn_name, None, backward, inputs=("self",), saves=())


UNIQUE = _no_derivative("_unique2", "Unique2Backward0")
UNIQUE_DIM = _no_derivative("unique_dim", "UniqueDimBackward0")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """the distinct values (sorted), optionally with the inverse indices and the counts"""
    a = input._data
    if dim is not None:
        # whole slices along dim, in lexicographic order, as torch's unique_dim sorts them
        d = wrap_dim(dim, max(a.ndim, 1))
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=d)
        inverse_shape = (a.shape[d],)
        row = UNIQUE_DIM
    else:
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
        inverse_shape, row = a.shape, UNIQUE
    results = [wrap(row, values, (input,))]
    if return_inverse:
        results.append(new_tensor(np.asarray(inverse, dtype=np.int64).reshape(inverse_shape)))
    if return_counts:
        results.append(new_tensor(np.asarray(counts, dtype=np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


register("sort", sort, section=_S, rows=(SORT, SORT_STABLE), out=2, out_dtype="exact")
register("argsort", argsort, section=_S)
register("topk", topk, section=_S, rows=(TOPK,), out=2, out_dtype="exact")
register("kthvalue", kthvalue, section=_S, rows=(KTHVALUE,), out=2, out_dtype=(
    OutDtype("exact", "output values must be of same type as input"),
    OutDtype("exact", "output indices must be of scalar type Long", output=1)))
register("median", median, section=_S, rows=(MEDIAN, MEDIAN_DIM), out=2, out_needs=(1, "dim"), out_dtype=(
    # torch checks the indices first
    OutDtype("exact", "Expected tensor for argument #1 'indices' to have scalar type Long; but got {out_legacy} "
             "instead (while checking arguments for median)", output=1),
    OutDtype("exact", "Expected tensor for 'values' to have the same type as tensor for argument #2 'self'; but "
             "type {out_legacy} does not equal {result_legacy} (while checking arguments for median)")))
register("nanmedian", nanmedian, section=_S, rows=(NANMEDIAN, NANMEDIAN_DIM), out=2, out_needs=(1, "dim"),
         out_dtype=(
    OutDtype("exact", "Expected tensor for argument #1 'indices' to have scalar type Long; but got {out_legacy} "
             "instead (while checking arguments for median)", output=1),  # torch's own words
    OutDtype("exact", "Expected tensor for 'values' to have the same type as tensor for argument #2 'self'; but "
             "type {out_legacy} does not equal {result_legacy} (while checking arguments for median)")))
register("mode", mode, section=_S, rows=(MODE,), out=2, out_dtype=(
    OutDtype("exact", "expected scalar type '{result}' but got '{out}' for values output"),
    OutDtype("exact", "expected scalar type 'Long' but got '{out}' for indices output", output=1)))
register("unique", unique, section=_S, rows=(UNIQUE, UNIQUE_DIM))
