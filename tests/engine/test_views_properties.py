"""Property: any chain of views followed by an in-place op on the last one gives the gradient
that finite differences (float64) give, through CopySlices and the regenerated views."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradrepl.torch as torch
from op_helper import live_torch

# view steps by name, each given the tensor and a source of drawn integers; FITS says when a
# step applies to the current shape (a step that does not fit is skipped)
STEPS = {
    "select": lambda t, d: t[d.draw(st.integers(0, t.shape[0] - 1))],
    "slice": lambda t, d: t[:, d.draw(st.integers(0, t.shape[1] - 1)):],
    "step": lambda t, d: t[::2],
    "t": lambda t, d: t.t(),
    "transpose": lambda t, d: t.transpose(0, -1),
    "unsqueeze": lambda t, d: t.unsqueeze(d.draw(st.integers(0, t.ndim))),
    "squeeze": lambda t, d: t.unsqueeze(0).squeeze(0),
    "diagonal": lambda t, d: t.diagonal(d.draw(st.integers(-1, 1))),
    "view": lambda t, d: t.view(-1),
    "alias": lambda t, d: t[...],
}
FITS = {
    "select": lambda t: t.ndim >= 1 and t.shape[0] > 0,
    "slice": lambda t: t.ndim >= 2 and t.shape[1] > 0,
    "step": lambda t: t.ndim >= 1,
    "t": lambda t: t.ndim <= 2,
    "transpose": lambda t: t.ndim >= 1,
    "unsqueeze": lambda t: t.ndim < 4,
    "squeeze": lambda t: True,
    "diagonal": lambda t: t.ndim >= 2 and min(t.shape) > 1,
    "view": lambda t: t.is_contiguous(),
    "alias": lambda t: True,
}
# in-place ops on the last view: (name, op given the view and the input x)
INPLACE = {
    "mul_": lambda v, x: v.mul_(1.5),
    "add_x": lambda v, x: v.add_(x.sum() * 0.5),
    "mul_x": lambda v, x: v.mul_(x[0, 0]),
    "zero_": lambda v, x: v.zero_(),
    "fill_": lambda v, x: v.fill_(2.0),
    "copy_": lambda v, x: v.copy_((x * x).sum()),
    "pow_": lambda v, x: v.pow_(2),
    "sigmoid_": lambda v, x: v.sigmoid_(),
    "setitem": lambda v, x: v.__setitem__(..., x.mean() * 3),
    # a (1,) value: torch views it without the leading 1, then expands it to the view's shape
    "setitem_expanded": lambda v, x: v.__setitem__(..., x[0, :1] * 2),
    "index_put": lambda v, x: v.__setitem__([0], x[1, 2] * 2) if v.ndim else v.mul_(2),
    "copy_float32": lambda v, x: v.copy_((x[2, 1] * 3).float()),
}


def _program(data):
    names = data.draw(st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=4))
    op = data.draw(st.sampled_from(sorted(INPLACE)))
    seed = data.draw(st.integers(0, 2 ** 16))
    then_base = data.draw(st.booleans())  # then change the base itself: the view follows
    # a base that does not require grad: only a value written into a view gives it a history
    plain_base = data.draw(st.booleans())
    return names, (op, then_base, plain_base), seed


def _run(x_values, names, op, data_for_steps):
    op, then_base, plain_base = op
    x = torch.tensor(x_values, dtype=torch.float64, requires_grad=True)
    y = torch.arange(12., dtype=torch.float64).view(3, 4) / 7 if plain_base else x * 1.25 + 0.5
    view = y
    for name, draw in zip(names, data_for_steps):
        if FITS[name](view):
            view = STEPS[name](view, draw)
    INPLACE[op](view, x)
    if then_base:
        y.mul_(x[1, 1])
    weights = torch.arange(1., y.numel() + 1, dtype=torch.float64).view(y.shape)
    return x, (y * y * weights).sum() + view.sum() + x.sum()


class _Replay:
    """Replays the integers one example drew, so that the numerical gradient walks the same
    views (hypothesis' draws cannot be repeated)."""

    def __init__(self, values):
        self.values = list(values)

    def draw(self, strategy):
        return self.values.pop(0)


class _Record:
    def __init__(self, data):
        self.data, self.values = data, []

    def draw(self, strategy):
        value = self.data.draw(strategy)
        self.values.append(value)
        return value


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_in_place_through_views_matches_finite_differences(data):
    names, op, seed = _program(data)
    # sigmoid_ saves its output, the view: changing the base after it makes backward fail (the
    # torch test below checks that error)
    assume(op[:2] != ("sigmoid_", True))
    assume(op[0] != "copy_float32")  # float32 rounding swamps a 1e-6 finite difference
    x0 = np.random.default_rng(seed).uniform(-1, 1, (3, 4))
    recorders = [_Record(data) for _ in names]
    x, loss = _run(x0, names, op, recorders)
    loss.backward()
    replay = [[*r.values] for r in recorders]

    def f(values):
        with torch.no_grad():
            return _run(values, names, op, [_Replay(v) for v in replay])[1].item()

    numerical = np.zeros_like(x0)
    eps = 1e-6
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        numerical[i] = (f(up) - f(down)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), numerical, rtol=1e-5, atol=1e-6,
                               err_msg=f"views {names}, then {op}")


def _graph_of(library, x_values, names, op, replay):
    """The same program on ``library``: its graph by name() and the gradient it gives."""
    global torch
    saved, torch = torch, library
    try:
        x, loss = _run(x_values, names, op, [_Replay(v) for v in replay])
        text = _names(loss.grad_fn)
        try:
            loss.backward()
        except RuntimeError as e:
            return text, str(e)
        return text, x.grad.tolist()
    finally:
        torch = saved


def _names(node, depth=0) -> str:
    if node is None or depth > 12:
        return "None"
    inner = ",".join(_names(n, depth + 1) for n, _ in node.next_functions)
    return f"{node.name()}({inner})"


@pytest.mark.torch
@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data())
def test_in_place_through_views_records_torch_graph(data):
    real = live_torch()
    if real is None:
        pytest.skip("needs torch")
    names, op, seed = _program(data)
    x0 = np.random.default_rng(seed).uniform(-1, 1, (3, 4))
    recorders = [_Record(data) for _ in names]
    _run(x0, names, op, recorders)  # draws the integers once, then both replay them
    replay = [[*r.values] for r in recorders]
    mine, grad = _graph_of(torch, x0, names, op, replay)
    theirs, their_grad = _graph_of(real, x0, names, op, replay)
    assert mine == theirs, f"views {names}, then {op}"
    if isinstance(their_grad, str):
        assert grad == their_grad
    else:
        np.testing.assert_allclose(grad, their_grad, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# t[index] = value with nothing to record writes straight into numpy: the same as the view path

_INDEX_ITEM = st.one_of(
    st.integers(-3, 2), st.none(), st.just(Ellipsis),
    st.builds(slice, st.one_of(st.none(), st.integers(-4, 4)), st.one_of(st.none(), st.integers(-4, 4)),
              st.one_of(st.none(), st.integers(1, 3))))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(_INDEX_ITEM, min_size=1, max_size=3), st.sampled_from(["number", "row", "column", "0d"]))
def test_direct_setitem_matches_the_view_path(items, kind):
    from gradrepl.engine.ops import inplace
    from gradrepl.engine.ops.indexing import getitem

    if sum(i is Ellipsis for i in items) > 1:
        return
    index = tuple(items)
    value = {"number": 7.5, "row": torch.arange(4.) + 10, "column": torch.ones(3, 1) * 3,
             "0d": torch.tensor(2)}[kind]

    def outcome(write):
        t = torch.arange(12.).view(3, 4).clone()
        try:
            write(t)
        except Exception as e:  # noqa: BLE001 - both paths must raise the same
            return type(e).__name__, str(e)
        return t.tolist(), t._version

    def general(t):
        view = getitem(t, index)
        inplace.copy_into(view, inplace._shaped_for(view, value))

    assert outcome(lambda t: t.__setitem__(index, value)) == outcome(general)
