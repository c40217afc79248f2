"""Inference tensors: what torch's ``inference_mode`` makes, and the errors it gives for them.

A tensor made while inference mode is on is an inference tensor (``Tensor.is_inference()``),
except a view of a normal tensor; a view of an inference tensor is one wherever it is made (a
view asks its root, ``_version_root``). Outside inference mode torch refuses to bump an inference
tensor's version (the in-place change is made first, then refused, as ATen's
``increment_version`` does), to let it require grad, to save it for backward, and to read its
``_version``.

Marking costs ordinary code nothing: while inference mode is on, the constructors the engine
builds tensors with (each module's ``_new``, ``tensor._object_new``) are swapped for one that
marks what it makes, and the generated operator short paths, whose constructor is a constant,
step aside (``operators.SHORT_PATHS``); leaving the mode swaps them back. Saving for backward is
checked only once an inference tensor has been made in the process (``MADE``).
"""

from __future__ import annotations

from gradrepl.engine.grad_mode import INFERENCE_MADE as MADE  # recording then checks saves
from gradrepl.engine.tensor import Tensor

_object_new = object.__new__

INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
    "to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 "
    "for more details.")
REQUIRES_GRAD_MESSAGE = (
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
SAVED_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
    "mode in computation tracked by autograd. To work around this, you can make a clone to get a "
    "normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`.")
VERSION_MESSAGE = "Inference tensors do not track version counter."


def _new_marked(cls):
    made = _object_new(cls)
    if issubclass(cls, Tensor):
        made._inference = True
    return made


# (module, name of its constructor) for every module that makes tensors with object.__new__
_CONSTRUCTORS = (("gradrepl.engine.tensor", "_object_new"), ("gradrepl.engine.autograd", "_object_new"),
                 ("gradrepl.engine.factories", "_new"), ("gradrepl.engine.ops.primitive", "_new"),
                 ("gradrepl.engine.ops.addmm", "_new"), ("gradrepl.engine.ops.reductions", "_new"),
                 ("gradrepl.engine.ops.operators", "_new"))
_saved_switch = []


def marking(on: bool) -> None:
    """Swap the engine's constructors for the marking one (``on``) or back."""
    import importlib

    from gradrepl.engine.ops import operators

    constructor = _new_marked if on else _object_new
    for module, name in _CONSTRUCTORS:
        setattr(importlib.import_module(module), name, constructor)
    if on:
        MADE[0] = True
        _saved_switch.append(operators.SHORT_PATHS)
        operators.SHORT_PATHS = False
    elif _saved_switch:
        operators.SHORT_PATHS = _saved_switch.pop()


def refuse_saved(*tensors) -> None:
    """Raise torch's error when a tensor about to be saved for backward is an inference tensor."""
    for tensor in tensors:
        if isinstance(tensor, Tensor) and tensor._version_root()._inference:
            raise RuntimeError(SAVED_MESSAGE)
