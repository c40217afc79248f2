"""``torch.autograd``: backward, grad, the grad-mode switches, custom Functions, functional
(jacobian, hessian ...), gradcheck and the graph API, under torch's names."""

from gradrepl.engine.anomaly import detect_anomaly, set_detect_anomaly
from gradrepl.engine.autograd import backward, grad
from gradrepl.engine.function import Function
from gradrepl.torch.autograd import function, functional, graph  # noqa: F401
from gradrepl.torch.autograd import gradcheck as _gradcheck_module  # noqa: F401  (the submodule)
from gradrepl.engine.gradcheck import gradcheck, gradgradcheck  # the functions shadow it, as in torch
from gradrepl.engine.errors import UnsupportedError as _UnsupportedError
from gradrepl.engine.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from gradrepl.engine.tensor import Tensor as _Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper old lessons still use: ``Variable(data, requires_grad=True)`` gives a tensor,
    a detached alias of ``data`` that requires grad if asked (plain ``Tensor(data, requires_grad=...)``
    would silently drop the flag)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            data = _Tensor()
        if not isinstance(data, _Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            from gradrepl.engine.warn import warn_user

            warn_user("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.")
        result = data.detach()
        if requires_grad:
            if not result.is_floating_point():
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            result.requires_grad_(True)
        return result


Variable.__module__ = "torch.autograd.variable"


def _submodule(name: str, **members):
    """``torch.autograd.grad_mode`` and ``anomaly_mode``: where torch defines these names."""
    import types

    module = types.ModuleType(f"torch.autograd.{name}")
    module.__dict__.update(members)
    return module


grad_mode = _submodule("grad_mode", no_grad=no_grad, enable_grad=enable_grad,
                       set_grad_enabled=set_grad_enabled, inference_mode=inference_mode)
anomaly_mode = _submodule("anomaly_mode", detect_anomaly=detect_anomaly,
                          set_detect_anomaly=set_detect_anomaly)


def __getattr__(name):
    if not name.startswith("_"):
        raise _UnsupportedError(f"torch.autograd.{name}")
    raise AttributeError(f"module 'torch.autograd' has no attribute '{name}'")
