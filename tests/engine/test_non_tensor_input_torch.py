"""A list, a number or None where torch.<op> takes its input tensor: torch's argument parser's
TypeError, not an AttributeError from inside the engine (``torch.sum([loss1, loss2])``, a
learner's way to add up losses; s-learner, session 17). The reductions reached the engine
unchecked; they are refused in ops/registry.py's numpy-names wrapper, which every op with a
``dim`` already passes through, at no cost to a call that succeeds."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

REDUCTIONS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin",
              "argsort", "sort", "median", "nanmedian", "mode", "nansum", "nanmean",
              "count_nonzero", "squeeze", "unbind", "transpose"]
ARGUMENTS = ["[1., 2.]", "3", "None", "(1, 2)"]


def outcome(module, call: str) -> str:
    try:
        eval(call, {"torch": module})
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return "no error"


@pytest.mark.parametrize("argument", ARGUMENTS)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_a_reduction_of_no_tensor_is_torchs_type_error(name, argument):
    call = f"torch.{name}({argument})"
    assert outcome(gtorch, call) == outcome(torch, call)


@pytest.mark.parametrize("call", ["torch.sum([1., 2.], dim=0)", "torch.mean(3, 0)",
                                  "torch.max([1, 2], 0)", "torch.sum([1., 2.], axis=0)"])
def test_with_more_arguments_too(call):
    ours = outcome(gtorch, call)
    assert ours.startswith("TypeError: ") and ours == outcome(torch, call)
