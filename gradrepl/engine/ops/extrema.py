"""Extrema: max/min over everything or along a dim, maximum/minimum, argmax/argmin.

torch gives the full reduction (``MaxBackward1``) a gradient spread evenly over tied maxima, but
the dim reduction (``MaxBackward0``) sends it all to the one index it returned; ``maximum`` splits
a tie between its two inputs in halves.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.keywords import NO_DIM, NO_KEEPDIM, Unmatched, check_types, torch_parsed
from gradrepl.engine.ops.primitive import Primitive, apply, apply_unary
from gradrepl.engine.ops.promotion import check_broadcasts, elementwise, result_dtype
from gradrepl.engine.tensor import data_of as _data, new_tensor, Tensor, wrap_dim
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register


def _check_not_empty(a, name):
    if a.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument.")


# ---------------------------------------------------------------------------------------------
# max() / min() over every element

def _evenly_distribute(F, g, inputs, out, params, needs):
    a, value = _data(inputs[0]), _data(out)
    tied = (a == value) | (np.isnan(a) & np.isnan(value)) if a.dtype.kind == "f" else a == value
    # torch: mask * (grad / mask.sum())
    share = g / int(np.count_nonzero(tied))
    return (F.where(tied, F.expand(share, np.shape(a)), 0.0),)


def _extreme_all(np_func, name):
    def forward(a):
        _check_not_empty(a, name)
        return np_func(a)
    return forward


MAX = Primitive("max", "MaxBackward1", _extreme_all(np.max, "max"), _evenly_distribute,
                inputs=("self",), saves=("self", "result"))
MIN = Primitive("min", "MinBackward1", _extreme_all(np.min, "min"), _evenly_distribute,
                inputs=("self",), saves=("self", "result"))


# ---------------------------------------------------------------------------------------------
# max(dim) / min(dim): values and the indices they came from

class _ReturnType(tuple):
    """torch.return_types.max and friends: a named pair that prints one field per line."""

    _fields = ("values", "indices")

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self) -> str:
        return f"torch.return_types.{type(self).__name__}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(name):
    cls = type(name, (_ReturnType,), {"__slots__": ()})
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


RETURN_TYPES = {name: _return_type(name) for name in ("max", "min")}


def _take_forward(a, dim, keepdim, indices):
    values = np.take_along_axis(a, np.expand_dims(indices, dim), axis=dim)
    return values if keepdim else np.squeeze(values, axis=dim)


def _full_index(indices, dim):
    """An advanced index that picks, for each position of ``indices``, that element along dim."""
    grid = list(np.indices(indices.shape, sparse=True))
    grid.insert(dim, indices)
    return tuple(np.broadcast_arrays(*grid))


def _selected_backward(F, g, inputs, out, params, needs):
    """torch's value_selecting_reduction_backward: the gradient goes to the returned index."""
    dim, keepdim, indices = params
    shape = np.shape(inputs[0])
    if keepdim:
        g = F.reshape(g, np.shape(indices))
    return (F.scatter_into(shape, inputs[0], _full_index(indices, dim), g),)


MAX_DIM = Primitive("max", "MaxBackward0", _take_forward, _selected_backward, inputs=("self",),
                    saves=("indices",))
MIN_DIM = Primitive("min", "MinBackward0", _take_forward, _selected_backward, inputs=("self",),
                    saves=("indices",))


def _reduce_dim(input, dim, keepdim, name):
    a = input._data
    d = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return RETURN_TYPES[name](apply_unary(CLONE_0D[name], input), new_tensor(np.array(0)))
    if a.shape[d] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if a.dtype == np.bool_:
        pick = (np.argmax if name == "max" else np.argmin)(a, axis=d)
    else:
        # nan wins both reductions, as in torch; np.argmax alone would skip it only in min
        nan = np.isnan(a) if a.dtype.kind == "f" else None
        pick = (np.argmax if name == "max" else np.argmin)(a, axis=d)
        if nan is not None and nan.any():
            pick = np.where(nan.any(axis=d), np.argmax(nan, axis=d), pick)
    pick = pick.astype(np.int64)
    prim = MAX_DIM if name == "max" else MIN_DIM
    values = apply_unary(prim, input, (d, bool(keepdim), pick))
    return RETURN_TYPES[name](values, new_tensor(np.expand_dims(pick, d) if keepdim else pick))


# a 0-d input: max(0) gives the value itself, still recorded as MaxBackward0
CLONE_0D = {
    "max": Primitive("max", "MaxBackward0", lambda a: a.copy(),
                     lambda F, g, inputs, out, params, needs: (g,), inputs=("self",),
                     saves=("indices",)),
    "min": Primitive("min", "MinBackward0", lambda a: a.copy(),
                     lambda F, g, inputs, out, params, needs: (g,), inputs=("self",),
                     saves=("indices",)),
}


def _extreme(name, whole, binary):
    def op(input, dim=NO_DIM, keepdim=NO_KEEPDIM):
        if dim is NO_DIM:
            if keepdim is not NO_KEEPDIM:  # keepdim alone: none of torch's overloads
                raise Unmatched
            return apply_unary(whole, input)
        if isinstance(dim, Tensor) and keepdim is NO_KEEPDIM:
            return binary(input, dim)  # torch.max(a, b) is maximum
        check_types(("int", dim), ("bool", keepdim))  # dim=None is not the whole reduction
        return _reduce_dim(input, dim, bool(keepdim), name)
    op.__name__ = op.__qualname__ = name
    return torch_parsed(name)(op)


# ---------------------------------------------------------------------------------------------
# maximum / minimum of two tensors

def _pairwise_forward(np_func):
    def forward(a, b):
        if np.shape(a) != np.shape(b):
            check_broadcasts(a, b)
        return elementwise(np_func, a, b)
    return forward


def _pairwise_backward(wins):
    """torch: where(a == b, grad / 2, grad).masked_fill_(a loses, 0), and the mirror for b."""
    def backward(F, g, inputs, out, params, needs):
        a, b = _data(inputs[0]), _data(inputs[1])
        dtype = result_dtype(a, b)  # compared in the result's dtype, as torch's formula does
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        tie = np.broadcast_to(a == b, shape)
        half = F.where(tie, g / 2, g)
        return (
            F.sum_to(F.where(np.broadcast_to(wins(b, a), shape), 0.0, half), inputs[0]) if needs[0] else None,
            F.sum_to(F.where(np.broadcast_to(wins(a, b), shape), 0.0, half), inputs[1]) if needs[1] else None,
        )
    return backward


MAXIMUM = Primitive("maximum", "MaximumBackward0", _pairwise_forward(np.maximum),
                    _pairwise_backward(np.greater), saves=("self", "other"))
MINIMUM = Primitive("minimum", "MinimumBackward0", _pairwise_forward(np.minimum),
                    _pairwise_backward(np.less), saves=("self", "other"))


def _pairwise(prim):
    def op(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{prim.name}(): argument 'other' (position 2) must be Tensor, not "
                f"{python_type_name(other)}")
        return apply(prim, (input, other))
    op.__name__ = op.__qualname__ = prim.name
    return op


maximum = _pairwise(MAXIMUM)
minimum = _pairwise(MINIMUM)
max = _extreme("max", MAX, maximum)
min = _extreme("min", MIN, minimum)


# ---------------------------------------------------------------------------------------------
# argmax / argmin: indices only, never recorded

def _arg(name, np_func):
    def op(input, dim=None, keepdim=False):
        a = input._data
        if dim is None:
            if a.size == 0:
                raise IndexError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            flat = a.reshape(-1)
            pick = np_func(flat)
            if flat.dtype.kind == "f" and np.isnan(flat).any():
                pick = np.argmax(np.isnan(flat))
            result = np.array(pick, dtype=np.int64)
            return new_tensor(result.reshape((1,) * a.ndim) if keepdim else result)
        d = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return new_tensor(np.array(0, dtype=np.int64))
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        pick = np_func(a, axis=d)
        if a.dtype.kind == "f":
            nan = np.isnan(a)
            pick = np.where(nan.any(axis=d), np.argmax(nan, axis=d), pick)
        pick = pick.astype(np.int64)
        return new_tensor(np.expand_dims(pick, d) if keepdim else pick)
    op.__name__ = op.__qualname__ = name
    return op


argmax = _arg("argmax", np.argmax)
argmin = _arg("argmin", np.argmin)


# max(x) checks that the result casts to out, max(x, dim) that values and indices match exactly
_EXACT = "Expected out tensor to have dtype {result_cpp}, but got {out_cpp} instead"
_EXTREMES = (OutDtype("cast", "Expected canCast( typeMetaToScalarType(self.dtype()), typeMetaToScalarType(out.dtype())) to be true, "
                       "but got false.  (Could this error message be improved?  If so, please report an enhancement "
                       "request to PyTorch.)", overload=1),
             OutDtype("exact", _EXACT, overload=2), OutDtype("exact", _EXACT, output=1, overload=2))
register("max", max, section="extrema", rows=(MAX, MAX_DIM, MAXIMUM), out=(1, 2), out_dtype=_EXTREMES)
register("min", min, section="extrema", rows=(MIN, MIN_DIM, MINIMUM), out=(1, 2), out_dtype=_EXTREMES)
register("maximum", maximum, section="extrema", rows=(MAXIMUM,), out=True)
register("minimum", minimum, section="extrema", rows=(MINIMUM,), out=True)
register("argmax", argmax, section="extrema", out=True, out_dtype="exact", differentiable=False)
register("argmin", argmin, section="extrema", out=True, out_dtype="exact", differentiable=False)
