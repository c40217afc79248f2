"""Cached plans for small sums: torch's summation tree, derived once, run as a few numpy calls.

summation.py follows torch's order with 10-15 numpy calls and Python glue per sum, which costs
more than the sum on a lesson's small tensors. A plan runs the same tree in stages instead. It is
derived once per (shape, strides, dims, keepdim, dtype) by running the general path
(``summation.general_sum``) on an array of objects that record each addition, which gives the
tree exactly; the tree is then cut into *chains* (a + b + c ... added left to right), and each
chain gets the earliest stage after the chains it reads. A stage is one gather from a buffer
(zero, the input, then every earlier stage's results) into a (steps, lanes) array and one
``np.add.reduce(axis=0)``, which adds row after row when the lanes are the inner axis.

Shorter chains are padded at the front with the buffer's +0.0. ``0 + x`` is ``x`` for every x but
-0.0 (which becomes +0.0), and an intermediate zero's sign can only reach a result that is itself
zero (``y + 0.0 == y + -0.0`` for every y but a zero; inf and nan are unchanged by either), while
torch's result is always added to an output filled with 0, so a zero result is +0.0 both ways.
The property tests in tests/engine/test_summation.py check plans against the general path.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import summation

# a plan pays off from its second use: the first call of a shape takes the other paths, so a
# shape summed once never pays for the (millisecond) derivation
BUILD_ON_CALL = 2
MAX_SIZE = 1 << 14  # larger inputs gather more than the stages save (and are split by threads)
_MAX_PLANS = 256

_plans: dict = {}  # key -> _Plan
_calls: dict = {}  # key -> calls seen before its plan was built
# float_sum's first look: (shape, strides, dims as passed, keepdim, dtype) -> _Plan
ready: dict = {}


def planned_sum(a, dims: tuple, keepdim: bool, out_shape: tuple, dtype, passed_dims=None):
    """The sum from a cached plan, or None when this key has none (yet). ``passed_dims`` is
    float_sum's own argument (None for all dims), under which the plan is also kept in ``ready``."""
    key = (a.shape, a.strides, dims, keepdim, dtype)
    plan = _plans.get(key, False)
    if plan is False:
        seen = _calls.get(key, 0) + 1
        if seen < BUILD_ON_CALL or a.size > MAX_SIZE:
            if len(_calls) > 4 * _MAX_PLANS:
                _calls.clear()
            _calls[key] = seen
            return None
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
            ready.clear()
        plan = _plans[key] = build(a.shape, a.strides, a.itemsize, dims, keepdim, out_shape, dtype)
        _calls.pop(key, None)
    if type(passed_dims) in (tuple, type(None)):
        ready[(a.shape, a.strides, passed_dims, keepdim, dtype)] = plan
    return plan.run(a)


class _Sym:
    """One value of the symbolic run: an input element, the zero, or the sum of two values."""

    __slots__ = ("left", "right", "slot", "seq", "uses", "via_left", "stage")
    dtype = np.dtype(object)  # general_sum asks a result for its dtype
    made = 0

    def __init__(self, left=None, right=None, slot=None):
        self.left, self.right, self.slot = left, right, slot
        self.seq = _Sym.made  # creation order: every value is made after the values it adds
        _Sym.made += 1
        self.uses, self.via_left, self.stage = 0, False, 0

    def __add__(self, other):
        if not isinstance(other, _Sym):
            if other != 0:
                raise TypeError(f"a summation plan adds only values and 0, not {other!r}")
            other = _ZERO
        return _Sym(self, other)

    def __radd__(self, other):
        return _ZERO.__add__(self) if other == 0 else NotImplemented


_ZERO = _Sym(slot=0)


class _Plan:
    """The stages of one sum: each (view of the buffer, or None; indices to gather; out)."""

    __slots__ = ("buffer", "input_view", "stages", "final", "n_out", "out_shape", "dtype",
                 "scalar")

    def run(self, a):
        np.copyto(self.input_view, a)
        buffer = self.buffer
        for view, index, out in self.stages:
            np.add.reduce(buffer[index] if view is None else view, axis=0, out=out)
        view, index = self.final
        result = np.add.reduce(buffer[index] if view is None else view, axis=0).reshape(-1)  # fresh
        if self.scalar:
            return result[0] if self.dtype is not _F16 else _F16.type(result[0])
        if len(result) != self.n_out:
            result = result[:self.n_out]
        result = result.reshape(self.out_shape)
        return result if self.dtype is not _F16 else result.astype(_F16)


_F16 = np.dtype(np.float16)


def build(shape, strides, itemsize, dims, keepdim, out_shape, dtype):
    """The plan for arrays of this layout."""
    n = int(np.prod(shape))
    leaves = np.empty(n, dtype=object)
    for i in range(n):
        leaves[i] = _Sym(slot=1 + i)
    symbolic = _laid_out(leaves.reshape(shape), strides, itemsize)
    result = summation.general_sum(symbolic, dims, keepdim, out_shape, dtype)
    scalar = isinstance(result, _Sym)
    outputs = [result] if scalar else list(result.reshape(-1))
    return _compile(outputs, n, shape, out_shape, dtype, scalar)


def _chains(outputs):
    """The tree cut into chains, keyed by the value each computes: [base, x1, x2 ...] is
    ((base + x1) + x2) ...; a sum used once, as the left side of another, continues its chain."""
    stack, seen, heads = list(outputs), {id(o) for o in outputs}, []
    while stack:
        node = stack.pop()
        if node.slot is not None:
            continue
        heads.append(node)
        node.left.via_left = True
        for child in (node.left, node.right):
            child.uses += 1
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    chains = {}
    for head in sorted(heads, key=lambda node: node.seq):
        if head.uses == 1 and head.via_left:
            continue  # part of its user's chain
        chain, node = [], head
        while True:
            chain.append(node.right)
            node = node.left
            if node.slot is not None or node.uses != 1:
                break
        chain.append(node)
        chain.reverse()
        head.stage = 1 + max(element.stage for element in chain)
        chains[head] = chain
    return chains


def _compile(outputs, n, shape, out_shape, dtype, scalar):
    chains = _chains(outputs)
    final = max(o.stage for o in outputs)
    for o in outputs:
        o.stage = final  # the results come out of one last stage, in order
    by_stage = [[] for _ in range(final + 1)]
    for head in chains:  # in creation order
        if head.stage < final:
            by_stage[head.stage].append(head)
    size = 1 + n
    layout = []  # (stage's heads, first slot)
    for heads in by_stage[1:final]:
        for i, head in enumerate(heads):
            head.slot = size + i
        layout.append((heads, size))
        size += max(len(heads), 2)  # a stage of one chain has a second, unused lane
    plan = _Plan()
    plan.buffer = buffer = np.zeros(size, dtype=summation._VECTOR[dtype][0])
    plan.input_view = buffer[1:1 + n].reshape(shape)
    plan.stages = []
    for heads, first in layout:
        view, index = _source(buffer, [chains[h] for h in heads])
        out = buffer[first:first + index.shape[1]]
        plan.stages.append((view, index, out if view is None else out.reshape(view.shape[1:])))
    plan.final = _source(buffer, [chains[o] for o in outputs])
    plan.n_out, plan.out_shape, plan.dtype, plan.scalar = len(outputs), out_shape, dtype, scalar
    return plan


def _source(buffer, chains):
    """A stage's (steps, lanes) operand: the slots each chain adds, front-padded with the zero
    slot; with a strided view of the buffer when they fall on one, else None."""
    steps = max(len(c) for c in chains)
    index = np.zeros((steps, max(len(chains), 2)), dtype=np.intp)
    for lane, chain in enumerate(chains):
        index[steps - len(chain):, lane] = [element.slot for element in chain]
    return _strided(buffer, index), index


def _strided(buffer, index):
    """``buffer[index]`` as a view (steps, blocks, lanes per block), or None. add.reduce adds
    down axis 0 row after row only while a lane axis has the smaller stride (see
    summation._lanes_inside), so the view must have its lanes inside."""
    steps, lanes = index.shape
    start, down, across = index[0, 0], index[1, 0] - index[0, 0], index[0, 1] - index[0, 0]
    run = 1  # lanes in a block: the first row's arithmetic run
    while run < lanes and index[0, run] - index[0, run - 1] == across:
        run += 1
    if lanes % run or not 0 < across < down:
        return None
    block = index[0, run] - start if run < lanes else 0
    shape, strides = (steps, lanes // run, run), (down, block, across)
    expected = start + sum(s * np.arange(n).reshape([-1 if ax == i else 1 for i in range(3)])
                           for ax, (n, s) in enumerate(zip(shape, strides)))
    if not (index.reshape(shape) == expected).all() or block < 0:
        return None
    item = buffer.itemsize
    return np.lib.stride_tricks.as_strided(buffer[start:], shape, [s * item for s in strides])


def _laid_out(values, strides, itemsize):
    """``values`` (C order) in an object array with the input's layout, strides scaled to objects."""
    shape = values.shape
    scaled = [s // itemsize * 8 for s in strides]
    offsets = np.zeros(shape, dtype=np.int64)
    for ax, (n, s) in enumerate(zip(shape, strides)):
        offsets = offsets + (np.arange(n) * (s // itemsize)).reshape((n,) + (1,) * (len(shape) - ax - 1))
    low = int(offsets.min()) if offsets.size else 0
    base = np.empty(int(offsets.max()) - low + 1 if offsets.size else 1, dtype=object)
    base[(offsets - low).reshape(-1)] = values.reshape(-1)
    start = base[-low:] if low else base
    return np.lib.stride_tricks.as_strided(start, shape, scaled)
