"""Tensor methods lessons call that gradrepl lacked (dir(torch.Tensor) sweep, j-exact): select,
ravel, type_as, signbit and the numpy-style comparison names (greater, less_equal, not_equal
...), against live torch (skipped without it) and on their own."""

from __future__ import annotations

import pytest

import gradrepl.torch as gt

CALLS = [
    "x.select(1, 2)", "x.select(1, -1)", "torch.select(x, 0, 1)", "x.select(1, 5)", "x.select(2, 0)",
    "torch.tensor(1.).select(0, 0)", "x.select(1, -4)", "x.select(dim=1, index=0)", "x.ravel()",
    "x.t().ravel()", "x.t().ravel().grad_fn.next_functions[0][0].name()", "torch.ravel(x)",
    "x.type_as(torch.ones(1, dtype=torch.float64))", "x.type_as(x)", "x.type_as(x) is x",
    "x.type_as(torch.ones(1, dtype=torch.int64))", "x.type_as(3)", "x.long().signbit()",
    "torch.tensor([-0., 0., -1., float('nan'), -float('nan')]).signbit()",
    "torch.tensor([-1, 0, 2]).signbit()", "torch.tensor([True]).signbit()",
    "torch.tensor([1], dtype=torch.uint8).signbit()", "x.signbit()",
    "torch.signbit(x, out=torch.empty(2, 3, dtype=torch.bool))", "x.greater(2)", "torch.less(x, 3)",
    "x.detach().less_equal_(2)", "torch.not_equal(x, 1)", "x.greater_equal(torch.tensor(2.))",
]


def _outcome(torch, call):
    x = torch.arange(6.).view(2, 3).requires_grad_()
    try:
        value = eval(call, {"torch": torch, "x": x})
    except Exception as error:  # noqa: BLE001 - the words are what is compared
        return type(error).__name__, str(error)
    return repr(value), getattr(value, "grad_fn", None) and value.grad_fn.name()


@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


def test_new_methods_without_torch():
    x = gt.arange(6.).view(2, 3).requires_grad_()
    y = x.select(1, 2)
    assert y.tolist() == [2., 5.] and y.grad_fn.name() == "SelectBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [[0., 0., 1.], [0., 0., 1.]]
    assert x.t().ravel().tolist() == [0., 3., 1., 4., 2., 5.]
    assert x.type_as(gt.ones(1, dtype=gt.float64)).grad_fn.name() == "ToCopyBackward0"
    assert gt.tensor([-0., 0., -1.]).signbit().tolist() == [True, False, True]
    assert x.greater(2).tolist() == [[False, False, False], [True, True, True]]
    with pytest.raises(IndexError, match=r"select\(\): index 5 out of range for tensor of size"):
        x.select(1, 5)
