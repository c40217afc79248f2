"""MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR and SequentialLR against live torch: the
learning rate after every step (the same floats: torch's chainable formulas), the closed form
taken with ``step(epoch)``, state dicts, and the constructors' errors."""

import warnings

import numpy as np
import pytest

import gradrepl.torch as gtorch
from tests.cpu_vendor import MKL_MEASURED, UNMEASURED

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SCHEDULES = [
    "S.MultiplicativeLR(opt, lr_lambda=lambda e: 0.95)",
    "S.MultiplicativeLR(opt, lr_lambda=[lambda e: 0.9, lambda e: 1 - e / 100])",
    "S.ConstantLR(opt, factor=0.5, total_iters=4)",
    "S.ConstantLR(opt)",
    "S.LinearLR(opt, start_factor=0.1, total_iters=3)",
    "S.LinearLR(opt, start_factor=1.0, end_factor=0.3, total_iters=7)",
    "S.PolynomialLR(opt, total_iters=6, power=2.0)",
    "S.PolynomialLR(opt)",
    "S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=3), "
    "S.CosineAnnealingLR(opt, T_max=5)], milestones=[3])",
    "S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.2, total_iters=2), "
    "S.ExponentialLR(opt, gamma=0.9), S.StepLR(opt, 2, 0.5)], milestones=[2, 5])",
]

ERRORS = [
    "S.ConstantLR(opt, factor=2.0)", "S.LinearLR(opt, start_factor=0)",
    "S.LinearLR(opt, end_factor=1.5)", "S.MultiplicativeLR(opt, lr_lambda=[lambda e: 1])",
    "S.MultiplicativeLR(opt, lr_lambda=0.5)", "S.SequentialLR(opt, [], milestones=[])",
    "S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[3])",
    "S.SequentialLR(opt, [S.ReduceLROnPlateau(opt)], milestones=[])",
]


def _optimizer(lib):
    a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)


def run(lib, schedule: str, steps: int = 10):
    opt = _optimizer(lib)
    scheduler = eval(schedule, {"S": lib.optim.lr_scheduler, "opt": opt})
    rates = [scheduler.get_last_lr()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(steps):
            opt.step()
            scheduler.step()
            rates.append([group["lr"] for group in opt.param_groups])
    state = scheduler.state_dict()
    return rates, scheduler.get_last_lr(), sorted(state), [str(w.message) for w in caught]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedule_matches_torch(schedule):
    assert run(gtorch, schedule) == run(torch, schedule)


@pytest.mark.parametrize("schedule", SCHEDULES[:8])
def test_closed_form_matches_torch(schedule):
    def closed(lib):
        opt = _optimizer(lib)
        scheduler = eval(schedule, {"S": lib.optim.lr_scheduler, "opt": opt})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = []
            for epoch in (3, 1, 8):
                opt.step()
                scheduler.step(epoch)
                out.append(scheduler.get_last_lr())
        return out
    assert closed(gtorch) == closed(torch)


def _error(call, lib, opt):
    """The error ``call`` raises with ``lib``'s schedulers on ``opt``, as "Type: message"."""
    try:
        eval(call, {"S": lib.optim.lr_scheduler, "opt": opt})
    except Exception as e:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(e).__name__}: {e}"
    return None


@pytest.mark.parametrize("call", ERRORS)
def test_constructor_errors_match_torch(call):
    assert _error(call, gtorch, _optimizer(gtorch)) == _error(call, torch, _optimizer(torch))


ONE_CYCLE = [
    ("SGD", "S.OneCycleLR(opt, max_lr=1.0, total_steps=12)"),
    ("SGD", "S.OneCycleLR(opt, max_lr=[0.3, 0.05], epochs=3, steps_per_epoch=4, "
            "anneal_strategy='linear')"),
    ("SGD", "S.OneCycleLR(opt, max_lr=0.1, total_steps=13, three_phase=True, pct_start=0.25)"),
    ("SGD", "S.OneCycleLR(opt, max_lr=0.1, total_steps=12, base_momentum=[0.8, 0.7], "
            "max_momentum=(0.9, 0.99), div_factor=10.0, final_div_factor=100.0)"),
    ("Adam", "S.OneCycleLR(opt, max_lr=0.01, total_steps=12)"),
    ("Adam", "S.OneCycleLR(opt, max_lr=0.01, total_steps=12, three_phase=True, "
             "anneal_strategy='linear')"),
    ("Adagrad", "S.OneCycleLR(opt, max_lr=0.01, total_steps=12, cycle_momentum=False)"),
]

ONE_CYCLE_ERRORS = [
    "S.OneCycleLR(opt, max_lr=0.1)", "S.OneCycleLR(opt, max_lr=0.1, total_steps=0)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=2.0)",
    "S.OneCycleLR(opt, max_lr=0.1, epochs=2)",
    "S.OneCycleLR(opt, max_lr=0.1, epochs=0, steps_per_epoch=3)",
    "S.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=-1)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=5, pct_start=1.5)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=5, pct_start=1)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=5, anneal_strategy='exp')",
    "S.OneCycleLR(opt, max_lr=[0.1], total_steps=5)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=5, base_momentum=[0.8, 0.8, 0.8])",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=5, last_epoch=3)",
    "S.OneCycleLR(3, max_lr=0.1, total_steps=5)",
    "S.OneCycleLR(opt, max_lr=0.1, total_steps=2)",   # one-step rise: 0 / 0
]


def _one_cycle_run(lib, kind, schedule):
    a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    extra = {"SGD": {"momentum": 0.9}}.get(kind, {})
    opt = getattr(lib.optim, kind)([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, **extra)
    scheduler = eval(schedule, {"S": lib.optim.lr_scheduler, "opt": opt})
    seen = [scheduler.get_last_lr()]
    for _ in range(scheduler.total_steps - 1):
        (a.sum() + b.sum()).backward()
        opt.step()
        scheduler.step()
        seen.append([(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups])
    moved = a.tolist() + b.tolist()
    state = scheduler.state_dict()
    try:
        scheduler.step()
        scheduler.step()
    except ValueError as e:
        seen.append(str(e))
    return (seen, scheduler.get_last_lr(), state), moved


@pytest.mark.parametrize("kind,schedule", ONE_CYCLE)
def test_one_cycle_matches_torch(kind, schedule):
    """Every rate and momentum (the same floats), the parameters they moved, the state dict, and
    the error for a step past total_steps."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (ours, our_params), (theirs, their_params) = (_one_cycle_run(lib, kind, schedule)
                                                      for lib in (gtorch, torch))
    assert ours == theirs
    if kind in _TAKES_SQRT and not MKL_MEASURED:  # Adam's denominator: MKL's float32 sqrt
        np.testing.assert_allclose(our_params, their_params, rtol=0, atol=1e-6,
                                   err_msg=UNMEASURED)
    else:
        assert our_params == their_params


# optimizers whose step divides by a float32 sqrt, MKL's, followed on Intel only
_TAKES_SQRT = ("Adam", "AdamW")


@pytest.mark.parametrize("call", ONE_CYCLE_ERRORS)
def test_one_cycle_errors_match_torch(call):
    def two_groups(lib):
        a = lib.nn.Parameter(lib.ones(2))
        b = lib.nn.Parameter(lib.ones(1))
        return lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    assert _error(call, gtorch, two_groups(gtorch)) == _error(call, torch, two_groups(torch))


def test_one_cycle_needs_momentum_like_torch():
    def error(lib):
        opt = lib.optim.Adagrad([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        try:
            lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5)
        except ValueError as e:
            return str(e)
    assert error(gtorch) == error(torch) is not None
