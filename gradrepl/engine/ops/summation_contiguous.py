"""Sums over one dim of a small contiguous float tensor, in torch's order: rows and columns.

``x.sum(-1)``, ``x.mean(-1)``, ``x.sum(0)`` and ``x.mean(0)`` of a C-contiguous float32 or
float64 tensor too small to be split between threads, until a summation plan is built for its
layout (summation_plan: after tens to thousands of calls, then cheaper still at small sizes). summation.py follows torch's kernel step by step
(and is the rule: tests/engine/test_summation_contiguous.py checks these against it); here the
same tree is added with the fewest numpy calls it allows, because a numpy call on a small array
costs more than its additions: a chain of up to ``_ADDS_UPTO`` terms is binary adds (a third of
a reduce's time by the clock, two thirds of its instructions: ~6k against ~9k; not tuned
further), a longer one one ``np.add.reduce`` down axis 0, which adds
row after row in order while the lanes are the inner axis (see summation._lanes_inside). Every
array is fresh, so threads need no lock and nothing is built in advance (a summation plan needs
hundreds of calls of its key to pay for itself; these are 1.4-1.9x faster than the general path
from the first call).

A reduce starts from numpy's +0.0, where torch's chains start from their first term: ``0 + x``
is ``x`` for every x but -0.0, a zero's sign can only reach a result that is itself zero, and
torch adds every result into an output filled with 0, so a zero comes out +0.0 both ways (the
reasoning of summation_plan's padding). A result the last step adds by hand gets that +0.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.summation import _ILP, _MIN_BLOCK, _VECTOR, _ceil_log2

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (_F32, _F64)  # half loads 16 lanes as two float vectors: summation.py's own path
_ADDS_UPTO = 4  # chains of up to this many terms: binary adds are cheaper than one reduce


def row_sums(x, dtype):
    """Each row of ``x`` (m, length) summed as torch's vectorised inner loop does; the rows are
    contiguous and at least one vector long. Returns (m,) in ``dtype``, +0.0 for a zero."""
    load, lanes = _VECTOR[dtype][1:]
    m, length = x.shape
    n_vec = length // load
    used = n_vec * load
    tail = length - used
    # the last step adds each row's tail scalars, then its lanes, in order: down the rows of
    # `last`, whose columns are the rows of x (a lone row gets a spare zero column, or reduce
    # would add that one contiguous run pairwise)
    last = np.empty((tail + lanes, m), dtype) if m > 1 else np.zeros((tail + lanes, 2), dtype)
    lane_sums = last[tail:, :m].T  # (m, lanes)
    if tail:
        last[:tail, :m] = x[:, used:].T
    vectors = x[:, :used].reshape(m, n_vec, lanes).swapaxes(0, 1)  # the sequence outermost
    rows = n_vec // _ILP
    if not rows:  # fewer vectors than accumulators: one chain of vectors
        _chain(vectors, lane_sums)
    else:  # 4 interleaved accumulators summed by the cascade, as (rows, m, 4 * lanes)
        acc = _cascade(vectors[:rows * _ILP].swapaxes(0, 1).reshape(m, rows, _ILP * lanes)
                       .swapaxes(0, 1))
        terms = [acc[:, :lanes]] + [vectors[i] for i in range(rows * _ILP, n_vec)]  # leftovers
        terms += [acc[:, k * lanes:(k + 1) * lanes] for k in range(1, _ILP)]  # ((a0+a1)+a2)+a3
        _add_in_order(terms, lane_sums)
    return np.add.reduce(last, axis=0)[:m]


def column_sums(x, dtype):
    """The columns of ``x`` (length, cols) summed as torch's multi-row loop does: rows
    contiguous, at least one vector wide. Returns (cols,) in ``dtype``, +0.0 for a zero."""
    lanes = _VECTOR[dtype][2]
    length, cols = x.shape
    group = _ILP * lanes  # multi_row_sum takes columns in groups of 4 vectors
    grouped = cols // group * group
    out = np.empty(cols, dtype)
    if grouped:
        total = _cascade(x[:, :grouped])
        out[:grouped] = total
    if grouped < cols:  # the rest: row_sum, 4 interleaved accumulators down each column
        rest = x[:, grouped:]
        rows = length // _ILP
        if not rows:
            _chain(rest, out[grouped:])
        else:
            acc = _cascade(rest[:rows * _ILP].reshape(rows, _ILP, cols - grouped))
            terms = [acc[0]] + [rest[i] for i in range(rows * _ILP, length)] + [acc[1], acc[2], acc[3]]
            _add_in_order(terms, out[grouped:])
    np.add(out, 0, out=out)  # torch's output starts at 0: -0.0 comes out +0.0
    return out


def _chain(x, out=None):
    """x[0] + x[1] + ... left to right; x has the sequence on axis 0 and lanes inside it."""
    n = len(x)
    if n == 1:
        return x[0] if out is None else np.copyto(out, x[0]) or out
    if n <= _ADDS_UPTO:
        return _add_in_order([x[i] for i in range(n)], out)  # list(x) would end on an IndexError
    return np.add.reduce(x, axis=0, out=out)


def _add_in_order(terms, out=None):
    """((t0 + t1) + t2) ..., into ``out`` when given (fresh otherwise)."""
    total = np.add(terms[0], terms[1], out=out)
    for term in terms[2:]:
        np.add(total, term, out=total)
    return total


def _cascade(x):
    """summation._cascade (multi_row_sum's blocked levels) down axis 0 of ``x``, every lane at
    once, each chain in as few calls as _chain takes."""
    length, lanes = x.shape[0], x.shape[1:]
    step = max(_MIN_BLOCK, 1 << (_ceil_log2(length) // 4))
    n_blocks = length // step
    total = _chain(x[n_blocks * step:]) if length > n_blocks * step else None
    if not n_blocks:
        return total
    level = np.add.reduce(x[:n_blocks * step].reshape((n_blocks, step) + lanes), axis=1)
    partials = []
    for _ in range(2):  # levels 1 and 2 pass their sum up every `step` entries; level 3 keeps all
        full = len(level) // step * step
        partials.append(_chain(level[full:]) if len(level) > full else None)
        level = np.add.reduce(level[:full].reshape((-1, step) + lanes), axis=1) if full else level[:0]
    partials.append(_chain(level) if len(level) else None)
    for p in partials:
        if p is not None:
            total = p if total is None else total + p
    return total
