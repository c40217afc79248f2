"""Tensor hooks and retain_grad: where they are kept so the backward pass finds them.

A leaf's hooks live on the tensor (its AccumulateGrad is only weakly held and may be remade); a
non-leaf's live on its grad_fn, keyed by which output of that node the tensor is.
"""

from __future__ import annotations

import weakref

from gradrepl.engine.graph import _RemovableHandle


def add_tensor_hook(tensor, hook):
    if tensor.grad_fn is None:
        if tensor._hooks is None:
            tensor._hooks = []
        tensor._hooks.append(hook)
        return _RemovableHandle(tensor._hooks, hook)
    return tensor.grad_fn._add_pre_hook(tensor._output_nr, hook)


def add_retain_grad_hook(tensor) -> None:
    node = tensor.grad_fn
    if node._retained is None:
        node._retained = []
    node._special = True
    node._retained.append((tensor._output_nr, weakref.ref(tensor)))
