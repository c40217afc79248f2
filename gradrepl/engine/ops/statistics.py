"""Vector norms, variance and standard deviation: one row each, with torch's backward formulas.

torch's CPU variance is a Welford pass in double, so var and std compute in float64 and round
once; norms accumulate in the input's own dtype (float32 squares overflow to inf, as in torch),
half in float32.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.reductions import normalize_dims
from gradrepl.engine.tensor import data_of as _data
from gradrepl.engine.ops.registry import register


def _dims_of(dim, ndim):
    """None or () reduce over everything; otherwise torch's checked, sorted dims."""
    if dim is None or isinstance(dim, (tuple, list)) and not dim:
        return tuple(range(ndim))
    return normalize_dims(dim, ndim)


def _unreduce(F, g, dims, keepdim, shape):
    """A reduced gradient with the reduced dims put back (size 1), ready to broadcast."""
    if not keepdim and np.ndim(_data(g)) != len(shape):
        for d in dims:
            g = F.unsqueeze(g, d)
    return g


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


# ---------------------------------------------------------------------------------------------
# linalg.vector_norm (Tensor.norm, torch.norm)

def _norm_forward(a, p, dims, keepdim, dtype):
    work = a.astype(dtype) if dtype is not None else a
    work = work.astype(np.float32) if work.dtype == np.float16 else work
    axes = dims if a.ndim else None
    magnitude = np.abs(work)
    rows = _last_dim_rows(a, work, p, dims)
    if rows is not None:
        out = np.sqrt(_squares_in_lanes(rows)).reshape(_reduced_shape(a.shape, dims, keepdim))
    elif p == 2:
        out = np.sqrt(np.sum(magnitude * magnitude, axis=axes, keepdims=keepdim))
    elif p == 1:
        out = _one_norm(magnitude, dims if a.ndim else (), keepdim)
    elif p == math.inf:
        out = np.max(magnitude, axis=axes, keepdims=keepdim, initial=0.0)
    elif p == -math.inf:
        out = np.min(magnitude, axis=axes, keepdims=keepdim, initial=math.inf)
    elif p == 0:
        out = np.sum(magnitude != 0, axis=axes, keepdims=keepdim).astype(work.dtype)
    else:
        out = _general_p(magnitude, p, dims if a.ndim else (), keepdim)
    return np.asarray(out).astype(dtype or a.dtype)


def _in_memory_order(work, dims):
    """``work``'s reduced elements as rows in the order ATen's binary_kernel_reduce visits them:
    per result, the input's memory order (the largest stride first, the innermost last).
    Returns the rows, the kept shape and the reduced dims."""
    ndim = work.ndim
    reduced = sorted({d % ndim for d in dims}) if ndim else []
    kept = [d for d in range(ndim) if d not in reduced]
    reduced.sort(key=lambda d: -abs(work.strides[d]) if work.shape[d] > 1 else 0)
    moved = np.transpose(work, kept + reduced) if ndim else work.reshape(())
    kept_shape = tuple(work.shape[d] for d in kept)
    count = int(np.prod([work.shape[d] for d in reduced], dtype=np.int64))
    return moved.reshape(kept_shape + (count,)), kept_shape, reduced


def _keep_dims(out, shape, reduced, keepdim):
    if keepdim:
        out = out.reshape(tuple(1 if d in reduced else n for d, n in enumerate(shape)))
    return out


def _one_norm(magnitude, dims, keepdim):
    """ATen's NormOneOps through binary_kernel_reduce: per result, |x| added one at a time in
    memory order in the accumulation type (float for float and half), not numpy's pairwise
    sum (measured against torch 2.13 on lengths 1 to 5000, float32 and float64; one thread's
    order, as for the general p)."""
    work = np.asarray(magnitude)
    rows, kept_shape, reduced = _in_memory_order(work, dims)
    if rows.shape[-1] == 0:
        total = np.zeros(kept_shape, work.dtype)
    else:
        total = np.add.accumulate(rows, axis=-1, dtype=work.dtype)[..., -1]
    return _keep_dims(np.asarray(total), work.shape, reduced, keepdim)


def _general_p(magnitude, p, dims, keepdim):
    """ATen's NormOps through binary_kernel_reduce: per result, the C library's
    ``pow(|x|, p)`` of each reduced element added in the input's memory order, one at a time, in
    the accumulation type (float for float and half, double for double), then
    ``pow(total, 1 / p)`` (1 / p computed in that type); one element per result is |x| itself,
    as torch gives it (measured). One thread's order: ATen splits a
    reduction to one value of 32768 elements or more between threads, which is not copied."""
    from gradrepl.engine.float_math import libm

    work = np.asarray(magnitude)
    exponent = work.dtype.type(p)
    rows, kept_shape, reduced = _in_memory_order(work, dims)
    count = rows.shape[-1]
    if count == 1:  # one element per result: torch gives |x| itself, without the two pows
        return _keep_dims(rows.reshape(kept_shape), work.shape, reduced, keepdim)
    if count == 0:
        total = np.zeros(kept_shape, work.dtype)
    else:
        flat = rows.reshape(-1)
        powered = libm.pow_same(flat, np.full(flat.size, exponent, work.dtype)).reshape(rows.shape)
        total = np.add.accumulate(powered, axis=-1, dtype=work.dtype)[..., -1]
    inverse = work.dtype.type(1) / exponent
    flat_total = np.ascontiguousarray(total).reshape(-1)
    out = libm.pow_same(flat_total, np.full(flat_total.size, inverse, work.dtype)).reshape(kept_shape)
    return _keep_dims(out, work.shape, reduced, keepdim)


def _last_dim_rows(a, work, p, dims):
    """The rows torch's vectorised 2-norm kernel sums, or None where another kernel runs: ATen
    takes it for p = 2 when the reduction, once TensorIterator coalesces dims, is over the
    innermost contiguous dim of a float or double input whose result keeps its dtype (a 1-d or
    whole contiguous tensor, or trailing dims of a contiguous one)."""
    if p != 2 or work is not a or a.dtype not in _NORM_LANES or a.ndim == 0 or a.size == 0:
        return None
    if not a.flags.c_contiguous:
        return None
    reduced = sorted(d % a.ndim for d in dims) if dims is not None else list(range(a.ndim))
    if reduced != list(range(a.ndim - len(reduced), a.ndim)):
        return None
    length = int(np.prod([a.shape[d] for d in reduced], dtype=np.int64))
    return a.reshape(-1, length)


def _reduced_shape(shape, dims, keepdim):
    reduced = {d % len(shape) for d in dims} if dims is not None else set(range(len(shape)))
    if keepdim:
        return tuple(1 if d in reduced else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d not in reduced)


# ATen's lanes for the 2-norm kernel (its AVX2 build: 8 floats, 4 doubles), and the groups the
# compiler vectorised the float scalar tail in (products rounded, then added in order)
_NORM_LANES = {np.dtype(np.float32): (8, 4), np.dtype(np.float64): (4, 0)}


def _squares_in_lanes(rows: np.ndarray) -> np.ndarray:
    """Each row's sum of squares as ATen's norm kernel adds it (norm_kernel_tensor_iterator_impl,
    ``binary_kernel_reduce_lastdim``): lane j of a vector accumulator adds x[8i + j] ** 2 (the
    product rounded, then the sum: no fused step), the lanes are folded left to right, and the
    tail adds x ** 2 one by one, by a fused multiply-add, except that a float tail's groups of
    four are products rounded then added in order. Measured against torch 2.13 on every length
    1 to 39 and others up to 255 (tests/torch_api/test_nn_functional_extras.py)."""
    lanes, group = _NORM_LANES[rows.dtype]
    n = rows.shape[1]
    full = n - n % lanes
    if full:
        blocks = rows[:, :full].reshape(rows.shape[0], -1, lanes)
        # numpy's accumulate adds in order, in the array's dtype
        acc = np.add.accumulate(blocks * blocks, axis=1)[:, -1, :]
        total = np.add.accumulate(acc, axis=1)[:, -1].copy()
    else:
        total = np.zeros(rows.shape[0], rows.dtype)
    d = full
    while group and n - d >= group:
        for k in range(d, d + group):
            v = rows[:, k]
            total = total + v * v
        d += group
    for k in range(d, n):
        v = rows[:, k]
        total = _fma_same_dtype(v, v, total)
    return total


def _fma_same_dtype(a, b, c):
    from gradrepl.engine.float_math.fused import fma32
    from gradrepl.engine.vector_math import fma64

    return fma32(a, b, c) if a.dtype == np.float32 else fma64(a, b, c)


def _norm_backward(F, g, inputs, out, params, needs):
    """torch's linalg_vector_norm_backward, case by case on p."""
    p, dims, keepdim, _ = params
    x = inputs[0]
    shape = np.shape(_data(x))
    norm = _unreduce(F, out, dims, keepdim, shape)
    g = _unreduce(F, g, dims, keepdim, shape)
    norm_data = np.asarray(_data(norm))
    if p == 0:
        return (None,)  # torch leaves the gradient of a count of non-zeros undefined
    if p == 1:
        return (F.sign(x) * g,)
    if p == 2:
        # (x / norm) * grad, in that order: half results show it
        zero = np.broadcast_to(norm_data == 0, shape)
        return (F.where(zero, 0.0, x / norm) * g,)
    if math.isinf(p):
        # the gradient is shared evenly by the elements at the extreme
        tied = np.abs(np.asarray(_data(x))) == norm_data
        share = g / np.sum(tied, axis=dims if shape else None, keepdims=True).astype(norm_data.dtype)
        return (F.sign(x) * F.where(tied, share, 0.0),)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** negative: masked below
        if p < 1:  # torch masks |x| ** (p - 1) where x is 0, and scales by norm ** (1 - p)
            # (F.pow: torch's pow kernel, whose x ** 0.5 is a square root, numpy's is not)
            magnitude = F.pow(x * F.sign(x), p - 1)
            zero = np.asarray(_data(x)) == 0
            return (F.sign(x) * F.where(zero, 0.0, magnitude) * g * F.pow(norm, 1 - p),)
        scale = F.where(norm_data == 0, 0.0, g / F.pow(norm, p - 1))
        if p < 2:  # sgn(x) * |x| ** (p - 1): no 0 * inf at x = 0
            return (F.sign(x) * F.pow(x * F.sign(x), p - 1) * scale,)
        return (x * F.pow(x * F.sign(x), p - 2) * scale,)


NORM = Primitive("norm", "LinalgVectorNormBackward0", _norm_forward, _norm_backward,
                 inputs=("self",), saves=("self", "result"))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.norm(p={p!r})")
    a = input._data
    if dtype is None and a.dtype.kind != "f":
        short = dtypes.SCALAR_TYPE_NAMES[dtypes.from_numpy_dtype(a.dtype)]
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {short}")
    np_dtype = None if dtype is None else dtype.numpy
    dims = _dims_of(dim, a.ndim)
    return apply_unary(NORM, input, (float(p), dims, bool(keepdim), np_dtype))


# ---------------------------------------------------------------------------------------------
# var / std with a correction (Bessel's by default)

def _var_forward(a, dims, correction, keepdim):
    work = a.astype(np.float64)
    axes = dims if a.ndim else None
    n = _count(a.shape, dims) if a.ndim else 1
    mean = np.mean(work, axis=axes, keepdims=True) if n else np.zeros_like(work)
    squares = np.sum((work - mean) ** 2, axis=axes, keepdims=keepdim)
    dof = max(n - correction, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(squares / dof).astype(a.dtype)


def _var_backward(F, g, inputs, out, params, needs):
    # torch's var_backward: (2 / dof) * grad * (x - x.mean(dim, keepdim=True))
    dims, correction, keepdim = params
    x = inputs[0]
    shape = np.shape(_data(x))
    n = _count(shape, dims)
    g = _unreduce(F, g, dims, keepdim, shape)
    mean = F.sum(x, dims if shape else (), keepdim=True) / max(n, 1)
    dof = n - correction
    return ((2.0 / dof if dof > 0 else math.inf) * g * (x - mean),)


def _std_backward(F, g, inputs, out, params, needs):
    # torch's std_backward: var_backward((grad / (result * 2)).masked_fill_(result == 0, 0))
    scaled = F.where(np.asarray(_data(out)) == 0, 0.0, g / (out * 2))
    return _var_backward(F, scaled, inputs, out, params, needs)


def _std_forward(a, dims, correction, keepdim):
    return np.sqrt(_var_forward(a, dims, correction, keepdim))


VAR = Primitive("var", "VarBackward0", _var_forward, _var_backward, inputs=("self",),
                saves=("self",))
STD = Primitive("std", "StdBackward0", _std_forward, _std_backward, inputs=("self",),
                saves=("self", "result"))


def _statistic_arguments(name, input, dim, unbiased, correction):
    """(dims, correction) from torch's var/std arguments, with its errors and warning; shared
    with var_mean and std_mean (reductions_more.py)."""
    if isinstance(dim, bool):  # std(False): the old std(unbiased) overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(_BOTH_MESSAGE.format(name=name, unbiased=unbiased))
    if input._data.dtype.kind != "f":
        who = name if name.endswith("_mean") else "std and var"
        raise RuntimeError(f"{who} only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = _dims_of(dim, input.ndim)
    n = _count(input.shape, dims) if input.ndim else 1
    if n - correction <= 0:
        from gradrepl.engine.warn import warn_user

        warn_user(_DOF_WARNING.format(name=name))
    return dims, correction


def _statistic(prim):
    def op(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dims, correction = _statistic_arguments(prim.name, input, dim, unbiased, correction)
        return apply_unary(prim, input, (dims, correction, bool(keepdim)))
    op.__name__ = op.__qualname__ = prim.name
    return op


_DOF_WARNING = (
    "{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
    "factor (input numel divided by output numel). (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)"
)
_BOTH_MESSAGE = (
    "{name}() received an invalid combination of arguments - got (correction=int, unbiased=bool, "
    "), but expected one of:\n"
    " * (tuple of ints dim, bool unbiased = True, bool keepdim = False)\n"
    " * (tuple of ints dim = None, *, Number correction = None, bool keepdim = False)\n"
    " * (bool unbiased = True)\n"
)

var = _statistic(VAR)
std = _statistic(STD)


register("norm", norm, section="reduction", rows=(NORM,), out=True, out_dtype="exact")
register("std", std, section="reduction", rows=(STD,), out=True)
register("var", var, section="reduction", rows=(VAR,), out=True)
