"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch's _single_tensor_sgd)."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.ops.inplace import write
from gradrepl.torch.optim import _kernels as k
from gradrepl.torch.optim.optimizer import Optimizer

SHORT_PATH = True  # False: every update through the general path below (the tests compare)
_F32 = np.dtype(np.float32)


def _check_non_negative(value, what: str) -> None:
    if value < 0.0:
        raise ValueError(f"Invalid {what}: {value}")


def _decay(buf, grad, momentum, dampening):
    """``buf.mul_(momentum).add_(grad, alpha=1 - dampening)``: in buf's own memory when it is a
    plain array of grad's dtype and shape and there is no dampening (the same two roundings as
    the general path below, without its two new arrays)."""

    if (dampening == 0 and type(buf) is np.ndarray and buf.flags.writeable
            and buf.dtype == grad.dtype and buf.shape == grad.shape):
        np.multiply(buf, k.scalar(momentum, buf), out=buf)
        return np.add(buf, grad, out=buf)
    return k.add(k.mul(buf, momentum), grad, 1 - dampening)


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * p.grad`` for every parameter at each ``step()``,
    with optional momentum (Nesterov's too), dampening and weight decay. Call ``zero_grad()``
    before each backward, as gradients accumulate."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_non_negative(lr, "learning rate")
        _check_non_negative(momentum, "momentum value")
        _check_non_negative(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group, param, grad, state) -> None:
        p = param._data
        if group["weight_decay"] != 0:
            grad = k.add(grad, p, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._state_tensor(grad)
            else:
                buf._data = _decay(buf._data, grad, momentum, group["dampening"])
            grad = k.add(grad, buf._data, momentum) if group["nesterov"] else buf._data
        if (SHORT_PATH and type(p) is np.ndarray and type(grad) is np.ndarray and p.dtype == _F32
                and grad.dtype == _F32 and grad.shape == p.shape):
            # k.add's float32 case without its dtype and operand checks, and a store of a result
            # already of the parameter's dtype and shape (a lesson's step: 2 tiny parameters)
            write(param, fma32(grad, _F32.type(-group["lr"]), p))
        else:
            self._write(param, k.add(p, grad, -group["lr"]))
