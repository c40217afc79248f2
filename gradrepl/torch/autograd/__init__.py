"""``torch.autograd``: backward, grad and the grad-mode switches, under torch's names."""

from gradrepl.engine.autograd import backward, grad
from gradrepl.engine.errors import UnsupportedError as _UnsupportedError
from gradrepl.engine.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from gradrepl.engine.tensor import Tensor as Variable  # torch keeps the old name as an alias


def __getattr__(name):
    if not name.startswith("_"):
        raise _UnsupportedError(f"torch.autograd.{name}")
    raise AttributeError(f"module 'torch.autograd' has no attribute '{name}'")
