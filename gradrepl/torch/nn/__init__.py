"""``torch.nn``: Parameter, Module, containers and the layers gradrepl has so far.

A layer real PyTorch has and gradrepl does not yet raises ``UnsupportedError`` saying so.
"""

from gradrepl.torch.nn import functional, init, utils  # noqa: F401
from gradrepl.torch.nn.modules import (
    Flatten, Identity, Linear, LogSoftmax, Module, ModuleDict, ModuleList, ParameterDict,
    ParameterList, ReLU, Sequential, Sigmoid, Softmax, Tanh, Unflatten,
)
from gradrepl.torch.nn.modules import layers as _layers
from gradrepl.torch.nn.modules.layers import *  # noqa: F401,F403  (issue 9)
from gradrepl.torch.nn.parameter import Parameter

__all__ = ["Flatten", "Identity", "Linear", "LogSoftmax", "Module", "ModuleDict", "ModuleList",
           "Parameter", "ParameterDict", "ParameterList", "ReLU", "Sequential", "Sigmoid",
           "Softmax", "Tanh", "Unflatten", "functional", "init", "utils"] + _layers.__all__


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError
    from gradrepl.engine.torch_names import NN_MEMBERS

    if name in NN_MEMBERS:
        raise UnsupportedError(f"torch.nn.{name}")
    raise AttributeError(f"module 'torch.nn' has no attribute '{name}'")
