"""What Tab completion and ``dir()`` show of gradrepl's torch modules is a part of torch's names:
no helper of gradrepl's own (``present_as_torch``, ``np``, ``no_grad`` in ``torch.nn.init``,
``annotations`` from a ``__future__`` import) offered to a learner (s-learner, session 17)."""

from __future__ import annotations

import importlib

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

MODULES = ["torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.optim.lr_scheduler",
           "torch.utils.data", "torch.autograd", "torch.autograd.functional", "torch.nn.init",
           "torch.linalg", "torch.func", "torch.nn.utils"]

# Known and left: gradrepl's own subpackages and modules bound on their packages by the import
# system (torch deletes its optimizers' module names), and a switch the tests flip.
KNOWN = {"torch": {"docs"}, "torch.nn.functional": {"SHORT_T"},
         "torch.optim": {"adagrad", "adam", "optimizer", "rmsprop", "sgd"},
         "torch.utils.data": {"collate"}}


def public(module) -> set:
    return {name for name in dir(module) if not name.startswith("_")}


@pytest.mark.parametrize("name", MODULES)
def test_completion_offers_only_torchs_names(name):
    ours = public(importlib.import_module("gradrepl." + name))
    assert ours - public(importlib.import_module(name)) == KNOWN.get(name, set())
