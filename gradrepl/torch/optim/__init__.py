"""``torch.optim``: SGD, Adam, AdamW, RMSprop, Adagrad and the learning-rate schedulers."""

from gradrepl.torch.optim import lr_scheduler  # noqa: F401
from gradrepl.torch.optim.adagrad import Adagrad
from gradrepl.torch.optim.adam import Adam, AdamW
from gradrepl.torch.optim.optimizer import Optimizer
from gradrepl.torch.optim.rmsprop import RMSprop
from gradrepl.torch.optim.sgd import SGD

from gradrepl.torch._naming import present_as_torch as _present_as_torch
from gradrepl.torch.optim import lr_scheduler as _schedulers

_present_as_torch(globals(), {"AdamW": "torch.optim.adamw"})
_present_as_torch(vars(_schedulers))

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]


def __getattr__(name):
    """A name torch.optim has is "not supported yet"; any other (``StepRL``) is a typo."""
    from gradrepl.engine.errors import UnsupportedError
    from gradrepl.engine.torch_names import OPTIM_MEMBERS

    if name in OPTIM_MEMBERS:
        raise UnsupportedError(f"torch.optim.{name}")
    raise AttributeError(f"module 'torch.optim' has no attribute '{name}'")
