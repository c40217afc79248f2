"""%graph: the autograd graph as a text tree. Runs on any object with torch's autograd surface."""

from __future__ import annotations

import pytest

from gradrepl.repl.graph import draw_graph, graph_of


class Node:
    def __init__(self, name, *children, variable=None):
        self._name = name
        self.next_functions = tuple((c, 0) for c in children)
        if variable is not None:
            self.variable = variable

    def name(self):
        return self._name


class T:
    def __init__(self, grad_fn=None, shape="torch.Size([])", requires_grad=False):
        self.grad_fn, self.shape, self.requires_grad = grad_fn, shape, requires_grad


def test_leaves_show_variable_name_and_shape_and_constants_are_skipped():
    x = T(requires_grad=True)
    leaf = Node("torch::autograd::AccumulateGrad", variable=x)
    y = T(Node("AddBackward0", Node("MulBackward0", leaf, None), None))
    assert draw_graph(y, {"x": x, "y": y}) == (
        "AddBackward0\n"
        "└── MulBackward0\n"
        "    └── AccumulateGrad  x  torch.Size([])"
    )


def test_shared_subgraphs_are_drawn_once():
    w = T(requires_grad=True, shape="torch.Size([2])")
    leaf = Node("AccumulateGrad", variable=w)
    shared = Node("ExpBackward0", leaf)
    out = T(Node("MulBackward0", shared, shared))
    text = draw_graph(out, {"w": w})
    assert text.count("AccumulateGrad  w  torch.Size([2])") == 1
    assert "├── ExpBackward0\n│   └── AccumulateGrad  w  torch.Size([2])\n└── ExpBackward0  (shown above)" in text


def test_deep_graphs_do_not_recurse():
    node = Node("AccumulateGrad", variable=T())
    for _ in range(5000):
        node = Node("MulBackward0", node)
    assert len(draw_graph(T(node), {}).splitlines()) == 5001


def test_leaf_and_untracked_tensors():
    x = T(requires_grad=True)
    assert graph_of("x", {"x": x}) == "x is a leaf: AccumulateGrad  x  torch.Size([])"
    assert "does not track gradients" in graph_of("c", {"c": T()})
    assert "not a tensor" in graph_of("3", {})


def test_seed_polynomial_on_real_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor(2.0, requires_grad=True)
    y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
    text = graph_of("y", {"torch": torch, "x": x, "y": y})
    lines = text.splitlines()
    assert lines[0] == "AddBackward0"
    assert lines[-1] == "        └── AccumulateGrad  x  torch.Size([])"
    assert text.count("AccumulateGrad  x  torch.Size([])") == 4
    assert "PowBackward0" in text and "MulBackward0" in text
