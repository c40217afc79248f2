"""``grad_fn._saved_self`` / ``_saved_other`` / ``_saved_exponent`` / ``_saved_result`` ... as
torch answers them (engine/saved_attributes.py), and torch's error once a backward freed them:
outcomes recorded from torch 2.13 (test_saved_attributes_torch.py runs them against live torch)."""

import pytest
from saved_attribute_calls import outcome

import gradrepl.torch as torch

RECORDED = [
    ('(x * w).grad_fn._saved_self', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('(x * w).grad_fn._saved_other', 'tensor([4., 5., 6.], requires_grad=True)'),
    ('(x * w).grad_fn._saved_self is x', 'True'),
    ('(x * w).grad_fn._saved_other is w', 'True'),
    ('(x * 2).grad_fn._saved_other', 'tensor(2)'),
    ('(x * 2).grad_fn._saved_self', 'None'),
    ('(x * 2.5).grad_fn._saved_other', 'tensor(2.5000, dtype=torch.float64)'),
    ('(2 * x).grad_fn._saved_other', 'tensor(2)'),
    ('(x / 2).grad_fn._saved_other', 'tensor(2)'),
    ('(x / w).grad_fn._saved_self', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('(x.detach() * w).grad_fn._saved_self', 'tensor([1., 2., 3.])'),
    ('(x.detach() * w).grad_fn._saved_other', 'None'),
    ('(x ** 2).grad_fn._saved_exponent', '2'),
    ('(x ** 2.5).grad_fn._saved_exponent', '2.5'),
    ('(x ** 2).grad_fn._saved_self', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('(x ** w).grad_fn._saved_exponent', 'tensor([4., 5., 6.], requires_grad=True)'),
    ('(2 ** x).grad_fn._saved_self', '2'),
    ('(2 ** x).grad_fn._saved_exponent', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('(2 ** x).grad_fn._saved_result', 'tensor([2., 4., 8.], grad_fn=<PowBackward2>)'),
    ('x.exp().grad_fn._saved_result', 'tensor([ 2.7183,  7.3891, 20.0855], grad_fn=<ExpBackward0>)'),
    ('x.tanh().grad_fn._saved_result', 'tensor([0.7616, 0.9640, 0.9951], grad_fn=<TanhBackward0>)'),
    ('x.sigmoid().grad_fn._saved_result', 'tensor([0.7311, 0.8808, 0.9526], grad_fn=<SigmoidBackward0>)'),
    ('x.relu().grad_fn._saved_result', 'tensor([1., 2., 3.], grad_fn=<ReluBackward0>)'),
    ('x.exp().grad_fn._saved_result is x', 'False'),
    ('x.log().grad_fn._saved_self', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('x.sin().grad_fn._saved_self', 'tensor([1., 2., 3.], requires_grad=True)'),
    ('torch.dot(x, w).grad_fn._saved_tensor', 'tensor([4., 5., 6.], requires_grad=True)'),
    ('torch.vdot(x, w).grad_fn._saved_other', 'tensor([4., 5., 6.], requires_grad=True)'),
    ('(x.view(3, 1) @ w.view(1, 3)).grad_fn._saved_mat2', 'tensor([[4., 5., 6.]], grad_fn=<ViewBackward0>)'),
    ('torch.mv(torch.ones(2, 3), x).grad_fn._saved_vec', 'None'),
    ("[k for k in dir((x * w).grad_fn) if k.startswith('_saved')]", "['_saved_other', '_saved_self']"),
    ("[k for k in dir(x.exp().grad_fn) if k.startswith('_saved')]", "['_saved_result']"),
    ("[k for k in dir((x ** 2).grad_fn) if k.startswith('_saved')]", "['_saved_exponent', '_saved_self']"),
    ('(x * w).grad_fn._saved_exponent', "AttributeError: 'MulBackward0' object has no attribute '_saved_exponent'"),
    ('(x * w).grad_fn._saved_result', "AttributeError: 'MulBackward0' object has no attribute '_saved_result'"),
    ('((x * 1) * w).grad_fn._saved_self', 'tensor([1., 2., 3.], grad_fn=<MulBackward0>)'),
    ('y = x * w; y.sum().backward(); y.grad_fn._saved_self', 'RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.'),
    ('y = x * w; y.sum().backward(); y.grad_fn._saved_other', 'RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.'),
    ('y = x ** 2; y.sum().backward(); y.grad_fn._saved_exponent', '2'),
    ('y = x ** 2; y.sum().backward(); y.grad_fn._saved_self', 'RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.'),
    ('y = x.exp(); y.sum().backward(); y.grad_fn._saved_result', 'RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.'),
    ('y = x.tanh(); y.sum().backward(retain_graph=True); y.grad_fn._saved_result', 'tensor([0.7616, 0.9640, 0.9951], grad_fn=<TanhBackward0>)'),
]


@pytest.mark.parametrize("code, recorded", RECORDED, ids=[c for c, _ in RECORDED])
def test_saved_attributes_as_torch(code, recorded):
    assert outcome(torch, code) == recorded


def test_an_unknown_name_is_an_attribute_error():
    node = (torch.ones(2, requires_grad=True) * 2).grad_fn
    with pytest.raises(AttributeError, match="'MulBackward0' object has no attribute '_saved_x'"):
        node._saved_x
    assert not hasattr(node, "_saved_nothing_like_this")
