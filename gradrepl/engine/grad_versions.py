"""The ``_version`` a gradient has when backward hands it over, as torch's engine leaves it.

gradrepl's gradients are numpy arrays summed out of place; torch's are tensors whose version
counter counts the in-place changes made while they were built, and ``x.grad._version`` shows
them (torch 2.13, measured against live torch in tests/engine/test_exact_outcomes_torch.py):

- InputBuffer::accumulate adds a second gradient arriving for the same input *in place* into
  the first (``old.add_(new)``: one more version) when grad mode is off and the buffer alone
  holds the first, which is non-overlapping and dense; otherwise ``old + new``, a new tensor at
  version 0. So ``(x * x).sum()`` leaves ``x.grad._version`` 1 and W1's polynomial 3, but
  ``(x * 2 + x).sum()`` 0 (the first to arrive is the sum's stride-0 gradient).
- AccumulateGrad keeps a leaf's first gradient itself (its version with it) when nothing else
  holds it and it has the leaf's layout; otherwise it copies it, with ``empty_strided(...)
  .copy_(grad)`` for a dense leaf: version 1. ``x.sum().backward()`` (the stride-0 gradient),
  ``x.backward(g)``, ``s.backward()`` of a 0-d leaf (Python holds the implicit ones) and
  ``(s + 3).backward()`` (AddBackward0 hands on that same tensor) give 1.

Nothing here changes a value: the walk notes each add torch may make in place, ``(old,
sum)``, and the version is worked out from those notes when a ``.grad`` is made.
"""

from __future__ import annotations

from sys import getrefcount as _getrefcount

import numpy as np

from gradrepl.engine.sinks import _dense, _obeys_layout

_ndarray = np.ndarray
_SCALARS = frozenset((np.float16, np.float32, np.float64, np.int64, np.int32, np.int16, np.int8,
                      np.uint8, np.bool_))  # a 0-d tensor's data (tensor.py)


def summed(state, old, new, holders: int):
    """``old + new`` for an input buffer, noting the add where torch may make it in place.
    ``holders``: the references to ``old`` when the buffer alone holds it (the walk's own, this
    call's and getrefcount's; one more is allowed for the tuple of gradients of the node
    running, which torch moves out of its outputs one by one). Like torch's use_count test, a
    gradient the caller or a ``.grad`` holds is added out of place, and so is one handed on to
    two buffers (AddBackward0), except where it is one of the running node's own (a rare miss,
    docs/autograd.md). What ``old`` is (a view, strided) is looked at only when a version is
    read (``counted``): the walk pays for a note, not for the tests."""
    out = old + new
    if old is not new and _getrefcount(old) <= holders:
        adds = state.adds
        if adds is None:
            state.adds = [(old, out)]
        else:
            adds.append((old, out))
    return out


def counted(state, g) -> int:
    """The in-place adds torch counts into the buffer's sum ``g`` (0 when it is no such sum)."""
    adds = state.adds
    if adds is None:
        return 0
    n = 0
    for old, out in reversed(adds):  # each sum was made after the one it adds into
        if out is not g:
            continue
        kind = type(old)
        if kind is _ndarray:
            if old.base is not None or not (old.flags.c_contiguous or _dense(old)):
                return n  # a view (a backward's reshape, t(), expand): added out of place
        elif kind not in _SCALARS:
            return n  # a tensor (create_graph: grad mode is on, torch adds out of place)
        n += 1
        g = old
    return n


def first_grad_version(state, g, variable) -> int:
    """The version of a leaf's new ``.grad`` made from gradient ``g`` (no ``.grad`` before):
    ``g``'s own when AccumulateGrad keeps it, 1 for its copy into a dense leaf's layout."""
    if state.adds is not None:
        adds = counted(state, g)
        if adds:
            return adds  # a buffer's own sum: nothing else holds it, dense, kept as it is
    data = variable._data
    if id(g) not in state.held:
        if type(g) is not _ndarray or type(data) is not _ndarray:
            return 0  # a 0-d gradient: dense, kept
        if g.shape != data.shape or g.dtype != data.dtype:
            return 0  # the engine's cast or reshape made a new tensor, which is kept
        if g.strides == data.strides or _obeys_layout(g, data):
            return 0
    # copied: empty_strided + copy_ for a dense leaf, clone (version 0) for any other
    return 1 if type(data) is not _ndarray or _dense(data) else 0

