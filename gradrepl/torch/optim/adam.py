"""Adam and AdamW (torch's _single_tensor_adam, non-capturable path)."""

from __future__ import annotations

import numpy as np

from gradrepl.torch.optim import _kernels as k
from gradrepl.torch.optim.optimizer import Optimizer


class Adam(Optimizer):
    """Adam: each parameter moves by its gradient's running mean over the square root of its running
    squared mean (``betas`` set how fast both follow the gradient, ``eps`` keeps the division finite).
    ``weight_decay`` adds ``weight_decay * p`` to the gradient; ``amsgrad`` keeps the largest squared mean."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        checks = ((lr, "learning rate"), (eps, "epsilon value"))
        for value, what in checks:
            if not 0.0 <= value:
                raise ValueError(f"Invalid {what}: {value}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, group, param, grad, state) -> None:
        p = param._data
        if not state:
            state["step"] = self._step_tensor()
            state["exp_avg"] = self._state_tensor(np.zeros_like(p))
            state["exp_avg_sq"] = self._state_tensor(np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._state_tensor(np.zeros_like(p))
        step = self._count_step(state)
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p = k.mul(p, 1 - lr * wd)
            else:
                grad = k.add(grad, p, wd)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg._data = k.lerp(exp_avg._data, grad, 1 - beta1)
        exp_avg_sq._data = k.addcmul(k.mul(exp_avg_sq._data, beta2), grad, grad, 1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        second = exp_avg_sq._data
        if group["amsgrad"]:
            state["max_exp_avg_sq"]._data = k.maximum(state["max_exp_avg_sq"]._data, second)
            second = state["max_exp_avg_sq"]._data
        denom = k.add_scalar(k.div(k.sqrt(second), bias_correction2_sqrt), group["eps"])
        self._write(param, k.addcdiv(p, exp_avg._data, denom, -step_size))


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first shrinks the parameter by
    ``lr * weight_decay * p``, then takes Adam's step on the gradient alone."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
