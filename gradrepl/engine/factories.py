"""Making tensors: torch.tensor and its inference, zeros/ones/full/arange/linspace/eye, the
``*_like`` forms, numpy interop, and the legacy ``torch.Tensor(...)`` / ``torch.FloatTensor``.
"""

from __future__ import annotations

import itertools
import math
import os

import numpy as np

from gradrepl.engine import device as _device
from gradrepl.engine import dtypes
from gradrepl.engine.device import check_device
from gradrepl.engine.errors import SCALAR_INT_MAX as _SCALAR_INT_MAX
from gradrepl.engine.errors import SCALAR_INT_MIN as _SCALAR_INT_MIN
from gradrepl.engine.errors import python_type_name, raise_scalar_overflow
from gradrepl.engine.keywords import Unmatched, check_out, torch_keywords
from gradrepl.engine.size_args import NO_SIZE, factory_size
from gradrepl.engine.tensor import Tensor, new_tensor
from gradrepl.engine.warn import warn_user

_FLOAT_ONLY = "Only Tensors of floating point and complex dtype can require gradients"

def _memory_limit() -> int:
    """Physical memory: Linux refuses (overcommit heuristic) a single allocation beyond it."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 46


def allocation_error(nbytes: int) -> RuntimeError:
    """PyTorch 2.13's words (Linux) for a tensor that cannot be allocated."""
    return RuntimeError(
        f"[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
        f"you tried to allocate {nbytes} bytes. Error code 12 (Cannot allocate memory)")


def _finish(data, requires_grad: bool, device=None) -> Tensor:
    check_device(device, creating=True)
    if data.ndim == 0:
        data = data[()]  # numpy scalars compute ~10x faster than 0-d arrays (see tensor.py)
    t = new_tensor(data)
    if requires_grad:
        if data.dtype.kind != "f":
            raise RuntimeError(_FLOAT_ONLY)
        t._requires_grad = True
    return t


def _size_args(size, name: str = "zeros", size_keyword=NO_SIZE, **how) -> tuple:
    """The shape of ``name(*size)`` (or ``name(size=size_keyword)``), read as torch's parser
    reads it (size_args.py), then refused as torch refuses a negative dimension."""
    shape = factory_size(name, size, size_keyword, **how)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)


def _check_sizes(shape: tuple, itemsize: int) -> None:
    """torch's overflow checks (measured on 2.13) on a shape whose byte count does not fit in
    int64. The element count is multiplied out left to right in uint64, and once a partial
    product overflows it stays overflowed, even if a later dimension is 0; then the byte count
    must fit in int64. A tensor of no elements passes, but its strides (right to left, each
    dimension counting as at least 1) must fit in int64 too."""
    numel, overflowed = 1, False
    for size in shape:
        numel *= size
        overflowed = overflowed or numel >= 1 << 64
    if overflowed or numel * itemsize > _INT64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    stride = 1
    for size in reversed(shape[1:]):
        stride *= max(size, 1)
        if stride > _INT64_MAX:
            raise RuntimeError("Stride calculation overflowed")


def _allocate(shape: tuple, np_dtype) -> None:
    """Refuse a tensor that could never fit in memory, in torch's words, before numpy tries
    (numpy would raise its own MemoryError, or worse, start paging the machine to death)."""
    itemsize = np.dtype(np_dtype).itemsize
    nbytes = math.prod(shape) * itemsize
    if nbytes > _INT64_MAX or 0 in shape:
        _check_sizes(shape, itemsize)
    if nbytes > _memory_limit():
        raise allocation_error(nbytes)


def _dtype_or_default(dtype):
    return (dtype or dtypes.get_default_dtype()).numpy


# ---------------------------------------------------------------------------------------------
# torch.tensor and friends

_SCALAR_TYPES = {float: None, int: dtypes.int64, bool: dtypes.bool_}
# False sends torch.tensor(2.0) and torch.tensor([[1., 2], [3, 4]]) through the general path
# (tests/engine/test_short_paths.py checks that the two make the same tensors)
SHORT_PATHS = True
_new = object.__new__
_DEFAULT_ONES, _FLOAT32_MAX = dtypes.DEFAULT_ONES, dtypes.FLOAT32_MAX


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    kind = type(data)
    if kind is float and dtype is None and device is None and SHORT_PATHS \
            and _device._default[0] is None:
        # a lesson's loop makes torch.tensor(2.0, requires_grad=True) every iteration: the
        # number straight into a numpy scalar of the default dtype (what _finish makes of the
        # 0-d array below), on the CPU, a float dtype, so requires_grad needs no check
        t = _new(Tensor)
        default = dtypes._default[0]
        one = _DEFAULT_ONES.get(default)
        # the number as a numpy scalar of the default dtype: by a product with 1 where that
        # is np.float32(data)'s value (dtypes.SCALAR_ONES), else by the constructor
        t._data = one * data if one is not None and -_FLOAT32_MAX <= data <= _FLOAT32_MAX \
            else default.numpy.type(data)
        if requires_grad:
            t._requires_grad = True
        return t
    if kind is list and dtype is None and SHORT_PATHS:
        array = _from_python_numbers(data)  # a lesson's [[1., 2, 3], [3, 2, 1]]
        if array is not None:
            if device is not None or _device._default[0] is not None:
                return _finish(array, requires_grad, device)
            t = _new(Tensor)  # _finish on the CPU, for a list (never 0-d)
            t._data = array
            if requires_grad:
                if array.dtype.kind != "f":
                    raise RuntimeError(_FLOAT_ONLY)
                t._requires_grad = True
            return t
    if kind in _SCALAR_TYPES:  # the lesson's torch.tensor(2.0): skip the nested-data machinery
        dtype = dtype or _SCALAR_TYPES[kind] or dtypes.get_default_dtype()
        return _finish(_array(data, dtype.numpy), requires_grad, device)
    if isinstance(data, Tensor):
        warn_user(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning)
        array = np.array(data._data, dtype=dtype.numpy if dtype else None)
        return _finish(array, requires_grad, device)
    if isinstance(data, np.ndarray):
        source = numpy_source_dtype(data, warn_if_not_writeable=False, dtype_given=dtype is not None)
        array = np.array(data, dtype=dtype.numpy if dtype else source.numpy)
        return _finish(array, requires_grad, device)
    if isinstance(data, str) or data is None:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    _check_ragged(data)
    inferred = dtype or dtypes.infer_dtype(data)
    return _finish(_array(_unwrap(data), inferred.numpy), requires_grad, device)


def _array(data, np_dtype) -> np.ndarray:
    """numpy refuses a Python int outside a dtype's range; torch refuses it too ("value cannot be
    converted ..."), except that an unsigned dtype takes a negative int down to -(its max),
    wrapped (-1 as uint8 is 255), and an int outside int64 (2**63 included) cannot even be read
    for an integer dtype. A float out of an integer dtype's range is an error."""
    try:
        return np.array(data, dtype=np_dtype)
    except OverflowError:
        pass
    # torch reads every int as a C long long for an integer dtype; numpy would hold ints in
    # [2**63, 2**64) as uint64 (or, beside smaller ones, as float64)
    if np_dtype.kind in "iu" and any(type(v) is int and not -2**63 <= v < 2**63
                                     for v in _leaves(data)):
        raise ValueError("Overflow when unpacking long long")
    try:
        raw = np.array(data)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if raw.dtype == object:
        raise ValueError("Overflow when unpacking long long")
    if np_dtype.kind in "iu" and raw.size:
        info = np.iinfo(np_dtype)
        lowest = -int(info.max) if np_dtype.kind == "u" and raw.dtype.kind in "iu" else info.min
        if raw.min() < lowest or raw.max() > info.max:
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
    return raw.astype(np_dtype)


def _leaves(data):
    if isinstance(data, (list, tuple)):
        for item in data:
            yield from _leaves(item)
    else:
        yield data


_INT64, _BOOL = dtypes.int64.numpy, dtypes.bool_.numpy
_PYTHON_NUMBERS = frozenset((float, int, bool))
_ROWS = frozenset((list, tuple))
_chained = itertools.chain.from_iterable


def _from_python_numbers(data):
    """Nested lists of plain Python numbers, the usual lesson input, without the general walk."""
    types = set(map(type, data))
    if types <= _ROWS and types:  # a matrix's rows: their items' types in one pass
        types = set(map(type, _chained(data)))  # (no comprehension's frame)
    if not types <= _PYTHON_NUMBERS:  # deeper, or numbers and rows mixed
        types = set()
        _leaf_types(data, types)
        if not types <= _PYTHON_NUMBERS:
            return None
    if float in types:  # torch's inference: any float makes the default dtype, else int64
        np_dtype = dtypes._default[0].numpy
    elif int in types:
        np_dtype = _INT64
    elif types:
        np_dtype = _BOOL
    else:
        return None  # empty: the general path
    try:
        return np.array(data, np_dtype)
    except (ValueError, OverflowError):
        return None  # ragged or out of range: the general path words the error as torch does


def _leaf_types(data, types: set) -> None:
    for item in data:
        kind = type(item)
        if kind is list or kind is tuple:
            _leaf_types(item, types)
        else:
            types.add(kind)


def _unwrap(data):
    """Nested data with tensors replaced by their values (torch.tensor([t1, t2]) works)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap(x) for x in data]
    return data


def _check_ragged(data, dim: int = 0) -> None:
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    if isinstance(first, (list, tuple)):
        length = len(first)
        for item in data:
            if not isinstance(item, (list, tuple)):
                raise TypeError("not a sequence")
            if len(item) != length:
                raise ValueError(
                    f"expected sequence of length {length} at dim {dim + 1} (got {len(item)})")
            _check_ragged(item, dim + 1)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        source = numpy_source_dtype(data, warn_if_not_writeable=True, dtype_given=dtype is not None)
        if dtype is None or dtype is source:
            return new_tensor(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    numpy_source_dtype(array, warn_if_not_writeable=True)
    return new_tensor(array)


_NOT_WRITABLE = (
    "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
    "This means writing to this tensor will result in undefined behavior. You may want to copy "
    "the array to protect its data or make it writable before converting it to a tensor. This "
    "type of warning will be suppressed for the rest of this program. (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/utils/tensor_numpy.cpp:213.)")
# torch's wording, its double space and trailing space included
_NEGATIVE_STRIDES = (
    "At least one stride in the given numpy array is negative, and tensors with negative strides "
    "are not currently supported. (You can probably work around this by making a copy of your "
    "array  with array.copy().) ")


def numpy_source_dtype(array, warn_if_not_writeable: bool, dtype_given: bool = False):
    """The torch dtype of an ndarray a tensor is made from, after torch's checks in its order
    (``tensor_from_numpy``): an ndarray at all, the read-only warning (``from_numpy`` and
    ``as_tensor``, once per program), strides (a reversed view ``a[::-1]`` is refused, not
    copied), native byte order, then a dtype torch has. ``torch.tensor(a, dtype=...)`` converts
    from the array's dtype, so a dtype torch has but gradrepl not yet (uint16) passes there."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {python_type_name(array)})")
    if warn_if_not_writeable and not array.flags.writeable:
        from gradrepl.engine.warn import warn_user_once

        warn_user_once(_NOT_WRITABLE, UserWarning)
    if any(stride % array.itemsize for stride in array.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    if any(stride < 0 for stride in array.strides):
        raise ValueError(_NEGATIVE_STRIDES)
    if not array.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    if dtype_given and array.dtype in dtypes._NOT_YET:
        return None
    return dtypes.from_numpy_dtype(array.dtype)


# ---------------------------------------------------------------------------------------------
# Filled tensors

def _filled(fill, size, dtype, requires_grad, device, name="zeros", size_keyword=NO_SIZE,
            **how) -> Tensor:
    shape = _size_args(size, name, size_keyword, **how)
    np_dtype = _dtype_or_default(dtype)
    fill = _checked_fill(fill, np_dtype)
    _allocate(shape, np_dtype)
    return _finish(np.full(shape, fill, dtype=np_dtype), requires_grad, device)


# the C++ names torch's overflow check prints (c10::checked_convert), by dtype
_OVERFLOW_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
                   "uint8": "uint8_t", "float32": "float"}


def _checked_fill(value, np_dtype):
    """A Python number as the fill of a ``np_dtype`` tensor, refused as c10's checked
    conversion refuses it: a float outside the dtype's range (NaN too, for integers; infinity
    is a float's own value), an int outside it, except that a negative int down to -(max) wraps
    into an unsigned type (-1 as uint8 is 255). Half and other values pass as numpy converts them."""
    name = _OVERFLOW_NAMES.get(np_dtype.name)
    if name is None or type(value) not in (int, float):
        return value
    if np_dtype.kind == "f":
        bad = math.isfinite(value) and abs(value) > float(np.finfo(np_dtype).max) \
            and type(value) is float
    else:
        info = np.iinfo(np_dtype)
        if type(value) is float:
            bad = not info.min <= value <= info.max  # NaN compares false: refused
        elif np_dtype.kind == "u" and value < 0:
            bad = -value > info.max
            value += info.max + 1  # two's complement, as the C++ conversion wraps
        else:
            bad = not info.min <= value <= info.max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return value


def zeros(*sizes, size=NO_SIZE, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, names=None):
    check_out(out, "zeros")
    try:
        return _filled(0, sizes, dtype, requires_grad, device, "zeros", size)
    except RuntimeError as error:
        if str(error).startswith("Trying to create tensor with negative dimension"):
            # torch.zeros checks sizes itself first, in its own words
            raise RuntimeError("zeros: Dimension size must be non-negative.") from None
        raise


def ones(*sizes, size=NO_SIZE, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False, names=None):
    check_out(out, "ones")
    return _filled(1, sizes, dtype, requires_grad, device, "ones", size)


def empty(*sizes, size=NO_SIZE, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, names=None, memory_format=None):
    check_out(out, "empty")
    # torch leaves the memory uninitialised; zeros are one valid choice of "anything"
    return _filled(0, sizes, dtype, requires_grad, device, "empty", size)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False, names=None):
    check_out(out, "full")
    if type(fill_value) is int and not _SCALAR_INT_MIN <= fill_value <= _SCALAR_INT_MAX:
        raise_scalar_overflow(fill_value)
    if dtype is None:
        fill = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
        dtype = dtypes.scalar_dtype(fill)
    return full_in(size, fill_value, dtype, requires_grad, "full", device)


def full_in(size, fill_value, dtype, requires_grad, name, device=None) -> Tensor:
    """``full`` (or ``x.new_full``, named ``name`` in errors) once the dtype is known."""
    return _filled(fill_value, (size,), dtype, requires_grad, device, name, varargs=False)


def _like(fill, name):
    def like(input, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False,
             memory_format=None):
        return _filled(fill, (tuple(input.shape),), dtype or input.dtype, requires_grad, device)
    like.__name__ = like.__qualname__ = name  # Python's keyword errors name the function
    return like


zeros_like = _like(0, "zeros_like")
ones_like = _like(1, "ones_like")
empty_like = _like(0, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False, memory_format=None):
    return _filled(fill_value, (tuple(input.shape),), dtype or input.dtype, requires_grad, device)


@torch_keywords("eye")
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    m = n if m is None else m
    for name, value in (("n", n), ("m", m)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad, device)


# ---------------------------------------------------------------------------------------------
# Ranges

@torch_keywords("arange")
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [x.item() if isinstance(x, Tensor) else x for x in (start, end, step)]
    for x in values:
        if type(x) is int and not _SCALAR_INT_MIN <= x <= _SCALAR_INT_MAX:
            raise_scalar_overflow(x)  # torch's Scalar holds int64 and uint64 values only
    start, end, step = values
    if dtype is None:
        dtype = dtypes.get_default_dtype() if any(isinstance(x, float) for x in values) else dtypes.int64
    _check_arange_range(values, dtype)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is dtypes.int64 and int(step) == 0:
        raise ValueError("step must be nonzero")  # torch's check after truncating to int64
    if dtype is dtypes.int64:
        # torch converts the bounds to int64 before sizing: arange(1.5, dtype=long) is [0], while
        # for the other integer types it sizes in double (arange(1.5, dtype=int) is [0, 1])
        start, end, step = int(start), int(end), int(step)
    # torch sizes the result in double precision (int64: from the int64 difference), then
    # fills start + i * step
    if dtype is dtypes.int64:
        count = max(0, math.ceil((end - start) / step))
    else:
        count = max(0, math.ceil((float(end) - float(start)) / float(step)))
    _allocate((count,), dtype.numpy)
    if dtype.is_floating_point:
        data = _arange_values(float(start), float(step), count, dtype.numpy)
    else:
        data = (int(start) + int(step) * np.arange(count, dtype=np.int64)).astype(dtype.numpy)
    return _finish(data, requires_grad, device)


def _check_arange_range(values, dtype):
    """RangeFactories.cpp's conversions and size check, before its other checks: an int64
    result converts the bounds and step to int64 (checked: 2**63 does not fit); the other dtypes
    size the range in double, and a size of 2**63 passes its bound (``<= double(INT64_MAX)``,
    which rounds to 2**63) to become INT64_MIN as a SymInt; the other integer types then convert
    the step to int64 (their accumulation type; measured: the bounds may be 2**63)."""
    if dtype is dtypes.int64:
        if any(not _INT64_MIN <= x <= _INT64_MAX for x in values if type(x) is not bool):
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        return
    start, end, step = (float(x) for x in values)
    if step == 0:
        return  # the later check words it
    if not (math.isfinite(start) and math.isfinite(end)):  # C++'s << of a double: %g
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    size = (end - start) / step
    if size != size:
        return  # a NaN step: the later checks word it
    size = math.ceil(size) if math.isfinite(size) else size
    if size > 2.0 ** 63:
        raise RuntimeError("invalid size, possible overflow?")
    if size == 2.0 ** 63:
        raise RuntimeError("IntArrayRef contains an int that cannot be represented as a SymInt: "
                           f"{_INT64_MIN}")
    step = values[2]
    if not dtype.is_floating_point and type(step) is int and not _INT64_MIN <= step <= _INT64_MAX:
        # the kernel's step in its int64 accumulation type (the bounds are not converted so)
        raise RuntimeError("value cannot be converted to type int64_t without overflow")


# torch's arange kernel has no AVX-512 build: its vectors are AVX2's (8 floats, 4 doubles, 16
# halves), filled two at a time; it splits 32768+ elements between its threads (summation.THREADS)
_ARANGE_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4, np.dtype(np.float16): 16}
_GRAIN_SIZE = 32768
# the largest whole numbers every smaller one of which each dtype holds exactly
_EXACT_INTEGERS = {np.dtype(np.float16): 2.0 ** 11, np.dtype(np.float32): 2.0 ** 24,
                   np.dtype(np.float64): 2.0 ** 53}


def _arange_values(start: float, step: float, count: int, np_dtype):
    """torch's arange kernel for a float dtype, in double (its accumulation type for float and
    double; float for half): in each thread's share, whole pairs of vectors start from
    ``start + step * i`` rounded to the dtype, each lane adding ``lane * step`` to that rounded
    base; the leftover elements are ``start + step * i`` each. Each multiply-add is fused (one
    rounding in the accumulation type, then one to the dtype): float64 shows it."""
    from gradrepl.engine.float_math.fused import fma32
    from gradrepl.engine.ops.summation import THREADS
    from gradrepl.engine.vector_math import fma64

    np_dtype = np.dtype(np_dtype)
    exact_below = _EXACT_INTEGERS.get(np_dtype, 0)
    if SHORT_PATHS and start.is_integer() and step.is_integer() \
            and abs(start) + abs(step) * count <= exact_below \
            and (start != 0 or math.copysign(1.0, start) > 0):  # short path (not from -0.0)
        # whole numbers the dtype holds exactly: every rounding above is exact, any order agrees
        return (start + step * np.arange(count, dtype=np.float64)).astype(np_dtype)
    acc = np.float32 if np_dtype == np.float16 else np.float64
    fma = fma32 if acc is np.float32 else fma64
    start, step = acc(start), acc(step)
    lanes = _ARANGE_LANES.get(np_dtype, 1)
    out = np.empty(count, np_dtype)
    parts = min(THREADS, -(-count // _GRAIN_SIZE)) if count else 0
    chunk = -(-count // parts) if parts else 0
    lane = np.arange(lanes, dtype=acc)
    for begin in range(0, count, chunk or 1):
        end = min(count, begin + chunk)
        vectors = begin + (end - begin) // (2 * lanes) * (2 * lanes)
        if vectors > begin:
            first = np.arange(begin, vectors, lanes, dtype=np.int64).astype(acc)
            bases = np.asarray(fma(step, first, start)).astype(np_dtype).astype(acc)
            values = np.asarray(fma(lane, step, bases[:, None])).astype(np_dtype)
            values[:, 0] = bases  # lane 0 is the base itself (0 * step + -0.0 would be +0.0)
            out[begin:vectors] = values.reshape(-1)
        rest = np.arange(vectors, end, dtype=np.int64).astype(acc)
        out[vectors:end] = np.asarray(fma(step, rest, start)).astype(np_dtype)
    return out


@torch_keywords("linspace")
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise Unmatched  # torch's parser lists the overloads (linspace(0, 1, 5.0))
    dtype = dtype or dtypes.get_default_dtype()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = dtype.numpy
    if steps == 1:
        return _finish(np.array([start], dtype=np_dtype), requires_grad, device)
    # the bounds are converted to the dtype first, checked as full's fill is
    start, end = (_checked_fill(bound, np_dtype) for bound in (start, end))
    if not dtype.is_floating_point:
        start, end = int(start), int(end)  # torch truncates the bounds to the integer type first
    data = _linspace_values(start, end, steps, np_dtype)
    return _finish(data.astype(np_dtype), requires_grad, device)


def _linspace_values(start, end, steps: int, np_dtype):
    """torch's linspace kernel, a scalar loop: ``start + step * i`` for the first half and
    ``end - step * (steps - 1 - i)`` for the rest, so both ends are exact. The loop is compiled
    with fused multiply-adds: float32 and float64 (and the integer types, which compute in double
    and truncate) round each element once; half computes each operator in float and rounds it
    to half (c10::Half's operators), so its product and sum round separately."""
    index = np.arange(steps, dtype=np.int64)
    half = steps // 2
    forward, backward = index[:half], steps - 1 - index[half:]
    if np_dtype == np.float16:
        lo, hi = np.float16(start), np.float16(end)
        step = (hi - lo) / np.float16(steps - 1)
        return np.concatenate([lo + step * forward.astype(np.float16),
                               hi - step * backward.astype(np.float16)])
    if np_dtype == np.float32:
        from gradrepl.engine.float_math.fused import fma32

        lo, hi = np.float32(start), np.float32(end)
        step = (hi - lo) / np.float32(steps - 1)
        return np.concatenate([fma32(step, forward.astype(np.float32), lo),
                               fma32(-step, backward.astype(np.float32), hi)])
    from gradrepl.engine.vector_math import fma64

    lo, hi = float(start), float(end)
    step = (hi - lo) / (steps - 1)
    values = np.concatenate([fma64(step, forward.astype(np.float64), lo),
                             fma64(-step, backward.astype(np.float64), hi)])
    return values if np_dtype == np.float64 else np.trunc(values).astype(np_dtype)


_NO_STEPS = object()


@torch_keywords("logspace")
def logspace(start, end, steps=_NO_STEPS, base=10.0, *, dtype=None, device=None,
             requires_grad=False):
    """base ** linspace(start, end, steps), by torch's logspace (session 10, l-more)"""
    if steps is _NO_STEPS or not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        from gradrepl.engine.keywords import invalid_combination  # torch's parser's listing

        given = (start, end) if steps is _NO_STEPS else (start, end, steps)
        raise TypeError(invalid_combination("logspace", given, {}))
    dtype = dtype or dtypes.get_default_dtype()
    start, end = (b.item() if isinstance(b, Tensor) else b for b in (start, end))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = np.dtype(dtype.numpy)
    if steps == 1:  # torch fills pow(base, start) computed in double
        return _finish(np.array([_c_pow(float(base), float(start))]).astype(np_dtype),
                       requires_grad, device)
    if steps and np_dtype == np.bool_:  # ATen dispatches every type but bool
        from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

        raise NotImplementedError(
            f"\"logspace_cpu\" not implemented for '{SCALAR_TYPE_NAMES[dtype]}'")
    start, end = (_checked_fill(bound, np_dtype) for bound in (start, end))
    return _finish(_logspace_values(start, end, steps, float(base), np_dtype), requires_grad,
                   device)


def _logspace_values(start, end, steps: int, base: float, np_dtype):
    """torch's logspace (RangeFactories.cpp, not a vectorized kernel): the bounds converted to
    the dtype, their difference taken in the dtype, then in double: the step
    ``(end - start) / (steps - 1)``, the exponent ``start + step * i`` for the first half and
    ``end - step * (steps - 1 - i)`` for the rest (a multiply, then an add: no fused
    multiply-add in that file), and C's ``pow(base, exponent)``, converted to the dtype
    (truncated for integer dtypes)."""
    if steps == 0:
        return np.empty(0, dtype=np_dtype)
    lo, hi = np.array(start, dtype=np_dtype), np.array(end, dtype=np_dtype)
    with np.errstate(over="ignore"):
        step = float(np.subtract(hi, lo, dtype=np_dtype)) / (steps - 1)
    index = np.arange(steps, dtype=np.int64)
    half = steps // 2
    forward = index[:half].astype(np.float64)
    backward = (steps - 1 - index[half:]).astype(np.float64)
    exponents = np.concatenate([float(lo) + step * forward, float(hi) - step * backward])
    # the C library's pow, element by element (numpy's own power may take another path)
    powers = np.array([_c_pow(base, float(e)) for e in exponents], dtype=np.float64)
    if np_dtype.kind in "iu":
        with np.errstate(invalid="ignore"):
            return np.trunc(powers).astype(np_dtype)
    if np_dtype == np.float16:  # c10::Half is made from a float: the double rounds twice
        return powers.astype(np.float32).astype(np.float16)
    return powers.astype(np_dtype)


def _c_pow(base: float, exponent: float) -> float:
    """C's pow: math.pow, which raises where C returns NaN (a negative base to a fraction) or
    inf (overflow); those take numpy's scalar power, which returns them."""
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError):
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(base), np.float64(exponent)))


# ---------------------------------------------------------------------------------------------
# torch.Tensor(...) and torch.FloatTensor(...)

def _legacy_signature_error(args, kwargs) -> str:
    """torch's message when the legacy constructor gets keywords it does not take."""
    got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
    wrong = ", ".join(k for k in kwargs if k != "device")
    return (
        f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
        " * (*, torch.device device = None)\n"
        f"      didn't match because some of the keywords were incorrect: {wrong}\n"
        " * (torch.Storage storage)\n"
        " * (Tensor other)\n"
        " * (tuple of ints size, *, torch.device device = None)\n"
        " * (object data, *, torch.device device = None)\n"
    )


def legacy_new(cls, dtype, args, kwargs) -> Tensor:
    """The old-style constructors: data, sizes, or nothing."""
    unexpected = [name for name in kwargs if name != "device"]
    if unexpected:
        raise TypeError(_legacy_signature_error(args, kwargs))
    if kwargs.get("device") is not None:
        check_device(kwargs["device"])
    if not args:
        return new_tensor(np.zeros((0,), dtype=dtype.numpy), cls)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
        data = args[0]
        if isinstance(data, Tensor):
            return data if data.dtype is dtype else data.to(dtype)
        if isinstance(data, np.ndarray):
            return new_tensor(np.array(data, dtype=dtype.numpy), cls)
        return new_tensor(np.array(_unwrap(data), dtype=dtype.numpy), cls)
    if isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool):
        shape = _size_args(args, "new")  # torch.Tensor(2, 2.5): its parser's "failed to unpack"
        _allocate(shape, dtype.numpy)
        return new_tensor(np.zeros(shape, dtype=dtype.numpy), cls)
    raise TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(type(a).__name__ for a in args)}, )")


class _LegacyTypeMeta(type):
    """``isinstance(t, torch.FloatTensor)`` asks about the dtype, as in torch."""

    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and instance.dtype is cls.dtype

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _legacy_type(name: str, dtype):
    def construct(cls, *args, **kwargs):
        return legacy_new(Tensor, dtype, args, kwargs)

    cls = _LegacyTypeMeta(name, (), {"__new__": construct, "dtype": dtype})
    cls.__module__ = "torch"
    return cls


FloatTensor = _legacy_type("FloatTensor", dtypes.float32)
DoubleTensor = _legacy_type("DoubleTensor", dtypes.float64)
HalfTensor = _legacy_type("HalfTensor", dtypes.float16)
LongTensor = _legacy_type("LongTensor", dtypes.int64)
IntTensor = _legacy_type("IntTensor", dtypes.int32)
ShortTensor = _legacy_type("ShortTensor", dtypes.int16)
CharTensor = _legacy_type("CharTensor", dtypes.int8)
ByteTensor = _legacy_type("ByteTensor", dtypes.uint8)
BoolTensor = _legacy_type("BoolTensor", dtypes.bool_)
