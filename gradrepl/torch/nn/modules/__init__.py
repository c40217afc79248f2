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

from gradrepl.torch._naming import name_inits_as_torch as _name_inits_as_torch
from gradrepl.torch._naming import present_as_torch as _present_as_torch

_present_as_torch(globals())
# the class torch 2.13 defines each one's __init__ on, where gradrepl's differs
# (tests/torch_api/test_module_names_torch.py checks every class against live torch)
_name_inits_as_torch(globals(), {
    "AdaptiveAvgPool2d": "_AdaptiveAvgPoolNd", "Dropout": "_DropoutNd", "MaxPool2d": "_MaxPoolNd",
    **{name: name for name in (
        "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad2d", "ConstantPad3d",
        "Conv1d", "Conv2d", "GRUCell", "LSTMCell", "LogSoftmax", "ReflectionPad1d",
        "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
        "ReplicationPad3d", "Softmax", "ZeroPad2d", "ZeroPad3d")},
})

__all__ = ["Flatten", "Identity", "Linear", "LogSoftmax", "Module", "ModuleDict", "ModuleList",
           "ParameterDict", "ParameterList", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
           "Unflatten"]
__all__ += _layers.__all__
