"""clip_grad_norm_ and clip_grad_value_, in torch's per-tensor (CPU) order of operations."""

from __future__ import annotations

import types
import warnings

from gradrepl.engine import ops
from gradrepl.engine.factories import tensor as _tensor
from gradrepl.engine.grad_mode import no_grad
from gradrepl.engine.tensor import Tensor


def _as_list(parameters) -> list:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _total_norm(grads: list, norm_type: float, error_if_nonfinite: bool) -> Tensor:
    if not grads:
        return _tensor(0.0)
    # one norm per gradient, then the norm of those norms, as torch does on the CPU
    norms = [ops.norm(g, norm_type) for g in grads]
    total = ops.norm(ops.stack(norms), norm_type)
    if error_if_nonfinite and not _finite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`")
    return total


def _finite(t: Tensor) -> bool:
    import math

    return math.isfinite(t.item())


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    with no_grad():
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = _as_list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
        grads = [p.grad for p in parameters if p.grad is not None]
        total = _total_norm(grads, float(norm_type), error_if_nonfinite)
        if grads:
            coef = ops.clamp(float(max_norm) / (total + 1e-6), max=1.0)
            for g in grads:
                g.mul_(coef)
        return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
