"""nn.Parameter, nn.Module, the containers and the simple layers.

Differential tests (marked ``torch``) print the same lesson on gradrepl and on real PyTorch and
compare the text; the unit tests check the behaviour that must hold without torch installed.
"""

from __future__ import annotations

import pytest

import gradrepl.torch as gt
import gradrepl.torch.nn as gnn


# ---------------------------------------------------------------------------------------------
# Differential lessons

def _linear_lesson(torch):
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    print(layer, layer.weight, layer.bias, sep="\n")
    for shape in [(4, 3), (3,), (2, 4, 3)]:
        y = layer(torch.randn(*shape))
        print(y.grad_fn.name(), [f.name() if f is not None else None
                                 for f, _ in y.grad_fn.next_functions][1:])
    x = torch.randn(4, 3, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    print(y, layer.weight.grad, layer.bias.grad, x.grad, sep="\n")
    bare = torch.nn.Linear(3, 2, bias=False)
    print(bare, bare(torch.randn(4, 3)).grad_fn.name())
    print(torch.nn.functional.linear(torch.ones(2, 3), bare.weight))


def _containers_lesson(torch):
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2), nn.Softmax(dim=1))
    print(model, model[0], model[1:], model[-1], len(model), sep="\n")
    print(model(torch.randn(5, 4)))
    print([name for name, _ in model.named_parameters()])
    print(model.state_dict())
    model.append(nn.Tanh())
    del model[1]
    print(model)
    print(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]))
    print(nn.ModuleDict({"act": nn.ReLU(), "out": nn.LogSoftmax(dim=-1)}))
    print(nn.ParameterList([nn.Parameter(torch.ones(2, 3)), torch.zeros(4)]))
    print(nn.ParameterDict({"w": nn.Parameter(torch.ones(2, 3))}))
    print(nn.Flatten(), nn.Unflatten(1, (2, 5)), nn.Identity(), nn.ReLU(inplace=True))
    print(nn.Flatten()(torch.ones(2, 3, 4)).shape, nn.Unflatten(1, (2, 5))(torch.ones(3, 10)).shape)
    for cls in (nn.Sigmoid, nn.Tanh, nn.ReLU):
        print(cls()(torch.tensor([-1.0, 0.5], requires_grad=True)))
    print(nn.LogSoftmax(dim=1)(torch.tensor([[1.0, 2.0, 3.0]])))


def _custom_module_lesson(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.act = nn.Sigmoid()
            self.block = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
            self.register_buffer("running", torch.zeros(2))
            self.register_buffer("scratch", torch.ones(1), persistent=False)

        def forward(self, x):
            return self.block(self.act(self.fc1(x)))

    torch.manual_seed(2)
    net = Net()
    print(net)
    print(list(net.state_dict().keys()), [n for n, _ in net.named_buffers()])
    print([n for n, _ in net.named_modules()], [n for n, _ in net.named_children()])
    for attempt in ("net.missing", "net.fc1.weight = torch.zeros(4, 3)",
                    "net.load_state_dict({'fc1.weight': torch.zeros(4, 3), 'extra': torch.ones(1)})",
                    "net.load_state_dict({**net.state_dict(), 'fc1.bias': torch.zeros(5)})"):
        try:
            exec(attempt, {"net": net, "torch": torch})
        except Exception as error:  # the wording is what is compared
            print(type(error).__name__, error)
    print(net.load_state_dict({"fc1.weight": torch.zeros(4, 3), "extra": torch.ones(1)},
                              strict=False))
    print(net.load_state_dict(net.state_dict()))
    print(net.training, net.eval().training, net.block[0].training, net.train().block[1].training)
    handle = net.register_forward_hook(lambda module, args, output: output * 2)
    print(net(torch.ones(3)))
    handle.remove()
    net.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    print(net(torch.ones(3)))
    net(torch.ones(3)).sum().backward()
    print(net.fc1.weight.grad)
    net.zero_grad()
    print(net.fc1.weight.grad)
    net.double()
    print(net.fc1.bias, net.running.dtype, net.requires_grad_(False).fc1.bias.requires_grad)
    print(net.apply(lambda m: None) is net)


@pytest.mark.torch
def test_linear_matches_torch(same_output):
    same_output(_linear_lesson)


@pytest.mark.torch
def test_containers_match_torch(same_output):
    same_output(_containers_lesson)


@pytest.mark.torch
def test_custom_module_matches_torch(same_output):
    same_output(_custom_module_lesson)


@pytest.mark.torch
def test_parameter_matches_torch(same_output):
    def lesson(torch):
        torch.manual_seed(0)
        p = torch.nn.Parameter(torch.randn(2, 3))
        print(p, type(p), p.is_leaf, p.requires_grad, type(p * 2), type(p.detach()))
        print(torch.nn.Parameter(torch.ones(2), requires_grad=False))
        print(isinstance(p, torch.Tensor), (p * 2).grad_fn.name())
    same_output(lesson)


@pytest.mark.torch
def test_layer_errors_match_torch(same_output):
    def lesson(torch):
        layer = torch.nn.Linear(2, 3)
        attempts = [
            lambda: layer.cuda(), lambda: layer(torch.ones(4, 5)),
            lambda: layer(torch.ones(4, 2, dtype=torch.float64)),
            lambda: torch.addmm(torch.ones(2, dtype=torch.float64), torch.ones(3, 2), torch.ones(2, 2)),
            lambda: torch.addmm(torch.ones(3), torch.ones(3, 2), torch.ones(2, 2)),
            lambda: layer.to(torch.int64), lambda: torch.nn.Sequential(layer)[3],
        ]
        for attempt in attempts:
            try:
                attempt()
            except Exception as error:
                print(type(error).__name__, error)
        print(torch.addmm(torch.ones(2), torch.ones(3, 2), torch.ones(2, 2)))
    same_output(lesson)


@pytest.mark.torch
def test_classes_print_under_torchs_module_paths(same_output):
    def lesson(torch):
        data = torch.utils.data
        for cls in (torch.nn.Module, torch.nn.Linear, torch.nn.Sequential, torch.nn.ReLU,
                    torch.nn.Identity, torch.nn.Flatten, torch.nn.Parameter, torch.nn.ParameterList,
                    torch.optim.Optimizer, torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW,
                    torch.optim.RMSprop, torch.optim.Adagrad, torch.optim.lr_scheduler.StepLR,
                    torch.optim.lr_scheduler.ReduceLROnPlateau, data.DataLoader, data.Dataset,
                    data.TensorDataset, data.Subset, data.RandomSampler, data.BatchSampler):
            print(cls)
        print(type(torch.nn.Linear(1, 1).register_forward_hook(lambda *args: None)))
    same_output(lesson)


# ---------------------------------------------------------------------------------------------
# Without torch

def test_parameter_shares_memory_and_is_a_leaf():
    data = gt.zeros(3)
    p = gnn.Parameter(data)
    with gt.no_grad():
        p.add_(1)
    assert data.tolist() == [1.0, 1.0, 1.0]
    assert p.is_leaf and p.requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1., 1.], requires_grad=True)")


def test_linear_initial_weights_follow_the_generator():
    gt.manual_seed(0)
    layer = gnn.Linear(3, 2)
    gt.manual_seed(0)
    bound = 1 / 3 ** 0.5
    weight = gt.empty(2, 3).uniform_(-bound, bound)
    bias = gt.empty(2).uniform_(-bound, bound)
    assert gt.equal(layer.weight.detach(), weight) and gt.equal(layer.bias.detach(), bias)


def test_linear_gradient_matches_the_formula():
    gt.manual_seed(0)
    layer = gnn.Linear(3, 2).double()
    x = gt.randn(5, 3, dtype=gt.float64)
    layer(x).pow(2).sum().backward()
    y = (x @ layer.weight.detach().t() + layer.bias.detach())
    assert gt.allclose(layer.weight.grad, (2 * y).t() @ x)
    assert gt.allclose(layer.bias.grad, (2 * y).sum(0))


def test_sequential_slicing_and_renumbering():
    model = gnn.Sequential(gnn.ReLU(), gnn.Tanh(), gnn.Sigmoid())
    assert isinstance(model[1:], gnn.Sequential) and len(model[1:]) == 2
    del model[0]
    assert list(model._modules) == ["0", "1"] and isinstance(model[0], gnn.Tanh)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        model[5]


def test_state_dict_round_trip_and_strict_errors():
    gt.manual_seed(0)
    a, b = gnn.Linear(2, 2), gnn.Linear(2, 2)
    b.load_state_dict(a.state_dict())
    assert gt.equal(a.weight.detach(), b.weight.detach())
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bias"'):
        b.load_state_dict({"weight": gt.zeros(2, 2)})
    assert a.state_dict()._metadata == {"": {"version": 1}}


def test_assigning_a_tensor_to_a_parameter_slot_is_refused():
    layer = gnn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'"):
        layer.weight = gt.zeros(2, 2)


def test_missing_module_attribute_is_an_ordinary_attribute_error():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'fc9'"):
        gnn.Linear(2, 2).fc9


def test_unsupported_layer_says_so():
    from gradrepl.engine.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="torch.nn.Transformer"):
        gnn.Transformer


def test_module_method_torch_has_is_unsupported_not_missing():
    from gradrepl.engine.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="nn.Module.register_full_backward_hook"):
        gnn.Linear(2, 2).register_full_backward_hook


@pytest.mark.torch
def test_hardtanh_arguments_match_torch(same_output):
    # a learner's swapped bounds, and the min_value/max_value spelling of older tutorials
    def lesson(torch):
        import warnings

        try:
            torch.nn.Hardtanh(min_val=2.0, max_val=1.0)
        except AssertionError as error:
            print(type(error).__name__, error)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer = torch.nn.Hardtanh(min_value=-2.0, max_value=3.0)
        print(layer, [(w.category.__name__, str(w.message)) for w in caught])
        print(layer(torch.tensor([-5.0, 0.5, 5.0])))
    same_output(lesson)


@pytest.mark.torch
def test_learner_shape_and_dtype_slips_read_as_torch(same_output):
    # what a learner gets wrong first in a sequence or CNN lesson, each in torch's words
    def lesson(torch):
        nn = torch.nn
        attempts = [
            lambda: nn.Embedding(5, 3)(torch.tensor([1.0, 2.0])),
            lambda: nn.Embedding(5, 3)(torch.tensor([1.0], dtype=torch.float64)),
            lambda: nn.Embedding(5, 3)(torch.tensor([True])),
            lambda: nn.Embedding(5, 3)(torch.tensor([1], dtype=torch.int16)).shape,
            lambda: nn.Embedding(5, 3)(torch.tensor([1], dtype=torch.int32)).shape,
            lambda: nn.utils.rnn.pad_sequence([torch.ones(2, 3), torch.ones(2, 4)]),
            lambda: nn.BatchNorm1d(3)(torch.randn(2, 4)),
            lambda: nn.BatchNorm2d(3)(torch.randn(2, 4, 5, 5)),
            lambda: nn.BatchNorm1d(3).eval()(torch.randn(2, 4, 6)),
        ]
        for attempt in attempts:
            try:
                print(attempt())
            except Exception as error:  # the wording is what is compared
                print(type(error).__name__, error)
    same_output(lesson)
