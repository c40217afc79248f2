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
    # "@py_builtins" and "@pytest_ar": pytest's assertion rewriting, which marks every module of
    # a distribution with a pytest11 entry point (gradrepl's replay plugin), not a learner's name
    return {name for name in dir(module) if not name.startswith(("_", "@"))}


@pytest.mark.parametrize("name", MODULES)
def test_completion_offers_only_torchs_names(name):
    ours = public(importlib.import_module("gradrepl." + name))
    assert ours - public(importlib.import_module(name)) == KNOWN.get(name, set())


def layer_classes():
    import gradrepl.torch.nn as gnn

    return [name for name in sorted(dir(gnn)) if name[0].isupper() and name != "Parameter"
            and isinstance(getattr(gnn, name), type) and isinstance(getattr(torch.nn, name, None), type)]


@pytest.mark.parametrize("name", layer_classes())
def test_a_layers_argument_errors_name_the_class_torch_names(name):
    # nn.Conv2d(1, 2): "Conv2d.__init__() missing 1 required positional argument: 'kernel_size'"
    import gradrepl.torch.nn as gnn

    assert getattr(gnn, name).__init__.__qualname__ == getattr(torch.nn, name).__init__.__qualname__


@pytest.mark.parametrize("call", ["nn.Conv2d(1, 2)", "nn.Dropout(pp=0.5)", "nn.MaxPool2d()",
                                  "nn.LSTMCell(3)", "nn.ZeroPad2d()", "nn.Conv1d(1, 2, 3, strides=2)"])
def test_a_forgotten_or_misspelt_layer_argument_reads_as_in_torch(call):
    import gradrepl.torch.nn as gnn

    def message(nn):
        with pytest.raises(TypeError) as caught:
            eval(call, {"nn": nn})
        return str(caught.value)
    assert message(gnn) == message(torch.nn)
