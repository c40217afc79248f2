"""The in-place comparisons (``x.eq_(y)`` ...) and ``x.cumsum_(dim)``, against live torch:
values and dtype written into x, the version counter, the grad_fn recorded on a non-leaf, the
gradient that flows back, and the refusals (a leaf requiring grad, shapes that do not fit)."""

from __future__ import annotations

import warnings

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]


def _calls(lib, name):
    """(label, make self, call) for a comparison's in-place form."""
    def values(dtype):
        return lambda: lib.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]).to(getattr(lib, dtype))
    other = lambda: lib.tensor([2.0, 2.0, 0.5])  # noqa: E731
    method = lambda x, y: getattr(x, name + "_")(y)  # noqa: E731
    return [
        ("float number", values("float32"), lambda x: method(x, 2)),
        ("int float-number", values("int64"), lambda x: method(x, 2.5)),
        ("bool tensor", values("bool"), lambda x: method(x, other())),
        ("int64 tensor", values("int64"), lambda x: method(x, other())),
        ("float64 broadcast", values("float64"), lambda x: method(x, other()[None])),
        ("bad shape", values("float32"), lambda x: method(x, lib.ones(4))),
        ("grows", lambda: lib.ones(3), lambda x: method(x, lib.ones(2, 3))),
    ]


def _cumsum_calls(lib):
    return [
        ("float", lambda: lib.tensor([[1.0, 2.0], [3.0, 4.0]]), lambda x: x.cumsum_(1)),
        ("int32", lambda: lib.tensor([1, 2, 3], dtype=lib.int32), lambda x: x.cumsum_(0)),
        ("negative dim", lambda: lib.tensor([[1.0, 2.0], [3.0, 4.0]]), lambda x: x.cumsum_(-2)),
        ("dtype", lambda: lib.tensor([1.0, 2.0]), lambda x: x.cumsum_(0, dtype=lib.float64)),
        ("same dtype", lambda: lib.tensor([1.0, 2.0]), lambda x: x.cumsum_(0, dtype=lib.float32)),
        ("int dtype", lambda: lib.tensor([1, 2]), lambda x: x.cumsum_(0, dtype=lib.float32)),
        ("bad dim", lambda: lib.tensor([1.0, 2.0]), lambda x: x.cumsum_(3)),
    ]


def _observe(lib, make, call):
    seen = {}
    x = make()
    before = x._version
    try:
        returned = call(x)
    except Exception as error:
        return {"error": type(error).__name__, "message": str(error).splitlines()[0]}
    seen.update(same=returned is x, values=x.tolist(), dtype=str(x.dtype),
                version=x._version - before)
    if not x.is_floating_point():
        return seen
    # a leaf requiring grad is refused; a non-leaf records the op
    leaf = make().requires_grad_()
    try:
        call(leaf)
    except RuntimeError as error:
        seen["leaf"] = str(error)
    base = make().requires_grad_()
    y = base * 1
    call(y)
    seen["grad_fn"] = type(y.grad_fn).__name__
    y.sum().backward()
    seen["grad"] = base.grad.tolist()
    return seen


CASES = [(name, i) for name in COMPARISONS for i in range(len(_calls(torch, name)))]


@pytest.mark.parametrize("name, i", CASES)
def test_in_place_comparison_matches_torch(name, i):
    label, make, call = _calls(torch, name)[i]
    _, my_make, my_call = _calls(gtorch, name)[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _observe(gtorch, my_make, my_call) == _observe(torch, make, call), label


@pytest.mark.parametrize("i", range(len(_cumsum_calls(torch))))
def test_cumsum_in_place_matches_torch(i):
    label, make, call = _cumsum_calls(torch)[i]
    _, my_make, my_call = _cumsum_calls(gtorch)[i]
    assert _observe(gtorch, my_make, my_call) == _observe(torch, make, call), label
