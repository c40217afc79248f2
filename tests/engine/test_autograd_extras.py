"""Custom Functions, autograd.functional, gradcheck, hooks, the graph API, anomaly mode and
torch.func: transcripts (autograd_scenarios.py) against torch's, live or recorded."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch
from autograd_scenarios import KNOWN, SCENARIOS, run
from op_helper import live_torch, load_goldens

GOLDENS = load_goldens("autograd_scenarios.json")


def _param(name):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", [_param(n) for n in SCENARIOS])
def test_autograd_scenario_matches_torch(name):
    torch = live_torch()
    if torch is not None:
        expected = run(torch, name)
    else:
        assert name in GOLDENS, f"no golden for {name}: run scripts/record_engine_goldens.py"
        expected = GOLDENS[name]
    assert run(gtorch, name) == expected


def test_every_autograd_scenario_has_a_golden():
    missing = [n for n in SCENARIOS if n not in GOLDENS]
    assert not missing, f"re-record with scripts/record_engine_goldens.py: {missing[:10]}"
