"""Calls torch's argument parser or its indexing refuses, against live torch: the same error (type
and message) or the same result, and the same warnings. Each was a learner's slip gradrepl said
in other words (or took): ``torch.linspace(0, 1)``, ``torch.randint(10)``, ``torch.where(c, x)``,
``x.view(-1, n / 2)``, ``x[torch.tensor([1.])]`` (tests/lessons/corpus.py's known differences,
session 14)."""

import pytest

from test_learner_slips_torch import same_as_torch

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("code", [
    # too few or too many arguments, or a steps that is no int: the overloads listed
    "torch.linspace(0, 1)", "torch.linspace(start=0, end=1)", "torch.linspace(0, 1, 2.5)",
    "torch.linspace(0, 1, steps=None)", "torch.linspace(0, 1, 3, 4)", "torch.linspace(0, 1, 3)",
    "torch.eye()", "torch.arange(1, 2, 3, 4)", "torch.randperm()", "torch.rand()", "torch.randn()",
    "torch.randn_like(torch.ones(2), 3)",
    # randint: high alone, no size, an int for a size, a float bound; the forms torch takes
    "torch.randint(10)", "torch.randint(0, 10)", "torch.randint(0, 10, 3)", "torch.randint(high=10)",
    "torch.randint(low=0, high=10)", "torch.randint(2.5, (2,))", "torch.randint()",
    "torch.randint(0, 10, (2,), 5)", "torch.randint(10, size=(2,)).shape",
    "torch.randint(high=10, size=(2,)).shape", "torch.randint(3, 10, size=(2, 3)).shape",
    "torch.randint(10, (2,), dtype=torch.float32).dtype",
])
def test_factory_calls(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    "torch.where(torch.ones(2) > 0, torch.ones(2))",
    "torch.where(torch.ones(2) > 0, None, torch.ones(2))",
    "torch.where(torch.ones(2) > 0, torch.ones(2), None)",
    "torch.ones(2).where(torch.ones(2) > 0)",
    "torch.where(torch.ones(2) > 0, torch.ones(2), 0.)",
    "torch.where(torch.ones(2) > 0)",
])
def test_where_calls(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    # a later size that is no int fails to unpack; a first one matches no overload
    "torch.ones(3).view(3, 'a')", "torch.ones(6).view(-1, 6 / 2)", "torch.ones(3).view([3, 1.0])",
    "torch.ones(3).view(3, None)", "torch.ones(3).view(3, torch.tensor(1.))",
    "torch.ones(3).view('a')", "torch.ones(3).view(3.0, 1)", "torch.ones(3).view((3.0,))",
    "torch.ones(3).view(True, 3)", "torch.ones(3).view()",
    "torch.ones(3).reshape(3, 1.0)", "torch.ones(3).reshape([3.0, 1])", "torch.ones(3).reshape(3.0)",
    "torch.ones(3).reshape(3.0, 1)", "torch.ones(3).reshape()",
    # what it takes: ints of numpy and tensors, bools after the first, empty sizes, a dtype
    "torch.ones(3).view(3, True)", "torch.ones(3).view(np.int64(3), torch.tensor(1))",
    "torch.ones(1).view(())", "torch.ones(1).reshape([])", "torch.ones(6).view(torch.int32)",
])
def test_view_sizes(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    # index tensors are long, int, byte or bool: checked before a mask's shape or a bound
    "torch.ones(2, 3)[torch.tensor([1.])]", "torch.ones(2, 3)[0, torch.tensor([1.])]",
    "torch.ones(2, 3)[torch.tensor(1.)]", "torch.ones(0, 3)[torch.tensor([1.])]",
    "torch.ones(2, 3)[torch.tensor([1], dtype=torch.int16)]",
    "torch.ones(2, 3)[torch.tensor([5]), torch.tensor([1.])]",
    "torch.ones(2, 3).__setitem__(torch.tensor([1.]), 0)",
    "torch.ones(2, 3)[torch.tensor([1], dtype=torch.int32)]",
    # a uint8 index is a mask, with a warning; one with a one-element value goes to masked_fill_
    "torch.ones(2, 3)[torch.tensor([1, 0], dtype=torch.uint8)]",
    "torch.ones(2, 3)[torch.tensor(1, dtype=torch.uint8)]",
    "torch.ones(2, 3).__setitem__(torch.tensor([1, 0], dtype=torch.uint8), 5)",
    "torch.ones(2, 3).__setitem__((slice(None), torch.tensor([1, 0, 1], dtype=torch.uint8)), "
    "torch.tensor([[5.]]))",
    "torch.ones(2, 3).__setitem__(torch.tensor([1, 0], dtype=torch.uint8), torch.tensor([5., 6, 7]))",
])
def test_index_tensor_types(code):
    same_as_torch(code)
