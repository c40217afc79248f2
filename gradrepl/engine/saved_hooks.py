"""``torch.autograd.graph.saved_tensors_hooks`` and ``save_on_cpu``: hooks that see the tensors
a graph saves for backward.

While a ``saved_tensors_hooks(pack, unpack)`` block is active, what a custom Function saves with
``ctx.save_for_backward`` is passed through ``pack`` at once, and ``unpack`` is called on the
packed value when backward reads ``ctx.saved_tensors`` (the innermost block's hooks apply, as
in torch). gradrepl's built-in ops keep their saved values as numpy arrays and do not call the
hooks (see docs/autograd.md).
"""

from __future__ import annotations

import contextlib

from gradrepl.engine.tensor import Tensor

_stack: list = []  # (pack_hook, unpack_hook) of the active blocks, innermost last
_disabled: list = []  # messages of active disable_saved_tensors_hooks blocks


def pack(tensor: Tensor) -> tuple:
    """What a node keeps for a saved tensor: the tensor and its version, or the packed value."""
    if _stack:
        if _disabled:
            raise RuntimeError(_disabled[-1])
        pack_hook, unpack_hook = _stack[-1]
        return (_HOOKED, unpack_hook, pack_hook(tensor))
    return (tensor, tensor._version_root()._write_count)


def unpack(entry: tuple) -> tuple:
    """(tensor, version it must still be at) for a saved entry."""
    if entry[0] is _HOOKED:
        result = entry[1](entry[2])
        if not isinstance(result, Tensor):
            raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(result).__name__}")
        return result, result._version_root()._write_count
    return entry


_HOOKED = object()


class saved_tensors_hooks:
    """Context manager: ``pack_hook(tensor) -> anything``, ``unpack_hook(anything) -> tensor``."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _disabled:
            raise RuntimeError(_disabled[-1])
        _stack.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        _stack.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saves tensors on the CPU: gradrepl has only the CPU, so the hooks keep a copy."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        super().__init__(lambda t: t.detach().clone(), lambda packed: packed)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Inside this block, using saved-tensor hooks raises ``RuntimeError(error_message)``."""
    _disabled.append(error_message)
    try:
        yield
    finally:
        _disabled.pop()


for _obj in (saved_tensors_hooks, save_on_cpu, disable_saved_tensors_hooks):
    _obj.__module__ = "torch.autograd.graph"
