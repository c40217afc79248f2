"""The layout of gradients against live torch: what a hook sees (strides, contiguity) after
sums, means and products at every size, what a leaf's .grad keeps, what an in-place write into
a hook's gradient does, and what autograd.grad hands back."""

from __future__ import annotations

import pytest
from gradient_layout_cases import LEAVES, REDUCTIONS, SHAPES, seen_by_hook

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES + [(1, 1), (4, 1, 3), (16384,), (128, 128)], ids=str)
def test_gradient_layout_matches_torch(name, shape):
    assert seen_by_hook(gtorch, shape, REDUCTIONS[name]) == seen_by_hook(torch, shape, REDUCTIONS[name])


@pytest.mark.parametrize("leaf", LEAVES)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_a_leafs_grad_layout_matches_torch(leaf, name):
    ours = seen_by_hook(gtorch, None, REDUCTIONS[name], LEAVES[leaf])
    assert ours == seen_by_hook(torch, None, REDUCTIONS[name], LEAVES[leaf])


def _write_in_hook(lib, size, reduce):
    x = lib.ones(size, requires_grad=True)
    outcome = []

    def hook(g):
        try:
            g.add_(1)
            outcome.append("written")
        except RuntimeError as error:
            outcome.append(str(error))

    x.register_hook(hook)
    reduce(lib, x).backward()
    return outcome, x.grad.tolist()


@pytest.mark.parametrize("size", [1, 2, 5, 20000])
@pytest.mark.parametrize("name", ["sum", "mean", "times_two"])
def test_writing_into_a_hooks_gradient_matches_torch(size, name):
    assert _write_in_hook(gtorch, size, REDUCTIONS[name]) == _write_in_hook(torch, size, REDUCTIONS[name])


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_grad_layout_matches_torch(name, create_graph):
    def layout(lib):
        x = lib.ones(2, 3, requires_grad=True)
        g, = lib.autograd.grad(REDUCTIONS[name](lib, x), x, create_graph=create_graph)
        return g.stride(), g.is_contiguous()

    assert layout(gtorch) == layout(torch)
