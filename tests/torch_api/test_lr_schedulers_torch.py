"""MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR and SequentialLR against live torch: the
learning rate after every step (the same floats: torch's chainable formulas), the closed form
taken with ``step(epoch)``, state dicts, and the constructors' errors."""

import warnings

import pytest

import gradrepl.torch as gtorch

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


@pytest.mark.parametrize("call", ERRORS)
def test_constructor_errors_match_torch(call):
    def error(lib):
        opt = _optimizer(lib)
        try:
            eval(call, {"S": lib.optim.lr_scheduler, "opt": opt})
        except Exception as e:  # noqa: BLE001 (compared with torch's, whatever it is)
            return f"{type(e).__name__}: {e}"
        return None
    assert error(gtorch) == error(torch)
