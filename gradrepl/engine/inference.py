"""Inference tensors: what torch's ``inference_mode`` makes, and the errors it gives for them.

A tensor made while inference mode is on is an inference tensor (``Tensor.is_inference()``),
except a view of a normal tensor; a view of an inference tensor is one wherever it is made (a
view asks its root, ``_version_root``). Outside inference mode torch refuses to bump an inference
tensor's version (the in-place change is made first, then refused, as ATen's
``increment_version`` does), to let it require grad, to save it for backward, and to read its
``_version``.

Marking costs ordinary code nothing: while inference mode is on, the constructors the engine
builds tensors with (each module's own alias of ``object.__new__``: ``_new``,
``tensor._object_new``, found by ``constructors()``) are swapped for one that marks what it
makes, and the generated operator short paths, whose constructor is a constant, step aside
(``operators.SHORT_PATHS``); leaving the mode swaps them back. Saving for backward is
checked only once an inference tensor has been made in the process (``MADE``).
"""

from __future__ import annotations

import sys

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


# the constructors found so far: module name -> the names its globals bind to object.__new__
_CONSTRUCTORS: dict = {}
_modules_seen = [0]  # len(sys.modules) at the last look
_saved_switch = []


def constructors() -> dict:
    """Every module-level alias of ``object.__new__`` in gradrepl's modules, by module name: the
    constructors the engine builds tensors (and nodes) with. Found by looking, not listed, so a
    new module's own alias is marked too; a module is looked at once, when first seen loaded
    (the marking constructor marks only tensors, so an alias that makes nodes is harmless)."""
    modules = sys.modules
    if len(modules) != _modules_seen[0]:
        for name, module in list(modules.items()):
            if name not in _CONSTRUCTORS and name.startswith("gradrepl.") and module is not None \
                    and name != __name__:  # (this module's own is what marks)
                _CONSTRUCTORS[name] = [key for key, value in vars(module).items()
                                       if value is _object_new or value is _new_marked]
        _modules_seen[0] = len(modules)
    return _CONSTRUCTORS


def marking(on: bool) -> None:
    """Swap the engine's constructors for the marking one (``on``) or back."""
    from gradrepl.engine.ops import operators

    constructor = _new_marked if on else _object_new
    for module, names in constructors().items():
        for name in names:
            setattr(sys.modules[module], name, constructor)
    if on:
        MADE[0] = True
        _saved_switch.append(operators.SHORT_PATHS)
        operators.SHORT_PATHS = False
    elif _saved_switch:
        operators.SHORT_PATHS = _saved_switch.pop()


def keep_normal(tensor: Tensor, array, normal_arrays) -> None:
    """A gradient made in inference mode is an inference tensor, except where torch's is (a view
    of) a normal gradient the caller gave: then ``tensor``, made from ``array``, is normal."""
    import numpy as np

    if isinstance(array, np.ndarray) and any(np.may_share_memory(array, normal)
                                             for normal in normal_arrays):
        tensor._inference = False


def refuse_saved(*tensors) -> None:
    """Raise torch's error when a tensor about to be saved for backward is an inference tensor."""
    for tensor in tensors:
        if isinstance(tensor, Tensor) and tensor._version_root()._inference:
            raise RuntimeError(SAVED_MESSAGE)
