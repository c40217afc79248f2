"""torch.vdot and Tensor.vdot: dot's checks and sum under VdotBackward0 (torch hands a real vdot
to its dot), outcomes recorded from torch 2.13 (tests/torch_api/test_vdot_torch.py runs the
same calls against live torch)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from vdot_calls import outcome

import gradrepl.torch as torch

RECORDED = [
    ('torch.vdot(torch.ones(2,2), torch.ones(2,2))', 'RuntimeError: 1D tensors expected, but got 2D and 2D tensors'),
    ('torch.vdot(torch.ones(2), torch.ones(3))', 'RuntimeError: inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements, but got 2 and 3 elements respectively'),
    ('torch.vdot(torch.ones(2), torch.ones(2).double())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Double'),
    ('torch.vdot(torch.ones(2), 1)', "TypeError: vdot(): argument 'other' (position 2) must be Tensor, not int"),
    ('torch.ones(2).vdot(1)', "TypeError: vdot(): argument 'other' (position 1) must be Tensor, not int"),
    ('torch.vdot(1, torch.ones(2))', "TypeError: vdot(): argument 'input' (position 1) must be Tensor, not int"),
    ('torch.vdot(torch.tensor([1,2]), torch.tensor([3,4]))', 'tensor(11)'),
    ('torch.vdot(torch.tensor([1,2],dtype=torch.int32), torch.tensor([3,4],dtype=torch.int32))', 'tensor(11, dtype=torch.int32)'),
    ('torch.vdot(torch.tensor([True]), torch.tensor([True]))', 'NotImplementedError: "dot" not implemented for \'Bool\''),
    ('torch.vdot(torch.tensor([1.,2.],dtype=torch.float16), torch.tensor([3.,4.],dtype=torch.float16))', 'tensor(11., dtype=torch.float16)'),
    ('torch.vdot(torch.ones(0), torch.ones(0))', 'tensor(0.)'),
    ('torch.vdot(torch.ones(()), torch.ones(()))', 'RuntimeError: 1D tensors expected, but got 0D and 0D tensors'),
    ('torch.vdot(torch.ones(2), torch.ones(2), out=torch.empty((), dtype=torch.float64))', 'RuntimeError: result dtype Double does not match input dtype Float'),
    ('torch.vdot(input=torch.ones(2), other=torch.ones(2))', 'tensor(2.)'),
    ('torch.ones(2).vdot(other=torch.ones(2))', 'tensor(2.)'),
    ('torch.vdot(torch.ones(2), tensor=torch.ones(2))', 'TypeError: vdot() missing 1 required positional arguments: "other"'),
    ('torch.dot(torch.ones(2), torch.ones(2).double())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Double'),
    ('torch.vdot(torch.ones(2), torch.ones(2,1))', 'RuntimeError: 1D tensors expected, but got 1D and 2D tensors'),
    ('torch.vdot(torch.tensor([-0.]), torch.tensor([0.]))', 'tensor(0.)'),
    ('torch.vdot(torch.ones(2, dtype=torch.uint8), torch.ones(2, dtype=torch.uint8))', 'tensor(2, dtype=torch.uint8)'),
    ('torch.vdot(torch.ones(4)[::2], torch.ones(4)[::2])', 'tensor(2.)'),
    ('torch.vdot(torch.ones(2), torch.ones(2), 1)', 'TypeError: vdot() takes 2 positional arguments but 3 were given'),
    ('torch.ones(2).vdot()', 'TypeError: vdot() missing 1 required positional arguments: "other"'),
    ('torch.vdot(torch.ones(2,requires_grad=True), torch.ones(2), out=torch.empty(()))', "RuntimeError: vdot(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
    ('torch.vdot(torch.ones(2,requires_grad=True), torch.ones(2))', 'tensor(2., grad_fn=<VdotBackward0>)'),
    ('torch.ones(2,requires_grad=True).vdot(torch.ones(2)).grad_fn.name()', "'VdotBackward0'"),
    ('torch.vdot(torch.tensor([1e30, 1e30]), torch.tensor([1e30, 1e30]))', 'tensor(inf)'),
    ('torch.vdot(torch.tensor([2, 3]), torch.tensor([2**62, 2**62]))', 'tensor(4611686018427387904)'),
    ('torch.vdot(torch.ones(2), torch.ones(2,1).squeeze(1).T)', 'tensor(2.)'),
    ('torch.ones(3).vdot(torch.ones(3).int())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Int'),
    ('torch.vdot(torch.ones(2), torch.ones(2), out=torch.empty(()))', 'tensor(2.)'),
    ('torch.dot(torch.ones(2,2), torch.ones(2,2))', 'RuntimeError: 1D tensors expected, but got 2D and 2D tensors'),
    ('torch.dot(torch.ones(2), torch.ones(3))', 'RuntimeError: inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements, but got 2 and 3 elements respectively'),
    ('torch.dot(torch.ones(2), torch.ones(2).double())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Double'),
    ('torch.dot(torch.ones(2), 1)', "TypeError: dot(): argument 'tensor' (position 2) must be Tensor, not int"),
    ('torch.ones(2).dot(1)', "TypeError: dot(): argument 'tensor' (position 1) must be Tensor, not int"),
    ('torch.dot(1, torch.ones(2))', "TypeError: dot(): argument 'input' (position 1) must be Tensor, not int"),
    ('torch.dot(torch.tensor([1,2]), torch.tensor([3,4]))', 'tensor(11)'),
    ('torch.dot(torch.tensor([1,2],dtype=torch.int32), torch.tensor([3,4],dtype=torch.int32))', 'tensor(11, dtype=torch.int32)'),
    ('torch.dot(torch.tensor([True]), torch.tensor([True]))', 'NotImplementedError: "dot" not implemented for \'Bool\''),
    ('torch.dot(torch.tensor([1.,2.],dtype=torch.float16), torch.tensor([3.,4.],dtype=torch.float16))', 'tensor(11., dtype=torch.float16)'),
    ('torch.dot(torch.ones(0), torch.ones(0))', 'tensor(0.)'),
    ('torch.dot(torch.ones(()), torch.ones(()))', 'RuntimeError: 1D tensors expected, but got 0D and 0D tensors'),
    ('torch.dot(torch.ones(2), torch.ones(2), out=torch.empty((), dtype=torch.float64))', 'RuntimeError: result dtype Double does not match input dtype Float'),
    ('torch.dot(torch.ones(2), torch.ones(2).double())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Double'),
    ('torch.dot(torch.ones(2), torch.ones(2,1))', 'RuntimeError: 1D tensors expected, but got 1D and 2D tensors'),
    ('torch.dot(torch.tensor([-0.]), torch.tensor([0.]))', 'tensor(0.)'),
    ('torch.dot(torch.ones(2, dtype=torch.uint8), torch.ones(2, dtype=torch.uint8))', 'tensor(2, dtype=torch.uint8)'),
    ('torch.dot(torch.ones(4)[::2], torch.ones(4)[::2])', 'tensor(2.)'),
    ('torch.dot(torch.ones(2), torch.ones(2), 1)', 'TypeError: dot() takes 2 positional arguments but 3 were given'),
    ('torch.ones(2).dot()', 'TypeError: dot() missing 1 required positional arguments: "tensor"'),
    ('torch.dot(torch.ones(2,requires_grad=True), torch.ones(2), out=torch.empty(()))', "RuntimeError: dot(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."),
    ('torch.dot(torch.ones(2,requires_grad=True), torch.ones(2))', 'tensor(2., grad_fn=<DotBackward0>)'),
    ('torch.ones(2,requires_grad=True).dot(torch.ones(2)).grad_fn.name()', "'DotBackward0'"),
    ('torch.dot(torch.tensor([1e30, 1e30]), torch.tensor([1e30, 1e30]))', 'tensor(inf)'),
    ('torch.dot(torch.tensor([2, 3]), torch.tensor([2**62, 2**62]))', 'tensor(4611686018427387904)'),
    ('torch.dot(torch.ones(2), torch.ones(2,1).squeeze(1).T)', 'tensor(2.)'),
    ('torch.ones(3).dot(torch.ones(3).int())', 'RuntimeError: dot : expected both vectors to have same dtype, but found Float and Int'),
    ('torch.dot(torch.ones(2), torch.ones(2), out=torch.empty(()))', 'tensor(2.)'),
]


@pytest.mark.parametrize("call, recorded", RECORDED, ids=[call for call, _ in RECORDED])
def test_vdot_and_dot_answer_as_torch(call, recorded):
    assert outcome(torch, call) == recorded


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.sampled_from(["float32", "float64"]), st.integers(0, 2**32 - 1))
def test_vdot_sums_as_dot_does(n, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = (torch.from_numpy(rng.standard_normal(n).astype(dtype)) for _ in range(2))
    assert torch.vdot(a, b).numpy().tobytes() == torch.dot(a, b).numpy().tobytes()
    assert a.vdot(b).numpy().tobytes() == a.dot(b).numpy().tobytes()


def test_vdot_records_vdot_backward_and_its_gradients():
    a = torch.tensor([1., 2., 3.], requires_grad=True)
    b = torch.tensor([4., 5., 6.], requires_grad=True)
    y = a.vdot(b)
    assert repr(y) == "tensor(32., grad_fn=<VdotBackward0>)"
    assert y.grad_fn.name() == "VdotBackward0"
    y.backward()
    assert a.grad.tolist() == [4., 5., 6.] and b.grad.tolist() == [1., 2., 3.]
