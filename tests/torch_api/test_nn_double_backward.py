"""create_graph=True through the nn rows (issue 9): the gradients are recorded under torch's
names (``MseLossBackwardBackward0``, ``ConvolutionBackwardBackward0`` ...) and differentiate
again to torch's values.

- the scan: every row of the nn op modules has a case, and its gradient differentiates twice;
- against live torch: each case's grad_fn names and first and second-order values (bit for bit
  where nn_double_cases.EXACT says so), and the Hessian of a small MLP loss;
- without torch: gradgradcheck (float64 finite differences) on every case.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import gradrepl.torch as gt
from gradrepl.engine.ops.primitive import Primitive
from tests.cpu_vendor import MKL_MEASURED
from tests.torch_api.nn_double_cases import (CASES, EXACT, EXACT_FLOAT32, NN_MODULES, ROWS,
                                             THROUGH_MKL_EXP)


def _second_order(lib, name, dtype="float64"):
    """grad_fn names of the create_graph gradients, their values, and the gradients of the sum
    of their squares (the gradient-penalty shape)."""
    fn, inputs = CASES[name](lib, dtype)
    grads = lib.autograd.grad(fn(*inputs), inputs, create_graph=True, allow_unused=True)
    names = [None if g is None or g.grad_fn is None else g.grad_fn.name() for g in grads]
    penalty = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
    second = lib.autograd.grad(penalty, inputs, allow_unused=True)
    return names, _arrays(grads), _arrays(second)


def _arrays(tensors):
    # torch returns an "efficient zero tensor" where a second derivative is known to be zero
    # (l1_loss), which refuses .numpy()
    return [None if t is None else np.zeros(tuple(t.shape)) if getattr(t, "_is_zerotensor",
                                                                       lambda: False)()
            else t.detach().numpy() for t in tensors]


def _nn_rows():
    """(module, row) for every forward nn row: the backward rows themselves (whose first input
    is a gradient) are what this file tests, not what it scans."""
    rows = []
    for module_name in NN_MODULES:
        module = importlib.import_module(f"gradrepl.engine.ops.{module_name}")
        for value in vars(module).values():
            for row in (value.values() if isinstance(value, dict) else (value,)):
                if isinstance(row, Primitive) and row.inputs[0] not in ("grad_output", "grad_out"):
                    rows.append((module_name, row))
    return rows


def _graph_names(tensor):
    seen, stack, names = set(), [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(node.name())
        stack.extend(fn for fn, _ in node.next_functions)
    return names


@pytest.mark.parametrize("module_name,row", _nn_rows(),
                         ids=lambda v: v if isinstance(v, str) else v.grad_fn_name)
def test_scan_every_nn_row_differentiates_twice(module_name, row):
    name = ROWS.get(row.grad_fn_name)
    assert name is not None, (f"{module_name}.{row.name} ({row.grad_fn_name}) has no "
                              "create_graph case in nn_double_cases.ROWS")
    fn, inputs = CASES[name](gt, "float64")
    loss = fn(*inputs)
    assert row.grad_fn_name in _graph_names(loss), f"case {name} does not run {row.name}"
    grads = gt.autograd.grad(loss, inputs, create_graph=True, allow_unused=True)
    assert any(g is not None and g.grad_fn is not None for g in grads)
    penalty = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
    gt.autograd.grad(penalty, inputs, allow_unused=True)  # raises if a row cannot


def test_cases_are_all_named_in_the_table():
    assert set(ROWS.values()) <= set(CASES)
    assert EXACT <= set(CASES)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_matches_torch(real_torch, name):
    want = _second_order(real_torch, name)
    got = _second_order(gt, name)
    assert got[0] == want[0]  # grad_fn names, as torch prints them
    for w, g in zip(want[1] + want[2], got[1] + got[2]):
        assert (w is None) == (g is None)
        if w is None:
            continue
        if name in EXACT and (MKL_MEASURED or name not in THROUGH_MKL_EXP):
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(EXACT_FLOAT32))
def test_second_order_matches_torch_in_float32(real_torch, name):
    want = _second_order(real_torch, name, "float32")
    got = _second_order(gt, name, "float32")
    assert got[0] == want[0]
    for w, g in zip(want[1] + want[2], got[1] + got[2]):
        if w is not None:
            np.testing.assert_array_equal(g, w)


def _graph(node, depth=2):
    """A grad_fn and its next_functions, by name, ``depth`` levels down."""
    if node is None or depth == 0:
        return None if node is None else node.name()
    return node.name(), tuple(None if n is None else (_graph(n, depth - 1), i)
                              for n, i in node.next_functions)


# where the graph below the gradient differs from torch's two levels down (the gradient's own
# node, printed by grad_fn, always matches): the composite forward ops record their own chains
# (cosine_similarity, normalize and kl_div use where for masked_fill; cross_entropy with
# probabilities and silu's 1.0 + x record AddBackward0 for torch's Scalar AddBackward1), linear's
# mm backward transposes with TransposeBackward0 where torch's stride-aware mm_mat2_backward
# records t(mm(t(grad), mat1)), bilinear orders its trilinear operands its own way, and the cubic
# head's pow records MulBackward0 where torch's records MulBackward1
_OWN_GRAPH_BELOW = {"bilinear", "cosine_similarity", "cross_entropy_probabilities", "kl_div",
                    "linear", "normalize", "prelu_weight_only", "silu"}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(set(CASES) - _OWN_GRAPH_BELOW))
def test_gradient_graph_matches_torch_two_levels_down(real_torch, name):
    def graphs(lib):
        fn, inputs = CASES[name](lib, "float64")
        grads = lib.autograd.grad(fn(*inputs), inputs, create_graph=True, allow_unused=True)
        return [None if g is None else _graph(g.grad_fn) for g in grads]
    assert graphs(gt) == graphs(real_torch)


def _some_inputs(lib, name, wanted):
    """_second_order with only the inputs ``wanted`` requiring grad: what each row records and
    saves depends on which inputs want a gradient."""
    fn, inputs = CASES[name](lib, "float64")
    inputs = [x.detach().requires_grad_(w) for x, w in zip(inputs, wanted)]
    leaves = [x for x in inputs if x.requires_grad]
    grads = lib.autograd.grad(fn(*inputs), leaves, create_graph=True)
    names = [None if g.grad_fn is None else g.grad_fn.name() for g in grads]
    differentiable = [g for g in grads if g.requires_grad]
    if not differentiable:  # e.g. bce_with_logits's target gradient, -x * grad, with x fixed
        return names, [g.detach().numpy() for g in grads]
    penalty = sum((g * g).sum() for g in differentiable)
    return names, _arrays(lib.autograd.grad(penalty, leaves, allow_unused=True))


@pytest.mark.torch
@pytest.mark.parametrize("name,wanted", [
    ("conv2d", (True, False, False)), ("conv2d", (False, True, False)),
    ("layer_norm", (True, False, False)), ("layer_norm", (False, True, True)),
    ("batch_norm_train", (True, False, False)), ("batch_norm_eval", (True, False, False)),
    ("prelu", (True, False)), ("prelu", (False, True)), ("bce", (True, False)),
    ("smooth_l1_loss", (True, False)), ("cross_entropy_probabilities", (True, False)),
    ("linear", (True, False, False)), ("linear", (False, True, False)),
    ("bilinear", (False, False, True, False)), ("bce_with_logits", (False, True))])
def test_second_order_with_some_inputs_matches_torch(real_torch, name, wanted):
    want, got = _some_inputs(real_torch, name, wanted), _some_inputs(gt, name, wanted)
    assert got[0] == want[0]
    for w, g in zip(want[1], got[1]):
        assert (w is None) == (g is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    fn, inputs = CASES[name](gt, "float64")
    gt.manual_seed(0)
    assert gt.autograd.gradgradcheck(fn, inputs)


@pytest.mark.torch
def test_gradient_of_gradient_prints_as_torch_prints_it(same_output):
    def lesson(torch):
        torch.manual_seed(0)
        x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        loss = torch.nn.functional.cross_entropy(x, torch.tensor([1, 0]))
        (g,) = torch.autograd.grad(loss, x, create_graph=True)
        print(g)
        print(torch.autograd.grad((g ** 2).sum(), x))
        w = torch.nn.Linear(2, 3).weight
        (gw,) = torch.autograd.grad(torch.nn.functional.linear(x, w).tanh().sum(), w,
                                    create_graph=True)
        print(gw)
    same_output(lesson)


def _mlp_hessian(lib, loss_kind, dtype):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    net = net.to(getattr(lib, dtype))
    x = lib.randn(5, 3, dtype=getattr(lib, dtype))
    if loss_kind == "mse":
        target, criterion = lib.randn(5, 2, dtype=getattr(lib, dtype)), lib.nn.MSELoss()
    else:
        target, criterion = lib.tensor([0, 1, 1, 0, 1]), lib.nn.CrossEntropyLoss()
    params = tuple(p.detach() for p in net.parameters())

    def loss(w1, b1, w2, b2):
        hidden = lib.tanh(lib.nn.functional.linear(x, w1, b1))
        return criterion(lib.nn.functional.linear(hidden, w2, b2), target)

    hessian = lib.autograd.functional.hessian(loss, params)
    sizes = [p.numel() for p in params]
    return np.block([[hessian[i][j].detach().numpy().reshape(sizes[i], sizes[j])
                      for j in range(4)] for i in range(4)])


@pytest.mark.torch
@pytest.mark.parametrize("loss_kind", ["mse", "cross_entropy"])
@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-14), ("float32", 1e-6)])
def test_mlp_hessian_matches_torch(real_torch, loss_kind, dtype, tolerance):
    # not bit for bit: tanh's float64 backward and the BLAS products already differ from torch's
    # in the last bit at first order
    want = _mlp_hessian(real_torch, loss_kind, dtype)
    got = _mlp_hessian(gt, loss_kind, dtype)
    np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("loss_kind", ["mse", "cross_entropy"])
def test_mlp_hessian_is_symmetric_and_numerically_right(loss_kind):
    hessian = _mlp_hessian(gt, loss_kind, "float64")
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-12)
    assert np.abs(hessian).max() > 1e-3  # not the zero matrix


def _gradient_penalty(lib, dtype):
    """A WGAN-GP critic step: the penalty on the critic's input gradient, differentiated into
    the weights (conv, leaky_relu, layer_norm, pooling, linear)."""
    lib.manual_seed(0)
    critic = lib.nn.Sequential(
        lib.nn.Conv2d(1, 2, 3, padding=1), lib.nn.LeakyReLU(0.2), lib.nn.AvgPool2d(2),
        lib.nn.Flatten(), lib.nn.LayerNorm(8), lib.nn.Linear(8, 1)).to(getattr(lib, dtype))
    x = lib.randn(3, 1, 4, 4, dtype=getattr(lib, dtype), requires_grad=True)
    (grad_x,) = lib.autograd.grad(critic(x).sum(), x, create_graph=True)
    penalty = ((grad_x.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    penalty.backward()
    # the biases after the last non-linearity do not move grad_x: their .grad stays None
    return [grad_x.grad_fn.name()] + [None if p.grad is None else p.grad.numpy()
                                      for p in critic.parameters()]


@pytest.mark.torch
@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-13), ("float32", 1e-5)])
def test_gradient_penalty_matches_torch(real_torch, dtype, tolerance):
    want, got = _gradient_penalty(real_torch, dtype), _gradient_penalty(gt, dtype)
    assert got[0] == want[0]
    for w, g in zip(want[1:], got[1:]):
        assert (w is None) == (g is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=tolerance, atol=tolerance)


def test_third_order_through_softmax_and_layer_norm():
    x = gt.randn(2, 3, dtype=gt.float64, requires_grad=True)
    y = gt.nn.functional.layer_norm(gt.nn.functional.softmax(x, 1), (3,))
    (g,) = gt.autograd.grad((y ** 3).sum(), x, create_graph=True)
    (h,) = gt.autograd.grad((g ** 2).sum(), x, create_graph=True)
    (k,) = gt.autograd.grad(h.sum(), x)
    assert k.shape == x.shape and np.isfinite(k.numpy()).all()


def test_mse_second_derivative_is_numerically_right():
    rng = np.random.default_rng(0)
    a, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = gt.tensor(a, requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.mse_loss(x, gt.tensor(t)), x, create_graph=True)
    (h,) = gt.autograd.grad((g ** 3).sum(), x)
    # d/dx sum((2/n (x - t))^3) = 3 (2/n)^3 (x - t)^2
    np.testing.assert_allclose(h.numpy(), 3 * (2 / a.size) ** 3 * (a - t) ** 2, rtol=1e-10)


def test_leaky_relu_gradient_of_gradient_is_zero_in_x():
    x = gt.tensor([-1.0, 2.0], dtype=gt.float64, requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.leaky_relu(x, 0.1).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "LeakyReluBackwardBackward0"
    np.testing.assert_array_equal(g.detach().numpy(), [0.1, 1.0])
    (h,) = gt.autograd.grad(g.sum(), x, allow_unused=True)
    assert h is None or not h.numpy().any()


def test_ordinary_backward_gives_the_target_gradients_torch_gives():
    # bce, bce_with_logits and kl_div differentiate their target too (a first-order check)
    x = gt.tensor([0.2, 0.7], dtype=gt.float64, requires_grad=True)
    t = gt.tensor([0.3, 0.9], dtype=gt.float64, requires_grad=True)
    gt.nn.functional.binary_cross_entropy(x, t).backward()
    np.testing.assert_allclose(t.grad.numpy(), -np.log(np.array([0.2, 0.7]) / [0.8, 0.3]) / 2)
    t.grad = None
    gt.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.numpy(), [-0.2, -0.7])
