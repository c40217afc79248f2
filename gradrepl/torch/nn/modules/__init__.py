"""The layer classes of ``torch.nn``, one small module per family."""

from gradrepl.torch.nn.modules.activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from gradrepl.torch.nn.modules.container import (
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)
from gradrepl.torch.nn.modules.flatten import Flatten, Unflatten
from gradrepl.torch.nn.modules.linear import Identity, Linear
from gradrepl.torch.nn.modules.module import Module
from gradrepl.torch.nn.modules import layers as _layers
from gradrepl.torch.nn.modules.layers import *  # noqa: F401,F403  (issue 9)

from gradrepl.torch._naming import present_as_torch as _present_as_torch

_present_as_torch(globals())

__all__ = ["Flatten", "Identity", "Linear", "LogSoftmax", "Module", "ModuleDict", "ModuleList",
           "ParameterDict", "ParameterList", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
           "Unflatten"]
__all__ += _layers.__all__
