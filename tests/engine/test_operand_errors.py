"""An argument that is neither a tensor nor a number: operators leave it to Python ("unsupported
operand type(s) for /: 'Tensor' and 'NoneType'"), torch.add/sub/mul/div and their methods name
it as torch's argument parser does, never returning NotImplemented as a value."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch
from op_helper import live_torch

SLIPS = ["x + None", "x * 'a'", "x ** None", "x / None", "None - x", "None * x", "x - [1]",
         "x % None", "x // None", "x.mul(None)", "x.add('a')", "torch.mul(x, None)",
         "torch.add(x, None)", "x.sub([1])", "x.div(object())", "torch.div(x, None)",
         "x.add(None, alpha=2)", "torch.sub(None, x)", "torch.mul(None, x)", "torch.sub(x, None)",
         "x == None", "x < None"]


def _outcome(T, source: str) -> str:
    x = T.ones(3)
    try:
        return repr(eval(source, {"torch": T, "x": x}))
    except Exception as error:  # the type and wording are what is compared
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("source", SLIPS)
def test_no_op_returns_not_implemented_as_its_value(source):
    assert "NotImplemented" not in _outcome(gtorch, source)


class Stranger:
    """A user type that takes part in arithmetic from the right: the operators must let it."""

    def __radd__(self, other):
        return "radd"

    def __rmul__(self, other):
        return "rmul"

    def __rtruediv__(self, other):
        return "rtruediv"

    def __rpow__(self, other):
        return "rpow"


def test_operators_leave_other_types_to_python():
    x = gtorch.ones(2)
    assert (x + Stranger(), x * Stranger(), x / Stranger(), x ** Stranger()) == ("radd", "rmul", "rtruediv", "rpow")


@pytest.mark.torch
@pytest.mark.parametrize("source", SLIPS)
def test_operand_slips_read_as_torch(source):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    assert _outcome(gtorch, source) == _outcome(torch, source)


COPY_SLIPS = ["torch.ones(2, 3).copy_(torch.ones(2, 4))", "torch.ones(2, 3).copy_(torch.ones(3, 3))",
              "torch.ones(3).copy_(torch.ones(2, 3))", "torch.ones(2, 3)[0].copy_(torch.ones(4))",
              "torch.ones(2, 3).copy_(torch.ones(1, 3)).shape", "x.__setitem__(0, __import__('numpy').ones(4))",
              "x.__setitem__(0, [1.0, 2.0])", "x.__setitem__(0, torch.ones(4))"]


@pytest.mark.torch
@pytest.mark.parametrize("source", COPY_SLIPS)
def test_copy_slips_read_as_torch(source):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    assert _outcome(gtorch, source) == _outcome(torch, source)
