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


# numpy's names torch's argument parser also takes: axis= for dim=, keepdims= for keepdim=
NUMPY_NAMES = [
    "x.sum(1, keepdims=True)", "x.sum(axis=0)", "torch.sum(x, axis=1, keepdims=True)",
    "x.mean(axis=1, keepdims=True)", "x.max(axis=1)", "x.min(1, keepdims=True)",
    "x.argmax(axis=1, keepdims=True)", "x.std(axis=1)", "x.var(1, keepdims=True)",
    "x.amax(axis=0, keepdims=True)", "x.prod(axis=1)", "x.logsumexp(axis=1)",
    "x.cumsum(axis=1)", "torch.softmax(x, axis=1)", "x.log_softmax(axis=0)",
    "torch.cat([x, x], axis=0)", "torch.stack([x, x], axis=1)", "x.unsqueeze(axis=0)",
    "x.squeeze(axis=0)", "x.all(axis=1)", "x.any(1, keepdims=True)",
    "x.sum(1, keepdim=True, keepdims=True)", "x.sum(dim=1, axis=1)",
    "torch.nn.functional.softmax(x, axis=1)", "x.median(axis=1)", "x.sort(axis=1)",
    "x.topk(2, axis=1)", "torch.chunk(x, 2, axis=1)", "x.unbind(axis=0)",
    "torch.unflatten(x, axis=1, sizes=(2, 2))", "x.narrow(axis=0, start=0, length=1)",
    # written in Python in torch (torch/functional.py): no numpy names
    "torch.norm(x, dim=1, keepdims=True)", "torch.split(x, 2, axis=1)",
    "x.index_select(axis=0, index=torch.tensor([0]))", "x.cummax(axis=0)",
    "x.kthvalue(1, axis=0)", "torch.std_mean(x, axis=0)", "x.argsort(axis=0)",
    # an unknown keyword beside a numpy name: torch names the first keyword that is not one of
    # its own names (numpy's np.sum(x) passes axis=, dtype=, out=)
    "x.sum(axis=None, dtype=None, out=None)", "x.sum(axis=0, out=None)", "x.sum(dim=0, out=None)",
    "x.mean(keepdims=True, axis=1, bogus=1)", "torch.sum(x, axis=0, out=None)",
]
# torch's Python-written methods refuse them too (in Python's words, "Tensor.norm() got ...")
REFUSED_BY_PYTHON_METHODS = [
    "x.norm(dim=1, keepdims=True)", "x.split(2, axis=1)", "x.unflatten(axis=1, sizes=(2, 2))",
    "x.unique(axis=0)",
]


def _numpy_names_outcome(lib, expression):
    lib.manual_seed(0)
    scope = {"torch": lib, "x": lib.randn(3, 4)}
    try:
        result = eval(expression, scope)  # noqa: S307 (test expressions)
    except Exception as error:  # noqa: BLE001 (the error is what is compared)
        return type(error).__name__, str(error).splitlines()[0]
    return repr(result)


@pytest.mark.parametrize("expression", NUMPY_NAMES)
def test_numpy_names_for_dim_and_keepdim(expression):
    assert _numpy_names_outcome(gtorch, expression) == _numpy_names_outcome(torch, expression)


@pytest.mark.parametrize("expression", REFUSED_BY_PYTHON_METHODS)
def test_python_written_methods_take_no_numpy_names(expression):
    expected = _numpy_names_outcome(torch, expression)
    assert expected[0] == "TypeError"
    assert _numpy_names_outcome(gtorch, expression) == (
        "TypeError", expected[1].removeprefix("Tensor."))
