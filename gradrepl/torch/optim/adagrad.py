"""Adagrad (torch's _single_tensor_adagrad, dense gradients)."""

from __future__ import annotations

import numpy as np

from gradrepl.torch.optim import _kernels as k
from gradrepl.torch.optim.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: each parameter moves by its gradient over the square root of the sum of all its squared
    gradients so far, so often-updated parameters take ever smaller steps."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        for value, what in ((lr, "learning rate"), (lr_decay, "lr_decay value"),
                            (weight_decay, "weight_decay value"),
                            (initial_accumulator_value, "initial_accumulator_value value"),
                            (eps, "epsilon value")):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {what}: {value}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # torch makes every parameter's state up front, before any step
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = self._step_tensor()
                state["sum"] = self._state_tensor(
                    np.full_like(param._data, initial_accumulator_value))

    def _update(self, group, param, grad, state) -> None:
        p = param._data
        if not state:  # a parameter added later with add_param_group
            state["step"] = self._step_tensor()
            state["sum"] = self._state_tensor(
                np.full_like(p, group["initial_accumulator_value"]))
        step = self._count_step(state)
        if group["weight_decay"] != 0:
            grad = k.add(grad, p, group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        state_sum._data = k.addcmul(state_sum._data, grad, grad, 1)
        std = k.add_scalar(k.sqrt(state_sum._data), group["eps"])
        self._write(param, k.addcdiv(p, grad, std, -clr))
