"""torch.optim: optimizer trajectories bit for bit, schedulers, state dicts and reprs."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
import gradrepl.torch.optim as goptim
from gradrepl.torch.optim import _kernels
from tests.cpu_vendor import MKL_MEASURED, UNMEASURED

CONFIGS = [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "weight_decay": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}), ("AdamW", {"lr": 0.003, "betas": (0.8, 0.99), "maximize": True}),
]
# Adam's denominator takes torch's float32 sqrt (MKL's, followed on Intel CPUs only:
# engine/float_math/mkl_sqrt.py): bit exact where MKL was measured
TAKES_SQRT = {"Adam", "AdamW"}
# these two take the square root of a running sum that reaches the parameters directly: bit exact
# where MKL's float32 sqrt is followed, elsewhere (one ulp low on some values) they agree to ~1e-7
SQRT_BOUND = [
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.1}),
]
SHAPES = [(7, 5), (16,), (33,)]


def _trajectory(torch, name, kwargs, steps=100):
    """Parameters after ``steps`` steps on seeded random gradients: only the optimizer's
    arithmetic is compared, not the model's forward and backward."""
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(*shape)) for shape in SHAPES]
    opt = getattr(torch.optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            p.grad = torch.randn(p.shape)
        opt.step()
    return [np.array(p.tolist(), dtype=np.float32) for p in params]


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}{k}" for n, k in CONFIGS])
def test_optimizer_is_bit_exact_over_100_steps(real_torch, name, kwargs):
    import gradrepl.torch.nn  # noqa: F401

    for ours, theirs in zip(_trajectory(gt, name, kwargs), _trajectory(real_torch, name, kwargs)):
        if name in TAKES_SQRT and not MKL_MEASURED:
            # MKL's float32 sqrt was measured correctly rounded (as ours is) on Intel only
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6, err_msg=UNMEASURED)
        else:
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs", SQRT_BOUND, ids=[f"{n}{k}" for n, k in SQRT_BOUND])
def test_sqrt_based_optimizers_agree_to_float32_rounding(real_torch, name, kwargs):
    import gradrepl.torch.nn  # noqa: F401

    for ours, theirs in zip(_trajectory(gt, name, kwargs), _trajectory(real_torch, name, kwargs)):
        if MKL_MEASURED:
            np.testing.assert_array_equal(ours, theirs)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6, err_msg=UNMEASURED)


def _kernel_cases():
    rng = np.random.default_rng(0)
    for n in list(range(1, 40)) + [1000, 1037]:
        a, b, c = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
        yield a, b, np.abs(c) + np.float32(0.1)


@pytest.mark.torch
@pytest.mark.parametrize("op", ["add", "lerp_small", "lerp_large", "addcmul", "addcdiv", "mul"])
def test_update_kernels_round_as_torch(real_torch, op):
    """Each in-place kernel torch's optimizers use, on 1 to 1037 elements (vector and tail)."""
    ours_and_theirs = {
        "add": (lambda a, b, c: _kernels.add(a, b, -0.01), lambda a, b, c: a.add_(b, alpha=-0.01)),
        "lerp_small": (lambda a, b, c: _kernels.lerp(a, b, 0.1), lambda a, b, c: a.lerp_(b, 0.1)),
        "lerp_large": (lambda a, b, c: _kernels.lerp(a, b, 0.9), lambda a, b, c: a.lerp_(b, 0.9)),
        "addcmul": (lambda a, b, c: _kernels.addcmul(a, b, c, 0.001),
                    lambda a, b, c: a.addcmul_(b, c, value=0.001)),
        "addcdiv": (lambda a, b, c: _kernels.addcdiv(a, b, c, -0.001),
                    lambda a, b, c: a.addcdiv_(b, c, value=-0.001)),
        "mul": (lambda a, b, c: _kernels.mul(a, 0.9), lambda a, b, c: a.mul_(0.9)),
    }
    ours, theirs = ours_and_theirs[op]
    for a, b, c in _kernel_cases():
        expected = theirs(*(real_torch.from_numpy(x.copy()) for x in (a, b, c))).numpy()
        np.testing.assert_array_equal(ours(a, b, c), expected)


def _optimizer_print_lesson(torch):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    extra = torch.nn.Parameter(torch.ones(2))
    for cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop,
                torch.optim.Adagrad):
        opt = cls(model.parameters(), lr=0.1)
        opt.add_param_group({"params": [extra], "lr": 0.5})
        print(opt)
        model(torch.randn(4, 3)).sum().backward()
        extra.grad = torch.ones(2)
        opt.step()
        print(opt.state_dict())
        opt.zero_grad()
        print(model.weight.grad, extra.grad)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt2 = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    opt2.load_state_dict(opt.state_dict())
    print(opt2.state_dict())
    for bad in ("torch.optim.SGD([], lr=0.1)", "torch.optim.SGD(model.parameters(), lr=-1)",
                "torch.optim.Adam(model.parameters(), betas=(1.0, 0.9))",
                "torch.optim.SGD(model.parameters(), nesterov=True)",
                "torch.optim.SGD(model.weight, lr=0.1)"):
        try:
            eval(bad, {"torch": torch, "model": model})
        except Exception as error:
            print(type(error).__name__, error)


def _scheduler_lesson(torch):
    sched = torch.optim.lr_scheduler
    param = torch.nn.Parameter(torch.ones(1))
    makers = [
        lambda o: sched.StepLR(o, step_size=3, gamma=0.5),
        lambda o: sched.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.3),
        lambda o: sched.ExponentialLR(o, gamma=0.9),
        lambda o: sched.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
        lambda o: sched.LambdaLR(o, lambda epoch: 1 / (epoch + 1)),
    ]
    for make in makers:
        opt = torch.optim.SGD([param], lr=0.1)
        scheduler = make(opt)
        lrs = []
        for _ in range(12):
            param.grad = torch.ones(1)
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
        print(type(scheduler).__name__, [repr(lr) for lr in lrs])
        if not isinstance(scheduler, sched.LambdaLR):
            print(scheduler.state_dict())
    opt = torch.optim.Adam([param], lr=0.1)
    plateau = sched.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for metric in [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]:
        plateau.step(metric)
        print(plateau.get_last_lr(), plateau.num_bad_epochs)
    print(plateau.state_dict())


@pytest.mark.torch
def test_optimizer_reprs_state_dicts_and_errors_match_torch(same_output):
    same_output(_optimizer_print_lesson)


@pytest.mark.torch
def test_schedulers_match_torch(same_output):
    same_output(_scheduler_lesson)


@pytest.mark.torch
def test_training_loop_matches_torch(same_output):
    """A whole regression lesson: forward, MSE, backward, SGD step, printed loss per step."""
    def lesson(torch):
        torch.manual_seed(0)
        x = torch.randn(100, 1)
        y = 3 * x + 2 + 0.1 * torch.randn(100, 1)
        model = torch.nn.Linear(1, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(20):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            print(step, f"{loss.item():.6f}")
        print(model.weight, model.bias)
    same_output(lesson)


@pytest.mark.torch
def test_classifier_lesson_prints_the_same_as_torch(same_output):
    """An MLP classifier with Adam, a shuffled DataLoader and ExponentialLR, printed as lessons
    print it (4 decimals): identical, although the last bits drift (docs/nn.md)."""
    def lesson(torch):
        nn = torch.nn
        torch.manual_seed(0)
        X = torch.randn(64, 4)
        y = (X[:, 0] + X[:, 1] > 0).long()
        data = torch.utils.data.TensorDataset(X, y)
        loader = torch.utils.data.DataLoader(data, batch_size=16, shuffle=True)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.LogSoftmax(dim=1))
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        for epoch in range(5):
            total = 0.0
            for xb, yb in loader:
                opt.zero_grad()
                loss = -model(xb)[torch.arange(len(yb)), yb].mean()
                loss.backward()
                opt.step()
                total += loss.item()
            scheduler.step()
            print(epoch, f"{total / 4:.4f}", scheduler.get_last_lr())
        with torch.no_grad():
            print((model(X).argmax(1) == y).float().mean(), model[2].bias)
    same_output(lesson)


# ---------------------------------------------------------------------------------------------
# Without torch

def test_sgd_step_is_the_formula():
    p = gt.nn.Parameter(gt.tensor([1.0, 2.0]))
    opt = goptim.SGD([p], lr=0.5)
    p.grad = gt.tensor([0.5, -1.0])
    opt.step()
    assert p.tolist() == [0.75, 2.5]


def test_zero_grad_sets_to_none_by_default():
    p = gt.nn.Parameter(gt.ones(2))
    p.grad = gt.ones(2)
    opt = goptim.Adam([p])
    opt.zero_grad()
    assert p.grad is None
    p.grad = gt.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]


def test_duplicate_parameters_across_groups_are_refused():
    p = gt.nn.Parameter(gt.ones(2))
    opt = goptim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_step_lr_halves_every_step_size():
    p = gt.nn.Parameter(gt.ones(1))
    opt = goptim.SGD([p], lr=1.0)
    scheduler = goptim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(6):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_scheduler_before_optimizer_warns():
    p = gt.nn.Parameter(gt.ones(1))
    opt = goptim.SGD([p], lr=1.0)
    scheduler = goptim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()


@pytest.mark.torch
def test_torch_runs_the_single_tensor_implementation_on_cpu(real_torch):
    """What the optimizers here reproduce: torch 2.13 picks neither foreach nor fused for CPU
    parameters, so its for-loop (_single_tensor_*) code runs."""
    from torch.optim.optimizer import _default_to_fused_or_foreach

    params = [real_torch.nn.Parameter(real_torch.ones(2))]
    assert _default_to_fused_or_foreach(params, differentiable=False, use_fused=False) == (False, False)
