"""The nn ops torch also has as ``torch.X`` (engine/ops/nn_layers.py, addmm.py), reached the way
torch's own namespace takes them: torch's argument order, printed results, gradients and errors,
against live torch."""

from __future__ import annotations

import numpy as np
import pytest

from op_helper import live_torch

F64 = "float64"


class _Leaves(list):
    """Makes float64 leaves that require grad, and keeps them to compare their gradients."""

    def __call__(self, T, values, shape):
        leaf = T.tensor(values, dtype=getattr(T, F64)).reshape(shape).requires_grad_()
        self.append(leaf)
        return leaf


def _run(T, name):
    leaves = _Leaves()
    out = CALLS[name](T, leaves)
    text = repr(out)
    (out * out).sum().backward()  # not out.sum(): layer_norm's gradient of that is zero
    grads = [None if leaf.grad is None else leaf.grad.tolist() for leaf in leaves]
    return text, out.grad_fn is not None and out.grad_fn.name(), grads


CALLS = {
    "addmm": lambda T, _leaf: T.addmm(_leaf(T, [1., 2.], (2,)), _leaf(T, [0., 1, 2, 3, 4, 5], (2, 3)),
                               _leaf(T, [1., -1, 2, 0, 3, 1], (3, 2))),
    "addmm_method_inplace": lambda T, _leaf: _leaf(T, [1., 2, 3, 4], (2, 2)).clone().addmm_(
        _leaf(T, [0., 1, 2, 3], (2, 2)), _leaf(T, [1., -1, 2, 0], (2, 2))),
    "prelu_method": lambda T, _leaf: _leaf(T, [1., -2, 3, -4], (2, 2)).prelu(_leaf(T, [0.25], (1,))),
    "conv2d": lambda T, _leaf: T.conv2d(_leaf(T, [float(i) for i in range(18)], (1, 2, 3, 3)),
                                 _leaf(T, [0.5, -1, 1, 2, 0, 1, -1, 3], (1, 2, 2, 2)), None, 1, 1),
    "batch_norm": lambda T, _leaf: T.batch_norm(
        _leaf(T, [1., 5, 2, 7, 3, 3], (3, 2)), _leaf(T, [2., 3], (2,)), _leaf(T, [0., 1], (2,)),
        T.zeros(2, dtype=T.float64), T.ones(2, dtype=T.float64), True, 0.1, 1e-5, False),
    "embedding": lambda T, _leaf: T.embedding(_leaf(T, [1., 2, 3, 4, 5, 6], (3, 2)),
                                       T.tensor([[2, 0], [1, 1]])),
    "max_pool2d": lambda T, _leaf: T.max_pool2d(_leaf(T, [float(i % 5) for i in range(16)], (1, 4, 4)), 2),
    "layer_norm": lambda T, _leaf: T.layer_norm(_leaf(T, [1., 5, 2, 7, 3, 3], (2, 3)), (3,)),
    "dropout_all": lambda T, _leaf: T.dropout(_leaf(T, [1., 2], (2,)), 1.0, True),
    "dropout_eval": lambda T, _leaf: T.dropout(_leaf(T, [1., 2], (2,)), 0.5, False),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CALLS))
def test_torch_namespace_nn_op_prints_and_differentiates_as_torch(name):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    import gradrepl.torch as gtorch

    (text, grad_fn, grads), (text_t, grad_fn_t, grads_t) = _run(gtorch, name), _run(torch, name)
    assert (text, grad_fn) == (text_t, grad_fn_t)
    for mine, theirs in zip(grads, grads_t):
        assert (mine is None) == (theirs is None)
        if theirs is not None:
            # float64: the same formulas, summed in another order at most (docs/nn.md)
            assert np.allclose(mine, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("dtypes", [("float32", "float64", "float64"), ("float64", "float32", "float64"),
                                    ("float64", "float64", "float32")])
def test_addmm_dtype_errors_are_torch_s(dtypes):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    import gradrepl.torch as gtorch

    def message(T):
        b, m1, m2 = (getattr(T, d) for d in dtypes)
        with pytest.raises(RuntimeError) as error:
            T.addmm(T.ones(2, dtype=b), T.ones(2, 3, dtype=m1), T.ones(3, 2, dtype=m2))
        return str(error.value)

    assert message(gtorch) == message(torch)
