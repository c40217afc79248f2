"""Activation modules whose math the engine has: ReLU, Sigmoid, Tanh, Softmax, LogSoftmax."""

from __future__ import annotations

from gradrepl.torch.nn import functional as F
from gradrepl.torch.nn.modules.module import Module


class ReLU(Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
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
    _function = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxLike):
    _function = staticmethod(F.log_softmax)
