"""``F.linear``'s ``weight.t()`` made directly for a layer's own weight (``functional._weight_t``,
switch ``functional.SHORT_T``) against the general path (``shape.t``: ``view_op``, ``wrap``,
``_record_one``, ``views.track``): the same view, node, edges, view bookkeeping and gradients,
for every kind of weight the general path takes (the short path hands most of them back)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import gradrepl.torch as torch
from gradrepl.torch.nn import functional as F

KINDS = ("parameter", "leaf", "no_requires_grad", "non_leaf", "view", "vector", "float64",
         "no_grad_mode", "detached_alias")


def _weight(kind, rows, cols, values):
    data = torch.tensor(np.array(values, dtype=np.float32).reshape(rows, cols))
    if kind == "parameter":
        return torch.nn.Parameter(data)
    if kind == "float64":
        return torch.nn.Parameter(data.double())
    if kind == "no_requires_grad":
        return data
    if kind == "vector":
        return torch.tensor(values, requires_grad=True)
    base = data.requires_grad_()
    if kind == "non_leaf":
        return base * 2
    if kind == "view":
        return base[:, :]
    if kind == "detached_alias":
        return base.detach()
    return base


def _state(obj) -> dict:
    return {key: value for key, value in vars(obj).items() if key != "_sequence_nr"}


def _same(a, b) -> None:
    assert type(a) is type(b) and set(vars(a)) == set(vars(b))
    for key, value in _state(a).items():
        other = _state(b)[key]
        if isinstance(value, np.ndarray):
            assert value.shape == other.shape and value.strides == other.strides
            assert value.dtype == other.dtype and np.shares_memory(value, other)
        elif key == "grad_fn" and value is not None:
            _same_node(value, other)
        else:
            assert value is other or value == other, key


def _same_node(a, b) -> None:
    assert type(a) is type(b) and set(vars(a)) == set(vars(b))
    assert a._sequence_nr != b._sequence_nr
    for key, value in _state(a).items():
        other = vars(b)[key]
        if key == "_arrays":
            assert [x is y for x, y in zip(value, other)] == [True] * len(value)
        else:
            assert value is other or value == other, key


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(KINDS), st.integers(1, 4), st.integers(1, 4), st.data())
def test_the_short_t_is_the_general_t(monkeypatch, kind, rows, cols, data):
    values = data.draw(st.lists(st.integers(-8, 8).map(float), min_size=rows * cols,
                                max_size=rows * cols))
    weight = _weight(kind, rows, cols, values)
    made = []
    for short in (True, False):
        monkeypatch.setattr(F, "SHORT_T", short)
        if kind == "no_grad_mode":
            with torch.no_grad():
                made.append(F._weight_t(weight))
        else:
            made.append(F._weight_t(weight))
    short, general = made
    _same(short, general)
    root = weight._base if weight._base is not None else weight
    alive = [ref() for ref in (root._views or [])]
    assert any(v is short for v in alive) == any(v is general for v in alive)
    if short.requires_grad and short.grad_fn is not None:
        grads = []
        for view in made:
            leaf = weight if weight.grad_fn is None else root if root.grad_fn is None else None
            if leaf is not None:
                leaf.grad = None
            (view * torch.arange(float(view.numel())).reshape(view.shape).to(view.dtype)) \
                .sum().backward(retain_graph=True)
            grads.append(None if leaf is None else leaf.grad.numpy().tobytes())
        assert grads[0] == grads[1]
    with torch.no_grad():
        root.mul_(3)  # both views see the change: they share the memory
    assert short._data.tobytes() == general._data.tobytes()


def test_the_lesson_step_takes_the_short_t(monkeypatch):
    calls = []
    original = F._ops.t
    monkeypatch.setattr(F._ops, "t", lambda w: calls.append(w) or original(w))
    layer = torch.nn.Linear(3, 1)
    out = layer(torch.ones(10, 3))
    assert calls == [] and out.grad_fn.next_functions[2][0].name() == "TBackward0"
    with torch.no_grad():
        layer(torch.ones(10, 3))
    assert calls == [layer.weight]
    monkeypatch.setattr(F, "SHORT_T", False)
    layer(torch.ones(10, 3))
    assert len(calls) == 2


@pytest.mark.parametrize("short", [True, False])
def test_the_short_t_fails_as_the_general_t(monkeypatch, short):
    monkeypatch.setattr(F, "SHORT_T", short)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        F.linear(torch.ones(2, 3), torch.ones(1, 1, 3, requires_grad=True), torch.ones(1))
