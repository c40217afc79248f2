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


# ops without a dim reach the engine through registry._refusing_non_tensors (or with_out's call)
UNARY = ["abs_", "acos_", "arccos_", "arcsinh_", "argwhere", "bernoulli", "bitwise_not", "ceil_",
         "combinations", "cos_", "deg2rad_", "det", "detach", "detach_", "diag", "diag_embed",
         "diagonal", "exp_", "fix_", "flatten", "flip", "fliplr", "flipud", "histc", "inverse",
         "isfinite", "isinf", "isnan", "isneginf", "isreal", "logit", "nan_to_num", "neg", "neg_",
         "nonzero", "permute", "ravel", "reciprocal", "relu_", "rot90", "round", "round_",
         "sigmoid_", "signbit", "slogdet", "sqrt_", "square_", "svd", "t", "tanh_", "trace", "tril",
         "triu", "trunc_"]


@pytest.mark.parametrize("argument", ARGUMENTS)
@pytest.mark.parametrize("name", UNARY)
def test_an_op_of_no_tensor_is_torchs_type_error(name, argument):
    call = f"torch.{name}({argument})"
    assert outcome(gtorch, call) == outcome(torch, call)


def test_no_torch_function_meets_a_list_as_an_engine_attribute_error():
    """Every torch.<op> the registry makes: a list where the input goes is never an
    AttributeError from inside the engine where torch's parser refuses it (the words of a few
    differ still: an alias named as its op, arity checked before types; docs/ops.md)."""
    from gradrepl.engine.ops import registry

    leaks = []
    for name in sorted(registry.torch_functions()):
        if not hasattr(torch, name):
            continue
        call = f"torch.{name}([1., 2.])"
        ours, theirs = outcome(gtorch, call), outcome(torch, call)
        if ours.startswith("AttributeError") and theirs.startswith("TypeError"):
            leaks.append(f"{call}: {ours}")
    assert leaks == []


@pytest.mark.parametrize("argument", ARGUMENTS)
@pytest.mark.parametrize("name", ["dropout", "elu", "gelu", "hardtanh", "leaky_relu", "one_hot",
                                  "relu6", "silu", "softplus", "relu"])
def test_a_functional_of_no_tensor_is_torchs_type_error(name, argument):
    call = f"torch.nn.functional.{name}({argument})"
    import gradrepl.torch.nn.functional  # noqa: F401  (torch.nn.functional reached by attribute)
    import torch.nn.functional  # noqa: F401

    assert outcome(gtorch, call) == outcome(torch, call)
