"""RMSprop (torch's _single_tensor_rmsprop)."""

from __future__ import annotations

import numpy as np

from gradrepl.torch.optim import _kernels as k
from gradrepl.torch.optim.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: each parameter moves by its gradient over the square root of a running mean of its
    square (``alpha`` sets how fast it follows), with optional momentum and centring."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        for value, what in ((lr, "learning rate"), (eps, "epsilon value"),
                            (momentum, "momentum value"), (weight_decay, "weight_decay value"),
                            (alpha, "alpha value")):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {what}: {value}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, param, grad, state) -> None:
        p = param._data
        if not state:
            state["step"] = self._step_tensor()
            state["square_avg"] = self._state_tensor(np.zeros_like(p))
            if group["momentum"] > 0:
                state["momentum_buffer"] = self._state_tensor(np.zeros_like(p))
            if group["centered"]:
                state["grad_avg"] = self._state_tensor(np.zeros_like(p))
        self._count_step(state)
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = k.add(grad, p, group["weight_decay"])
        square_avg = state["square_avg"]
        square_avg._data = k.addcmul(k.mul(square_avg._data, alpha), grad, grad, 1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg._data = k.lerp(grad_avg._data, grad, 1 - alpha)
            avg = k.sqrt(k.addcmul(square_avg._data, grad_avg._data, grad_avg._data, -1))
        else:
            avg = k.sqrt(square_avg._data)
        avg = k.add_scalar(avg, group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf._data = k.addcdiv(k.mul(buf._data, group["momentum"]), grad, avg)
            self._write(param, k.add(p, buf._data, -group["lr"]))
        else:
            self._write(param, k.addcdiv(p, grad, avg, -group["lr"]))
