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


# ---------------------------------------------------------------------------------------------
# docs/autograd.md's example prints what it says, on gradrepl and on torch

def _doc_example(module_name: str):
    import doctest
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "autograd.md").read_text()
    section = text.split("## In-place operations and views", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    block = block.replace("import gradrepl.torch as torch", f"import {module_name} as torch")
    test = doctest.DocTestParser().get_doctest(block, {}, "autograd.md", "docs/autograd.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_docs_example_runs_on_gradrepl():
    results = _doc_example("gradrepl.torch")
    assert results.attempted and not results.failed


@pytest.mark.torch
def test_docs_example_prints_the_same_on_torch():
    pytest.importorskip("torch")
    results = _doc_example("torch")
    assert results.attempted and not results.failed
