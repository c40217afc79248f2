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

Nothing here changes a value: versions are counted beside the arrays, keyed by the array's id
(the array kept with its count, so the id stays its own during the pass).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.sinks import _dense, _obeys_layout

_ndarray = np.ndarray


def summed(state, old, new, buffers, in_buffers: int):
    """``old + new`` for an input buffer, counting the add as torch's in-place one where torch
    would make it. ``in_buffers``: how many of ``buffers``' values are ``old`` when the buffer
    alone holds it (1 when it sits there, 0 for the walk's top gradient, held apart)."""
    out = old + new
    if old is new or id(old) in state.borrowed or id(old) in state.held:
        return out  # the same tensor twice (x + x), or one the caller or a .grad holds
    if type(old) is _ndarray and (old.base is not None or not (old.flags.c_contiguous or _dense(old))):
        return out  # a view (a backward's reshape, t(), expand): torch adds out of place
    if type(old) is not _ndarray and not isinstance(old, np.generic):
        return out  # a tensor (create_graph: grad mode is on, torch adds out of place)
    held = 0
    for value in buffers.values():
        if value is old:
            held += 1
    if held != in_buffers:
        return out  # handed on to another input's buffer too (AddBackward0): not the sole owner
    versions = state.versions
    if versions is None:
        versions = state.versions = {}
    entry = versions.get(id(old))
    versions[id(out)] = (out, (entry[1] if entry is not None and entry[0] is old else 0) + 1)
    return out


def counted(state, g) -> int:
    """The in-place adds counted into ``g`` while it was summed in a buffer (0 for none)."""
    versions = state.versions
    if versions is None:
        return 0
    entry = versions.get(id(g))
    return entry[1] if entry is not None and entry[0] is g else 0


def first_grad_version(state, g, variable) -> int:
    """The version of a leaf's new ``.grad`` made from gradient ``g`` (no ``.grad`` before):
    ``g``'s own when AccumulateGrad keeps it, 1 for its copy into a dense leaf's layout."""
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

