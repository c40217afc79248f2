"""Searching and counting (session 10, ``l-more``): isin, searchsorted, bucketize, bincount,
histc. None has a derivative (bincount's weights record ``<NotImplemented>``, as torch's do).

Each follows its ATen kernel's rule rather than numpy's where they differ: searchsorted is ATen's
binary search (``!(mid >= value)`` moves right, so a NaN value lands after every number and NaN
boundaries), compared in the result type of both operands; bincount adds each weight in input
order (float32 weights in float32, any other in float64); histc is histogramdd's linear rule,
``(x - min) * bins / (max - min)`` in the input's dtype, truncated, the last edge in the last bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES
from gradrepl.engine.keywords import Unmatched, check_types, torch_parsed
from gradrepl.engine.ops.arithmetic import _not_implemented
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.primitive import apply
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, new_tensor

_S = "comparison"
_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)


def _is_number(value) -> bool:
    return isinstance(value, _NUMBERS)


def _promoted(*operands) -> np.dtype:
    """The common numpy dtype of tensors and Python numbers, as torch.result_type."""
    return dtypes.result_type(*operands).numpy


def _as_array(value, dtype) -> np.ndarray:
    if isinstance(value, Tensor):
        return np.asarray(value._data).astype(dtype, copy=False)
    return np.array(value).astype(dtype)  # a number wraps into the dtype, as a C cast


# ---------------------------------------------------------------------------------------------
# isin

def _isin_sorted(elements: np.ndarray, tests: np.ndarray, invert: bool) -> np.ndarray:
    """ATen's isin_sorting with assume_unique: both lists concatenated and stable-sorted; an
    element is found when the next one in sorted order equals it."""
    both = np.concatenate([elements.reshape(-1), tests.reshape(-1)])
    order = np.argsort(both, kind="stable")
    ranked = both[order]
    found = np.empty(both.shape, dtype=bool)
    found[:-1] = (ranked[1:] != ranked[:-1]) if invert else (ranked[1:] == ranked[:-1])
    found[-1:] = invert
    mask = np.empty_like(found)
    mask[order] = found
    return mask[:elements.size].reshape(elements.shape)


@torch_parsed("isin", method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor:
    """whether each element is one of test_elements (invert: is not), a bool tensor of
    elements' shape"""
    tensor_first = isinstance(elements, Tensor)
    if not ((tensor_first and (isinstance(test_elements, Tensor) or _is_number(test_elements)))
            or (_is_number(elements) and isinstance(test_elements, Tensor))):
        raise Unmatched
    check_types(("bool", assume_unique), ("bool", invert))
    for operand in (elements, test_elements):
        kind = operand.dtype if isinstance(operand, Tensor) else dtypes.scalar_dtype(operand)
        if kind is dtypes.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    common = _promoted(elements, test_elements)
    values, tests = _as_array(elements, common), _as_array(test_elements, common)
    n_elements = values.size
    if assume_unique and tests.size >= int(np.float32(10.0) * math.pow(n_elements, 0.145)):
        return new_tensor(_isin_sorted(values, tests, bool(invert)))
    # ATen's default loop: equality with any test element (NaN equals nothing)
    found = np.isin(values, tests.reshape(-1))
    return new_tensor(np.asarray(found != bool(invert)))


register("isin", isin, section=_S, method=False, out=True, out_dtype="exact",
         differentiable=False)


# ---------------------------------------------------------------------------------------------
# searchsorted / bucketize

def _binary_search(bounds: np.ndarray, values: np.ndarray, right: bool, sorter) -> np.ndarray:
    """ATen's cus_lower_bound / cus_upper_bound on every row at once: bounds (rows, n), values
    (rows, m), sorter (rows, n) or None; each row's positions in 0..n."""
    rows, n = bounds.shape
    start = np.zeros(values.shape, dtype=np.int64)
    end = np.full(values.shape, n, dtype=np.int64)
    row = np.arange(rows)[:, None]
    while True:
        active = start < end
        if not active.any():
            return start
        mid = start + ((end - start) >> 1)
        at = np.minimum(mid, n - 1)
        if sorter is not None:
            at = sorter[row, at]
        mid_value = bounds[row, at]
        with np.errstate(invalid="ignore"):
            moves_right = ~(mid_value > values) if right else ~(mid_value >= values)
        start = np.where(active & moves_right, mid + 1, start)
        end = np.where(active & ~moves_right, mid, end)


def _shape_text(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _searchsorted(sorted_sequence: Tensor, input, out_int32, right, side, sorter, name):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side != "right":
            raise RuntimeError(f"torch.searchsorted(): side and right can't be set to opposites, "
                               f"got side of {side} while right was True")
    boundaries_shape = tuple(sorted_sequence.shape)
    if sorter is not None:
        if tuple(sorter.shape) != boundaries_shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {_shape_text(boundaries_shape)}and "
                               f"got sorter tensor {_shape_text(sorter.shape)}")
        if sorter.dtype is not dtypes.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {SCALAR_TYPE_NAMES[sorter.dtype]}")
        order = np.asarray(sorter._data)
        if order.size and (order.min() < 0 or order.max() >= boundaries_shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    shape = tuple(input.shape) if isinstance(input, Tensor) else ()
    if not shape and len(boundaries_shape) > 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({len(boundaries_shape)}) and input value's dim(0) numel(1)")
    if not boundaries_shape:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if len(boundaries_shape) > 1 and (len(shape) != len(boundaries_shape)
                                      or shape[:-1] != boundaries_shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {_shape_text(boundaries_shape)} "
                           f"and input value tensor {_shape_text(shape)}")
    common = _promoted(sorted_sequence, input)
    if common == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    out_dtype = np.int32 if out_int32 else np.int64
    bounds = _as_array(sorted_sequence, common)
    values = _as_array(input, common)
    n = boundaries_shape[-1]
    if values.size == 0 or n == 0:
        return new_tensor(np.zeros(shape, dtype=out_dtype))
    if len(boundaries_shape) == 1:
        bounds2, values2 = bounds.reshape(1, n), values.reshape(1, -1)
        order = None if sorter is None else np.asarray(sorter._data).reshape(1, n)
    else:
        bounds2, values2 = bounds.reshape(-1, n), values.reshape(bounds.size // n, -1)
        order = None if sorter is None else np.asarray(sorter._data).reshape(-1, n)
    found = _binary_search(bounds2, values2, bool(right) or side == "right", order)
    return new_tensor(found.reshape(shape).astype(out_dtype))


def _is_input(value) -> bool:
    return isinstance(value, Tensor) or _is_number(value)


@torch_parsed("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None) -> Tensor:
    """the position in sorted_sequence (along its last dim) before which each value would go
    (right: after any equal ones), as int64 (out_int32: int32)"""
    if not isinstance(sorted_sequence, Tensor) or not _is_input(input) \
            or not (sorter is None or isinstance(sorter, Tensor)) \
            or not (side is None or isinstance(side, str)):
        raise Unmatched
    check_types(("bool", out_int32), ("bool", right))
    return _searchsorted(sorted_sequence, input, out_int32, right, side, sorter,
                         "searchsorted_out_cpu")


@torch_parsed("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False) -> Tensor:
    """the bucket of each value between 1-d boundaries: searchsorted(boundaries, input)"""
    if not _is_input(input) or not isinstance(boundaries, Tensor):
        raise Unmatched
    check_types(("bool", out_int32), ("bool", right))
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _searchsorted(boundaries, input, out_int32, right, None, None, "searchsorted_out_cpu")


@dataclass(frozen=True)
class _IndexOut(OutDtype):
    """searchsorted's own check: int32 exactly when out_int32, else int64."""

    def refusal(self, name, result, out):
        if np.dtype(result) == np.dtype(out):
            return None
        flag = "True" if np.dtype(result) == np.int32 else "False"
        return ("torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) "
                "or Long(int64) depending on whether out_int32 flag is True, but we got output "
                f"tensor's dtype {dtypes.scalar_type_name(np.dtype(out))} and out_int32 flag is "
                f"{flag}")


_SEARCH_OUT = _IndexOut("exact", "")
register("searchsorted", searchsorted, section=_S, method=False, out=True, out_dtype=_SEARCH_OUT,
         differentiable=False)
register("bucketize", bucketize, section=_S, method=False, out=True, out_dtype=_SEARCH_OUT,
         differentiable=False)


# ---------------------------------------------------------------------------------------------
# bincount: counts (int64), or sums of weights in float32 (float32 weights) or float64

def _bincount_weighted(weights, indices, length, dtype):
    out = np.zeros(length, dtype=dtype)
    np.add.at(out, indices, np.asarray(weights).astype(dtype))  # in input order, one at a time
    return out


BINCOUNT = _not_implemented("bincount", _bincount_weighted, ("weights",))
_INTEGERS = (np.uint8, np.int8, np.int16, np.int32, np.int64)


def _bincount(input, weights=None, minlength=0) -> Tensor:
    """how often each value 0..max(input) occurs in a 1-d tensor of non-negative integers (with
    weights: the sum of their weights)"""
    check_types(("Tensor", input), ("int", minlength))
    if weights is not None:
        check_types(("Tensor", weights))
    data = np.asarray(input._data)
    if data.dtype.type not in _INTEGERS:
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{SCALAR_TYPE_NAMES[input.dtype]}'")
    minlength = int(minlength)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if data.ndim == 1 and data.size == 0:
        return new_tensor(np.zeros(minlength, dtype=np.int64))
    if data.ndim != 1 or data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = max(int(data.max()) + 1, minlength)
    if weights is None:
        return new_tensor(np.bincount(data, minlength=length).astype(np.int64))
    if weights.ndim != 1 or weights.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.float32 if weights.dtype is dtypes.float32 else np.float64
    return apply(BINCOUNT, (weights,), (data.astype(np.int64), length, np.dtype(dtype)))


bincount = torch_parsed("bincount", method=False)(_bincount)
_bincount_method = torch_parsed("bincount")(_bincount)
register("bincount", bincount, section=_S, rows=(BINCOUNT,), method=_bincount_method)


# ---------------------------------------------------------------------------------------------
# histc: bins equal bins between min and max (the data's range when both are equal)

def _cpp_double(value: float) -> str:
    """A double as C++'s ostream prints it (6 significant digits, ``-nan`` for x86's NaN)."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    return f"{value:g}"


def _histc_values(data: np.ndarray, bins: int, low: float, high: float) -> np.ndarray:
    dtype = data.dtype.type
    left, right = dtype(low), dtype(high)  # linspace's first and last edges, exact
    flat = data.reshape(-1)
    with np.errstate(invalid="ignore"):
        inside = flat[(flat >= left) & (flat <= right)]
    if dtype is np.float16:  # c10::Half: each operator in float, rounded to half
        position = (((inside - left).astype(np.float16) * np.float16(bins)).astype(np.float16)
                    / (right - left)).astype(np.float16)
    else:
        position = (inside - left) * dtype(bins) / (right - left)
    index = np.minimum(position.astype(np.int64), bins - 1)  # the last edge is in the last bin
    return np.bincount(index, minlength=bins).astype(dtype)


@torch_parsed("histc")
def histc(input, bins=100, min=0, max=0) -> Tensor:
    """a histogram of the values: bins equal-width bins between min and max (both 0: the data's
    smallest and largest value); values outside are not counted"""
    check_types(("int", bins), ("Number", min), ("Number", max))
    data = np.asarray(input._data)
    if data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{SCALAR_TYPE_NAMES[input.dtype]}'")
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low = float(min.item() if isinstance(min, Tensor) else min)
    high = float(max.item() if isinstance(max, Tensor) else max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
        if math.isnan(low) or math.isnan(high):  # aminmax's NaN prints negative on x86
            low = high = -math.nan
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{_cpp_double(low)}, {_cpp_double(high)}] is "
                           f"not finite")
    if not low < high:
        raise RuntimeError("torch.histc: max must be larger than min")
    return new_tensor(_histc_values(data, bins, low, high))


register("histc", histc, section=_S, out=True, differentiable=False,
         out_dtype=OutDtype("exact", "torch.histogram: input tensor and hist tensor should have "
                                     "the same dtype, but got input {result_cpp} and hist "
                                     "{out_cpp}"))
