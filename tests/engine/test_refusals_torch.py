"""Calls torch refuses, refused in torch's words (checked against live torch): rounded division
and remainder of bools (torch has no such kernel; numpy would answer in int8) and the matrix
products given something that is not a tensor (torch's argument parser names the argument)."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")

EXPRESSIONS = [
    "torch.div(b, c, rounding_mode='floor')", "torch.div(b, c, rounding_mode='trunc')",
    "torch.div(b, True, rounding_mode='floor')", "b // c", "b // True", "b // 2", "True // b",
    "torch.floor_divide(b, c)", "b % c", "b % True", "torch.remainder(b, c)", "torch.fmod(b, c)",
    "b.div(c, rounding_mode='floor')", "b.clone().div_(c, rounding_mode='floor')",
    "b.clone().floor_divide_(c)", "b.clone().__ifloordiv__(c)", "b.clone().remainder_(c)",
    "torch.div(torch.tensor(True), torch.tensor(True), rounding_mode='floor')",
    "torch.div(b, torch.tensor([1, 1]), rounding_mode='floor')",
    "torch.div(torch.tensor([], dtype=torch.bool), torch.tensor([], dtype=torch.bool), rounding_mode='floor')",
    "torch.mm(None, a)", "torch.mm(a, None)", "a.mm(None)", "torch.mm(a, [1])",
    "torch.mv(a, None)", "a.mv(1)", "torch.dot(v, 1)", "v.dot(None)", "torch.bmm(b3, None)",
    "b3.bmm(1.5)", "torch.mm(a, mat2=a)", "a.mm(mat2=a)", "torch.mv(a, vec=v)",
    "torch.dot(v, tensor=v)", "torch.bmm(b3, mat2=b3)",
]


def _outcome(lib, expression):
    scope = {"torch": lib, "b": lib.tensor([True, False]), "c": lib.tensor([True, True]),
             "a": lib.ones(2, 2), "v": lib.ones(2), "b3": lib.ones(1, 2, 2)}
    try:
        return repr(eval(expression, scope))  # noqa: S307 (test expressions)
    except Exception as error:  # noqa: BLE001 (the error is what is compared)
        return type(error).__name__, str(error)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_refused_in_torchs_words(expression):
    assert _outcome(gtorch, expression) == _outcome(torch, expression)
