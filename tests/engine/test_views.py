"""In-place changes through views (CopySlices, AsStridedBackward0, torch's view errors),
transcript by transcript against torch's, live or recorded (view_scenarios.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gtorch
from gradrepl.engine import views
from op_helper import live_torch, load_goldens
from view_scenarios import SCENARIOS, run

GOLDENS = load_goldens("engine_views.json")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_view_scenario_matches_torch(name):
    torch = live_torch()
    if torch is not None:
        expected = run(torch, name)
    else:
        assert name in GOLDENS, f"no golden for {name}: run scripts/record_view_goldens.py"
        expected = GOLDENS[name]
    assert run(gtorch, name) == expected


def test_every_view_scenario_has_a_golden():
    missing = [n for n in SCENARIOS if n not in GOLDENS]
    assert not missing, f"re-record with scripts/record_view_goldens.py: {missing}"


# ---------------------------------------------------------------------------------------------
# the pieces


@pytest.mark.parametrize("make", [
    lambda y: y[1], lambda y: y[:, 2], lambda y: y.t()[1:, ::2], lambda y: y.diagonal(1),
    lambda y: y.view(12)[3:9].view(2, 3), lambda y: y.unsqueeze(0)[0, 1:, None],
    lambda y: y.permute(1, 0)[1:3], lambda y: y[...],
])
def test_positions_are_where_the_view_reads(make):
    root = gtorch.arange(12.).view(3, 4).clone()
    view = make(root)
    where = views.positions(view)
    assert where.shape == tuple(view.shape)
    assert np.array_equal(root.numpy().reshape(-1)[where], view.numpy())


def test_positions_in_a_root_that_is_not_contiguous():
    # a tensor whose own memory is transposed (what t().contiguous() skips): flat indices still
    # count in C order over the root's shape
    data = np.arange(12.).reshape(4, 3).T
    root = gtorch.from_numpy(data)
    view = root[1]
    assert np.array_equal(root.numpy().reshape(-1)[views.positions(view)], view.numpy())


def test_dead_views_are_dropped():
    y = gtorch.ones(3, requires_grad=True) * 1
    for _ in range(500):
        y[0]
    assert len(y._views) < 200
