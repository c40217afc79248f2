"""``t[i]`` for a Python int (indexing.SHORT_INT_INDEX) against the general indexing path: the
same values, view, layout, grad_fn, gradient and errors."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradrepl.torch as torch
from gradrepl.engine.ops import indexing


def _outcome(make, index):
    base = make()
    try:
        view = base[index]
    except Exception as exc:  # noqa: BLE001 (the error is what is compared)
        return ("error", type(exc), str(exc))
    described = [view.shape, view.stride(), view.dtype, view.is_contiguous(), view._base is base,
                 view.storage_offset(), type(view.grad_fn).__name__ if view.grad_fn else None,
                 view.numpy().tobytes() if not view.requires_grad else view.detach().numpy().tobytes()]
    if view.requires_grad:
        (view * 2).sum().backward()
        leaf = base if base.is_leaf else base._base
        described.append(leaf.grad.numpy().tobytes())
        described.append(base._version)
    else:
        if view.numel():
            view.fill_(7)  # a view writes through to the tensor it came from
        described.append(base.numpy().tobytes())
        described.append((base._version, view._version))
    return tuple(described)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 4), min_size=0, max_size=3), st.integers(-6, 6),
       st.sampled_from(["float32", "float64", "int64", "bool"]), st.booleans(),
       st.sampled_from(["plain", "transposed", "sliced"]))
def test_int_index_short_path_matches_the_general_path(monkeypatch, shape, index, dtype, grad, layout):
    grad = grad and dtype.startswith("float")

    def make():
        data = np.arange(int(np.prod(shape)) if shape else 1).reshape(shape).astype(dtype)
        t = torch.tensor(data, requires_grad=grad)
        if layout == "transposed" and t.ndim >= 2:
            t = t.transpose(0, 1)
        elif layout == "sliced" and t.ndim >= 1:
            t = t[1:]
        return t

    outcomes = []
    for short in (True, False):
        with monkeypatch.context() as patch:
            patch.setattr(indexing, "SHORT_INT_INDEX", short)
            outcomes.append(_outcome(make, index))
    assert outcomes[0] == outcomes[1]


def test_short_path_is_taken_for_a_sample(monkeypatch):
    calls = []
    monkeypatch.setattr(indexing, "_basic", lambda *a, **k: calls.append(a))
    row = torch.randn(5, 2)[3]
    assert calls == [] and row.shape == (2,)


# s-replay: a slice's start judged by its value (indexing._starts_at_zero), not by `in (None, 0)`

_WRITTEN_STARTS = (st.none() | st.integers(-6, 6) | st.booleans()
                   | st.integers(-6, 6).map(np.int64) | st.integers(-6, 6).map(np.int32)
                   | st.integers(-6, 6).map(lambda i: torch.tensor(i))
                   | st.integers(-6, 6).map(lambda i: torch.tensor(i, dtype=torch.int32)))


@settings(max_examples=300, deadline=None)
@given(_WRITTEN_STARTS)
def test_start_at_zero_answers_as_membership(written):
    """The test by value gives what ``written in (None, 0)`` gave (a tensor start compared with
    None, refused, then with 0) for every start a slice accepts."""
    assert indexing._starts_at_zero(written) == (written in (None, 0))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5), st.integers(-6, 6), st.one_of(st.none(), st.integers(-6, 6)),
       st.sampled_from([None, 1, 2]), st.sampled_from(["int", "tensor", "numpy"]), st.booleans())
def test_tensor_slice_bounds_index_as_their_ints(size, start, stop, step, kind, grad):
    """``t[i:j]`` with i and j tensors (a lesson's ``data[i:i + block_size]``) or numpy ints: the
    same values, view, grad_fn (a slice that keeps everything, judged on the start as written),
    gradient and errors as with Python ints."""
    def bound(value):
        if value is None or kind == "int":
            return value
        return torch.tensor(value) if kind == "tensor" else np.int64(value)

    def make():
        return torch.tensor(np.arange(size, dtype=np.float32) * 1.5, requires_grad=grad)

    assert (_outcome(make, slice(bound(start), bound(stop), step))
            == _outcome(make, slice(start, stop, step)))
