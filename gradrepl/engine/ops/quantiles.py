"""quantile and nanquantile, composed of recorded ops in the order ATen's Sorting.cpp composes
them, so that the values (float32 ranks and lerp weights included), the graph a user sees
(``SqueezeBackward4`` over ``LerpBackward1`` over two ``GatherBackward0`` over ``SortBackward0``)
and the gradients are torch's:

- sort the values to reduce (flattened without ``dim``, else the dim moved last by an
  unsqueeze and a transpose), viewed as the kept dims plus the sorted one;
- ranks ``q * (n - 1)`` in the input's dtype (NaN anywhere: the last rank, so the result is
  NaN), or for nanquantile ``q * (non-NaN count - 1)``, floored at 0; ``lower``/``higher``/
  ``nearest`` round them (floor, ceil, round half to even);
- gather below (and for ``linear``/``midpoint`` above: the ceiling) and ``lerp_`` by the
  fractional part (0.5 for midpoint);
- squeeze the q dim out (a number q), or move it first.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import Unmatched, check_types, torch_parsed
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.shape_more import broadcast_tensors
from gradrepl.engine.tensor import Tensor, new_tensor, wrap_dim

_S = "reduction"
_MODES = ("linear", "lower", "higher", "midpoint", "nearest")
_ROUND = {"lower": "floor_", "higher": "ceil_", "nearest": "round_"}
_LARGEST_SORTED = 2 ** 24  # ranks are exact in float32 up to here


def _cpp_double(value: float) -> str:
    """A double as C++'s ``operator<<`` prints it (six significant digits, %g)."""
    return "%g" % value


def _checks(input, q) -> None:
    """torch's quantile_checks, in its order."""
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q._data.dtype != input._data.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")


def _arguments(input, q, dim, keepdim, interpolation):
    """The call as torch's parser and argument checks take it: q a tensor (of the input's
    dtype) and the interpolation known; torch's words otherwise."""
    check_types(("Tensor", input), ("bool", keepdim), ("str", interpolation))
    if dim is not None:
        check_types(("int", dim))
    if not isinstance(interpolation, str):
        raise Unmatched
    if not isinstance(q, Tensor):
        if isinstance(q, (bool, np.bool_)):
            q = float(q)
        if not isinstance(q, (int, float, np.integer, np.floating)):
            raise Unmatched
        q = float(q)
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {_cpp_double(q)}")
        q = new_tensor(np.array(q, input._data.dtype))  # at::scalar_tensor(q, self.options())
    if interpolation not in _MODES:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    _checks(input, q)
    return q


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    from gradrepl.engine.factories import full_like
    from gradrepl.engine.grad_mode import no_grad

    q = _arguments(input, q, dim, keepdim, interpolation)
    wrapped = wrap_dim(0 if dim is None else int(dim), input.ndim)
    out_shape = []
    if dim is not None and input.ndim > 0:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[wrapped] = 1
        else:
            del out_shape[wrapped]
    elif keepdim:
        out_shape = [1] * input.ndim
    if q.ndim > 0:
        out_shape.insert(0, q.numel())
    with no_grad():  # torch checks the values of q on the CPU before anything is recorded
        in_range = bool(((q >= 0) & (q <= 1)).all())
    if not in_range:
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is None:
        values = input.flatten()
    elif wrapped == input.ndim - 1:
        values = input
    else:
        values = input.unsqueeze(-1).transpose(wrapped, -1)
    values = values.sort()[0]
    if q.ndim == 0:
        out_shape.insert(0, q.numel())
    size = values.shape[-1] if values.ndim else 1
    values = values.view(*out_shape[1:], size)
    if size > _LARGEST_SORTED:
        raise RuntimeError("quantile() input tensor is too large")
    if ignore_nan:
        ranks = q * (values.isnan().logical_not_().sum(-1, True) - 1)
        ranks.masked_fill_(ranks < 0, 0)
    else:
        last = size - 1
        scaled, has_nan = broadcast_tensors(q * last, values.isnan().any(-1, True))
        ranks = scaled.masked_fill(has_nan, last)
    if interpolation in _ROUND:
        getattr(ranks, _ROUND[interpolation])()
    below = ranks.long()
    result = values.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        above = ranks.ceil_().long()
        result.lerp_(values.gather(-1, above), weights)
    if q.ndim == 0:
        return result.squeeze_(-1)
    return result.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


def _out_checks(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """What torch checks before out's dtype: the arguments, q, and the input."""
    _arguments(input, q, dim, keepdim, interpolation)


_OUT_DTYPE = OutDtype("exact", "quantile() out tensor must be same dtype as the input tensor",
                      checks_first=_out_checks)


@torch_parsed("quantile")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """the q-th quantiles of input (over dim, or all its values), interpolated between the
    sorted values on either side as `interpolation` says"""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@torch_parsed("nanquantile")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN values: as if they were not there (NaN where all are)"""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


for _function in (quantile, nanquantile):
    register(_function.__name__, _function, section=_S, out=True, out_dtype=_OUT_DTYPE,
             out_composite=True)

