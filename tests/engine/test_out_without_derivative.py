"""out= of ops torch has no derivative for (argmax, comparisons, nonzero, logical ops, all/any)
takes inputs that require grad, as torch's does; differentiable ops still refuse. Recorded
from torch 2.13 (test_out_without_derivative_torch.py compares live)."""

import pytest
from out_without_derivative_cases import CALLS, outcome

import gradrepl.torch as torch

RECORDED = {
    'argmax': ('tensor(1)', False, True, ['An output with one or more elements was resized since it had']),
    'argmax_dim': ('tensor([1, 0])', False, True, ['An output with one or more elements was resized since it had']),
    'argmin': ('tensor([1, 1, 1])', False, True, ['An output with one or more elements was resized since it had']),
    'eq': ('tensor([[ True, False,  True],\n        [ True, False, False]])', False, True, ['An output with one or more elements was resized since it had']),
    'ne': ('tensor([[False,  True, False],\n        [False,  True,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'lt': ('tensor([[False, False, False],\n        [False,  True,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'le': ('tensor([[ True, False, False],\n        [ True,  True,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'gt': ('tensor([[False,  True, False],\n        [False, False, False]])', False, True, ['An output with one or more elements was resized since it had']),
    'ge': ('tensor([[ True, False,  True],\n        [ True,  True,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'nonzero': ('tensor([[0, 0],\n        [0, 1],\n        [0, 2],\n        [1, 0],\n        [1, 1]])', False, True, ['An output with one or more elements was resized since it had']),
    'logical_and': ('tensor([[ True, False,  True],\n        [ True,  True, False]])', False, True, ['An output with one or more elements was resized since it had']),
    'logical_or': ('tensor([[True, True, True],\n        [True, True, True]])', False, True, ['An output with one or more elements was resized since it had']),
    'logical_xor': ('tensor([[False,  True, False],\n        [False, False,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'logical_not': ('tensor([[False, False, False],\n        [False, False,  True]])', False, True, ['An output with one or more elements was resized since it had']),
    'all': ('tensor(False)', False, True, ['An output with one or more elements was resized since it had']),
    'any_dim': ('tensor([True, True])', False, True, ['An output with one or more elements was resized since it had']),
    'floor_divide': ('tensor([[ 1., inf,  1.],\n        [ 1., -1.,  0.]], grad_fn=<NotImplemented>)', True, False, ['An output with one or more elements was resized since it had']),
    'floor_divide_other': ('tensor([[ 1.,  0.,  1.],\n        [ 1., -2., inf]], grad_fn=<NotImplemented>)', True, False, ['An output with one or more elements was resized since it had']),
    'floor_divide_into_grad': ('error', "aten::floor_divide(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
    'heaviside': ('tensor([[1., 1., 1.],\n        [1., 0., 4.]], grad_fn=<NotImplemented>)', True, False, ['An output with one or more elements was resized since it had']),
    'heaviside_into_grad': ('error', "aten::heaviside(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
    'floor': ('error', "floor(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
    'sign': ('error', "sign(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
}


@pytest.mark.parametrize("name", CALLS)
def test_out_of_an_op_without_derivative_is_torchs(name):
    assert outcome(torch, CALLS[name]) == RECORDED[name]


@pytest.mark.parametrize("op", ["floor_divide", "heaviside"])
def test_out_records_the_not_implemented_node(op):
    x = torch.tensor([1.5, -2.0, 0.0], requires_grad=True)
    y = torch.tensor([0.5, 0.5, 2.0])
    out = torch.empty(3)
    result = getattr(torch, op)(y, x, out=out)
    assert result is out and out._version == 1 and not out.is_leaf
    assert out.grad_fn.name() == "torch::autograd::NotImplemented"
    # edges to the inputs that require grad only, as torch's NotImplemented node has
    assert [type(fn).__name__ for fn, _ in out.grad_fn.next_functions] == ["AccumulateGrad"]
    with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
        out.sum().backward()
