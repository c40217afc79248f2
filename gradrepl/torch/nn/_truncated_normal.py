"""torch 2.13's ``trunc_normal_``: which values it draws, in which order, and how it rejects.

When [a, b] holds more than 30% of the normal's mass, torch fills the tensor with normal values
and, while some fall outside, draws a whole fresh tensor of normals and takes its values at those
places. Otherwise it samples uniformly in [a, b] and accepts a value when log(u) of a second
uniform u is below the normal's log density relative to its peak, in float32 arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import random as _random


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def fill_truncated_normal(tensor, mean, std, a, b, generator) -> None:
    p = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
    if p > 0.3:
        _by_redrawing(tensor, mean, std, a, b, generator)
    else:
        _by_rejection(tensor, mean, std, a, b, generator)


def _by_redrawing(tensor, mean, std, a, b, generator) -> None:
    dtype = tensor._data.dtype
    lo, hi = float(dtype.type(a)), float(dtype.type(b))  # torch compares with a, b in its dtype
    result = np.array(tensor.normal_(mean, std, generator=generator)._data)
    while True:
        mask = (result < lo) | (result > hi)
        if not mask.any():
            break
        fresh = _random._normal_values(result.size, mean, std, dtype, _random._gen(generator))
        result = np.where(mask, fresh.reshape(result.shape), result)
    tensor.copy_(_wrap(result))


def _log_density(values, mean, std, log_peak):
    """candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak), in the tensor's dtype."""
    t = values.dtype.type
    z = (values - t(mean)) / t(std)
    return (z * z) * t(-0.5) - t(log_peak)


def _uniform(n, a, b, dtype, generator):
    from gradrepl.engine.factories import empty

    return empty(n, dtype=_torch_dtype(dtype)).uniform_(a, b, generator=generator)._data


def _torch_dtype(np_dtype):
    from gradrepl.engine import dtypes

    return {d.numpy: d for d in dtypes.ALL}[np.dtype(np_dtype)]


def _by_rejection(tensor, mean, std, a, b, generator) -> None:
    dtype, shape, n = tensor._data.dtype, tuple(tensor.shape), tensor.numel()
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2
    result = _uniform(n, a, b, dtype, generator)
    candidates = _log_density(result, mean, std, log_peak)
    pending = np.log(_uniform(n, 0.0, 1.0, dtype, generator)) > candidates
    while pending.any():
        fresh = _uniform(n, a, b, dtype, generator)
        result = np.where(pending, fresh, result)
        candidates = _log_density(fresh, mean, std, log_peak)
        accept = np.log(_uniform(n, 0.0, 1.0, dtype, generator)) > candidates
        pending = np.where(pending, accept, pending)
    tensor.copy_(_wrap(result.reshape(shape)))


def _wrap(array):
    from gradrepl.engine.tensor import new_tensor

    return new_tensor(array)
