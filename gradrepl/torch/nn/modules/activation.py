"""Activation modules whose math the engine has: ReLU, Sigmoid, Tanh, Softmax, LogSoftmax."""

from __future__ import annotations

from gradrepl.torch.nn import functional as F
from gradrepl.torch.nn.modules.module import Module


class ReLU(Module):
    """``max(x, 0)`` element-wise: the usual activation between layers."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` element-wise: squashes any value into (0, 1)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)`` element-wise: squashes any value into (-1, 1)."""

    def forward(self, input):
        return F.tanh(input)


class _SoftmaxLike(Module):
    _function = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input):
        return type(self)._function(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """``exp(x) / exp(x).sum(dim)``: turns scores along ``dim`` into probabilities that sum to 1."""

    _function = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxLike):
    """``log(softmax(x, dim))``, computed stably: what NLLLoss expects."""

    _function = staticmethod(F.log_softmax)
