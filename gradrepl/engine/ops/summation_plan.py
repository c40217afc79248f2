"""Cached plans for small sums: torch's summation tree, derived once, run as a few numpy calls.

summation.py follows torch's order with 10-15 numpy calls and Python glue per sum, which costs
more than the sum on a lesson's small tensors. A plan runs the same tree in stages instead. It is
derived once per (shape, strides, dims, keepdim, dtype) by running the general path
(``summation.general_sum``) on an array of objects that record each addition, which gives the
tree exactly; the tree is then cut into *chains* (a + b + c ... added left to right), and each
chain gets the earliest stage after the chains it reads. A stage is one ``np.add.reduce(axis=0)``
per (steps, lanes) operand read from one buffer (zero, a copy of the input, then every earlier
stage's results): a strided view of it where the chains' slots fall on one, else a gather; it adds
row after row when the lanes are the inner axis. The buffer is reused by every call of its plan;
a call that finds it in use (another thread, or a signal handler summing mid-run) returns None
and the caller takes the general path, so threads never share a half-written buffer.

Shorter chains are padded at the front with the buffer's +0.0. ``0 + x`` is ``x`` for every x but
-0.0 (which becomes +0.0), and an intermediate zero's sign can only reach a result that is itself
zero (``y + 0.0 == y + -0.0`` for every y but a zero; inf and nan are unchanged by either), while
torch's result is always added to an output filled with 0, so a zero result is +0.0 both ways.
Every plan of a key adds the same tree; its candidates differ in where values sit (the input's
copy order: C, axes reversed, or a whole sum's first cascade blocks transposed) and in where
chains are cut (CUTS), and ``fastest`` keeps the one that runs fastest on the input; they share
one symbolic run (``_Tree``).
The property tests in tests/engine/test_summation.py check plans against the general path.
"""

from __future__ import annotations

import threading
from time import process_time as _clock

import numpy as np

from gradrepl.engine.ops import summation, summation_flat

# Deriving a plan costs 3-4 us per input element (0.4 ms for 100, 25-40 ms for 10,000) and saves
# 3-10 us per sum: a key is planned on its BUILD_ON_CALL + size * BUILD_CALLS_PER_ELEMENT'th
# sum, so that a lesson's one-off sums never pay for it and a training loop's repeated ones have
# spent several times the derivation before it
BUILD_ON_CALL = 8
BUILD_CALLS_PER_ELEMENT = 0.25
MAX_SIZE = 1 << 14  # larger inputs gather more than the stages save (and are split by threads)
_MAX_PLANS = 128  # each holds up to ~0.25 MB: a buffer, an input copy, indices

_plans: dict = {}  # key -> _Plan
_calls: dict = {}  # key -> calls seen before its plan was built
# float_sum's first look: (shape, strides, dims as passed, keepdim, dtype) -> _Plan
ready: dict = {}
# other modules' tables of plans (reductions' no-graph first look), emptied with ours so that
# no plan outlives the limit above
dependents: list = []


def planned_sum(a, dims: tuple, keepdim: bool, out_shape: tuple, dtype, passed_dims=None):
    """The sum from a cached plan, or None when this key has none (yet). ``passed_dims`` is
    float_sum's own argument (None for all dims), under which the plan is also kept in ``ready``."""
    key = (a.shape, a.strides, dims, keepdim, dtype)
    plan = _plans.get(key, False)
    if plan is False:
        seen = _calls.get(key, 0) + 1
        if seen < BUILD_ON_CALL + a.size * BUILD_CALLS_PER_ELEMENT or a.size > MAX_SIZE:
            if len(_calls) > 4 * _MAX_PLANS:
                _calls.clear()
            _calls[key] = seen
            return None
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
            ready.clear()
            for table in dependents:
                table.clear()
        plan = _plans[key] = fastest(a, dims, keepdim, out_shape, dtype)
        _calls.pop(key, None)
    if type(passed_dims) in (tuple, type(None)):
        ready[(a.shape, a.strides, passed_dims, keepdim, dtype)] = plan
    return plan.run(a)


class _Sym:
    """One value of the symbolic run: an input element, the zero, or the sum of two values."""

    __slots__ = ("left", "right", "slot", "seq", "uses", "via_left", "stage", "user", "leafy")
    dtype = np.dtype(object)  # general_sum asks a result for its dtype
    made = 0

    def __init__(self, left=None, right=None, slot=None):
        self.left, self.right, self.slot = left, right, slot
        self.seq = _Sym.made  # creation order: every value is made after the values it adds
        _Sym.made += 1
        self.uses, self.via_left, self.stage = 0, False, 0
        self.user, self.leafy = None, False

    def __add__(self, other):
        if not isinstance(other, _Sym):
            if other != 0:
                raise TypeError(f"a summation plan adds only values and 0, not {other!r}")
            other = _ZERO
        return _Sym(self, other)

    def __radd__(self, other):
        return _ZERO.__add__(self) if other == 0 else NotImplemented


_ZERO = _Sym(slot=0)


class _Plan(summation.OneCallerAtATime):
    """The stages of one sum: each (view of the buffer, or None; indices to gather; out)."""

    __slots__ = ("buffer", "input_view", "blocks", "stages", "final", "n_out", "out_shape", "half",
                 "scalar", "spec")

    def _run(self, a):
        # positional arguments and item assignment: numpy parses keywords and dispatches
        # np.copyto in Python, a tenth of a small sum's time
        if self.blocks is None:
            self.input_view[...] = a
        else:  # copy order "B": the cascade's first blocks transposed, the rest in C order
            flat = a.reshape(-1)
            blocks, shape, end, rest = self.blocks
            blocks[...] = flat[:end].reshape(shape)
            rest[...] = flat[end:]
        buffer = self.buffer
        for view, index, out, rows in self.stages:
            if rows is not None:  # two or three rows of a view: binary adds, in order
                _add(rows[0], rows[1], out)
                if len(rows) == 3:
                    _add(out, rows[2], out)
            else:
                _reduce(buffer[index] if view is None else view, 0, None, out)
        view, index, rows = self.final
        if rows is not None:
            result = _add(rows[0], rows[1])  # a fresh array
            if len(rows) == 3:
                _add(result, rows[2], result)
        else:
            result = _reduce(buffer[index] if view is None else view, 0)  # a fresh array
        if self.scalar:  # a lone lane and its spare (see _gather)
            return _F16.type(result[0]) if self.half else result[0]
        if result.size != self.n_out:
            result = result[:self.n_out]
        result = result.reshape(self.out_shape)
        return result.astype(_F16) if self.half else result  # summed in float32


_F16 = np.dtype(np.float16)
_reduce = np.add.reduce
_add = np.add
# a view stage of up to this many rows runs as binary adds of its rows (a binary add costs about
# a third of add.reduce's call on small arrays): r0 + r1, then + r2, the order add.reduce keeps
ADDS_UPTO = 3


def build(shape, strides, itemsize, dims, keepdim, out_shape, dtype, copy_order="C", cut=None):
    """The plan for arrays of this layout. ``copy_order`` is how the input is copied into the
    buffer ("C", or "F": its axes reversed); the tree is the same either way, but which stages
    fall on long strided views of the buffer (rather than gathers or short inner loops) is not."""
    tree = _Tree(shape, strides, itemsize, dims, keepdim, out_shape, dtype)
    return tree.plan(copy_order, CUT_AT_INPUT if cut is None else cut)


class _Tree:
    """The symbolic run of one key: torch's tree of additions, derived once and shared by the
    key's candidate plans (copy orders, cut or not), which differ only in where values sit and
    where chains are cut. The run and the walk that counts each value's uses are two thirds of
    a plan's derivation."""

    def __init__(self, shape, strides, itemsize, dims, keepdim, out_shape, dtype):
        n = int(np.prod(shape))
        leaves = np.empty(n, dtype=object)
        for i in range(n):
            leaves[i] = _Sym(slot=1 + i)
        symbolic = _laid_out(leaves.reshape(shape), strides, itemsize)
        result = summation.general_sum(symbolic, dims, keepdim, out_shape, dtype)
        self.scalar = isinstance(result, _Sym)
        self.outputs = [result] if self.scalar else list(result.reshape(-1))
        self.leaves = leaves.tolist()  # in C order of the input's indices
        self.heads = _heads(self.outputs)
        self.shape, self.out_shape, self.dtype, self.n = shape, out_shape, dtype, n
        self._cut, self._chains = None, None

    def plan(self, copy_order, cut):
        """The candidate that copies the input in ``copy_order`` and cuts chains by ``cut``."""
        for leaf, slot in zip(self.leaves, _copy_slots(self.shape, copy_order, self.dtype)):
            leaf.slot = slot
        if self._cut is not cut:  # a cut's chains serve every copy order
            self._cut, self._chains = cut, _chains(self.heads, cut)
        shape, n = self.shape, self.n
        plan = _compile(self._chains, self.outputs, n, shape, self.out_shape, self.dtype, self.scalar)
        plan.spec = (copy_order, cut)  # what the candidate is, for the tests and profiles
        if copy_order == "F":
            plan.input_view = plan.buffer[1:1 + n].reshape(shape[::-1]).T
        elif copy_order == "B":
            n_blocks, step, width = _first_blocks(n, self.dtype)
            end = n_blocks * step * width
            plan.blocks = (plan.buffer[1:1 + end].reshape(step, n_blocks, width).transpose(1, 0, 2),
                           (n_blocks, step, width), end, plan.buffer[1 + end:1 + n])
        return plan


def _copy_slots(shape, copy_order, dtype=None):
    """The buffer slot of each input element, in C order of the input's indices."""
    n = int(np.prod(shape))
    if copy_order == "C":
        return range(1, 1 + n)
    if copy_order == "B":
        n_blocks, step, width = _first_blocks(n, dtype)
        end = n_blocks * step * width
        head = np.arange(end).reshape(step, n_blocks, width).transpose(1, 0, 2).reshape(-1)
        return (1 + np.concatenate([head, np.arange(end, n)])).tolist()
    return (1 + np.arange(n).reshape(shape[::-1]).T.reshape(-1)).tolist()


def _first_blocks(n, dtype):
    """The first level of the cascade in the whole sum of a contiguous run of ``n`` (summation's
    _sum_contiguous): (blocks, rows per block, elements per row)."""
    load, lanes = summation._VECTOR[dtype][1:]
    rows = n // load // summation._ILP
    step = max(summation._MIN_BLOCK, 1 << (summation._ceil_log2(max(rows, 1)) // 4))
    return rows // step, step, summation._ILP * load


def _blocked(a, dims, dtype):
    """Whether copy order "B" applies: the whole sum of a C-contiguous array whose cascade has
    two or more first-level blocks (with one, "B" is "C"); float32 and float64 (half loads two
    vectors per step)."""
    return len(dims) == a.ndim and a.flags.c_contiguous and dtype != _F16 and \
        _first_blocks(a.size, dtype)[0] >= 2


# Copy orders a plan tries: reversing the axes turns a row sum's lanes (8 per row, a short inner
# loop per row) into columns of every row at once, at the price of a transposing copy
COPY_ORDERS = ("C", "F")
_TIMING_RUNS = 9
BLOCKED = True  # copy order "B" for whole sums of C-contiguous arrays
FLAT = True  # summation_flat's plans for whole sums of contiguous arrays
SORT_LANES = True


def fastest(a, dims, keepdim, out_shape, dtype):
    """The plan, of those for each copy order, that sums ``a`` fastest: each candidate's least
    CPU time over a few runs, the candidates' runs interleaved so that a change in the machine's
    load falls on all of them. Every candidate adds the same tree, so the choice changes only
    the time."""
    tree = _Tree(a.shape, a.strides, a.itemsize, dims, keepdim, out_shape, dtype)
    return fastest_of(candidates(tree, a, dims), a)


def candidates(tree, a, dims):
    """The plans ``fastest`` times for ``a``: each copy order, cut and uncut."""
    orders = COPY_ORDERS if a.ndim > 1 else ("C",)
    if BLOCKED and _blocked(a, dims, tree.dtype):
        # the whole sum's first stage (step rows of each block, every block's 32 lanes) as one
        # view with the blocks' lanes side by side: step inner loops of blocks * 32 rather
        # than step * blocks loops of 32 (numpy's reduce pays ~280 instructions per inner loop)
        orders = orders + ("B",)
    # cut or not: cut, the big stages are views, but small sums get more stages (10x10's
    # sum(0): 3.5 -> 4.8 us), so the timing chooses that too
    plans = [tree.plan(order, cut) for cut in CUTS for order in orders]
    if FLAT and not tree.out_shape and summation_flat.applies(a, dims, tree.dtype):
        # the whole sum of a contiguous run: the tree written out as fixed calls
        plans += summation_flat.candidates(a, tree.dtype)
    return plans


def fastest_of(plans, a):
    """The plan that runs ``a`` fastest (least CPU time of interleaved runs), of those that
    differ in their calls (``distinct``)."""
    plans = distinct(plans)
    if len(plans) == 1:
        return plans[0]
    best = [float("inf")] * len(plans)
    for _ in range(_TIMING_RUNS):
        for i, plan in enumerate(plans):
            best[i] = min(best[i], _timed(plan, a))
    return plans[best.index(min(best))]


def distinct(plans):
    """``plans`` without those that make the same numpy calls as an earlier one (the first of
    each kept). Two such candidates cost the same, and timing them picked one or the other at
    random: 40x25 ``mean(1)``'s cut and uncut plans are one (two adds, one final view), and
    took either spec 8 and 2 times in 10 builds. Now the earlier in ``candidates``' order is
    kept, without timing the other."""
    kept, seen = [], set()
    for plan in plans:
        calls = _calls_made(plan) if isinstance(plan, _Plan) else id(plan)
        if calls not in seen:
            seen.add(calls)
            kept.append(plan)
    return kept


def _calls_made(plan):
    """What a derived plan's run does, as a key: every array it reads or writes by shape,
    strides and place in its buffer, every gather by its indices."""
    base = plan.buffer.__array_interface__["data"][0]

    def at(x):
        if x is None:
            return None
        return x.shape, x.strides, x.__array_interface__["data"][0] - base

    def rows(r):
        return None if r is None else tuple(at(row) for row in r)

    def index(i):
        return None if i is None else (i.shape, i.tobytes())
    copy = at(plan.input_view) if plan.blocks is None else \
        (at(plan.blocks[0]), plan.blocks[1:3], at(plan.blocks[3]))
    stages = tuple((at(view), index(i), at(out), rows(r)) for view, i, out, r in plan.stages)
    view, i, r = plan.final
    return plan.buffer.size, copy, stages, (at(view), index(i), rows(r))


def _timed(plan, a):
    start = _clock()
    plan._run(a)
    return _clock() - start


def _heads(outputs):
    """Every sum the outputs are made of, in creation order (children first), each marked with
    its uses, its user (of a left side) and whether it adds input elements only (``leafy``)."""
    stack, seen, heads = list(outputs), {id(o) for o in outputs}, []
    while stack:
        node = stack.pop()
        if node.left is None:  # an input element or the zero
            continue
        heads.append(node)
        node.left.via_left, node.left.user = True, node
        for child in (node.left, node.right):
            child.uses += 1
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    heads.sort(key=lambda node: node.seq)
    for node in heads:  # children first: a sum of input elements only, added in one chain
        left, right = node.left, node.right
        node.leafy = right.left is None and (left.left is None or left.leafy and left.uses == 1)
    return heads


def _chains(heads, cut=False):
    """The tree cut into chains, keyed by the value each computes: [base, x1, x2 ...] is
    ((base + x1) + x2) ...; a sum used once, as the left side of another, continues its chain."""
    chains = {}
    for head in heads:
        if head.uses == 1 and head.via_left and not (cut and _cut(head)):
            continue  # part of its user's chain
        chain, node = [], head
        while True:
            chain.append(node.right)
            node = node.left
            if node.left is None or node.uses != 1 or cut and _cut(node):
                break
        chain.append(node)
        chain.reverse()
        head.stage = 1 + max(element.stage for element in chain)
        chains[head] = chain
    return chains


# A chain of input elements that its user continues with sums (torch's cascade: a block of
# the input, then the other blocks' sums) may be cut there: uncut, its lanes are gathered from
# the input and from a stage's results at once; cut, the input's part is one long strided
# view with every other block's, and the sums' part a view of that stage's results, at the
# price of a stage more. `fastest` tries each of CUTS; build's default is CUT_AT_INPUT
CUT_AT_INPUT = True
CUTS = (False, True)


def _cut(node):
    """Whether ``node``, the left side of its user, may start a chain of its own rather than
    continue its user's: it adds input elements only, its user a sum."""
    return node.leafy and node.user.right.left is not None


def _compile(chains, outputs, n, shape, out_shape, dtype, scalar):
    final = max(o.stage for o in outputs)
    for o in outputs:
        o.stage = final  # the results come out of one last stage, in order
    by_stage = [[] for _ in range(final + 1)]
    for head in chains:  # in creation order
        if head.stage < final:
            by_stage[head.stage].append(head)
    # zero, the input, each stage's results (and one spare lane per stage, see _gather), and
    # room for a row of zeros after them (see _final)
    size = 1 + n + sum(len(heads) + 1 for heads in by_stage) + (len(outputs) if ZERO_ROW else 0)
    plan = _Plan()
    plan.in_use = threading.Lock()
    plan.buffer = buffer = np.zeros(size, dtype=summation._VECTOR[dtype][0])
    plan.input_view = buffer[1:1 + n].reshape(shape)
    plan.blocks = None
    plan.stages = []
    size = 1 + n
    for heads in by_stage[1:final]:
        if SORT_LANES:
            heads.sort(key=lambda h: _lane_key(chains[h]))
            # chains of one length at a time: a shorter one's front padding would break a view
            groups = [[h for h in heads if len(chains[h]) == n]
                      for n in sorted({len(chains[h]) for h in heads})]
        else:
            groups = [heads]
        left = []
        for group in groups:
            index = _index([chains[h] for h in group])
            views, rest = _views(buffer, index)
            for lanes, view in views:  # each its own add.reduce: no gather
                plan.stages.append((view, None, buffer[size:size + len(lanes)].reshape(view.shape[1:]),
                                    _rows(view)))
                size = _place([group[i] for i in lanes], size)
            left += [group[i] for i in rest]
        if left:  # the rest in one gather
            gather = _gather(_index([chains[h] for h in left]))
            plan.stages.append((None, gather, buffer[size:size + gather.shape[1]], None))
            _place(left, size)
            size += gather.shape[1]
    plan.final = _final(buffer, _index([chains[o] for o in outputs]), size)
    plan.n_out, plan.out_shape, plan.half, plan.scalar = len(outputs), out_shape, dtype == _F16, scalar
    return plan


# The results' last addition is torch's `+ 0` (its output starts at zero): a row of the zero
# slot under the final stage's chains, which breaks a view of the rows above it. A view that
# ends where no stage writes continues into slots that stay zero instead
ZERO_ROW = True


def _final(buffer, index, used):
    """The last stage: (view, None, rows) where the chains fall on one view, else (None,
    indices to gather, None); ``used`` is the end of the slots that stages write."""
    views, rest = _views(buffer, index)
    if not rest and len(views) == 1:
        return views[0][1], None, _rows(views[0][1])
    if ZERO_ROW and len(index) >= 3 and not index[-1].any():
        views, rest = _views(buffer, index[:-1])
        if not rest and len(views) == 1:
            view = views[0][1]
            zeros = index[-2] + view.strides[0] // buffer.itemsize  # the row after the view's
            if used <= zeros.min() and zeros.max() < len(buffer):
                view = np.lib.stride_tricks.as_strided(view, (len(index),) + view.shape[1:],
                                                       view.strides)
                return view, None, _rows(view)
    return None, _gather(index), None


# Lanes sorted by their step down the buffer before their slots: lanes of one step side by side
# (sum(0)'s six 16-row blocks of 96 columns, without the four last columns' lanes between the
# first block and the others), so that they fall on one view and their results lie as the next
# stage's chains read them
BY_STRIDE = True


def _lane_key(chain):
    slots = [element.slot for element in chain]
    return (len(slots), slots[1] - slots[0], slots) if BY_STRIDE else (len(slots), slots)


def _rows(view):
    """The rows of a short view stage, for binary adds; None for a longer one."""
    return tuple(view[i] for i in range(len(view))) if 2 <= len(view) <= ADDS_UPTO else None


def _place(heads, first):
    for i, head in enumerate(heads):
        head.slot = first + i
    return first + len(heads)


def _index(chains):
    """The slots each chain adds, one lane per chain, front-padded with the zero slot."""
    steps = max(len(c) for c in chains)
    lanes = [[0] * (steps - len(chain)) + [element.slot for element in chain] for chain in chains]
    return np.array(lanes, dtype=np.intp).T


def _gather(index):
    """Indices to gather, C-ordered: what they gather is laid out like them, and add.reduce adds
    down axis 0 in order only while the lanes are inside. A lone lane gets a second one (the
    zero slot), or add.reduce would sum that one contiguous run pairwise."""
    if index.shape[1] == 1:
        index = np.concatenate([index, index * 0], axis=1)
    return np.ascontiguousarray(index)


_MIN_VIEW = 8  # fewer lanes in a pattern are gathered with the rest: one call fewer


def _views(buffer, index):
    """Runs of lanes whose slots fall on a strided view of the buffer (steps, blocks, lanes per
    block), as (lane numbers, view); and the lanes left over. add.reduce adds down axis 0 row
    after row only while a lane axis has the smaller stride (see summation._lanes_inside)."""
    steps, lanes = index.shape
    down = (index[1] - index[0]).tolist()
    regular = (index == index[0] + (index[1] - index[0]) * np.arange(steps)[:, None]).all(axis=0)
    regular = (regular & (index[1] > index[0])).tolist()
    row = index[0].tolist()
    views, rest, i = [], [], 0
    while i < lanes:
        # a view needs the next lane on it too, one step along and less than a step down
        starts = regular[i] and i + 1 < lanes and regular[i + 1] and down[i + 1] == down[i] and \
            0 < row[i + 1] - row[i] < down[i]
        end, view = _view_at(buffer, row, down, regular, i, steps) if starts else (i + 1, None)
        if view is not None and end - i >= _MIN_VIEW:
            views.append((range(i, end), view))
            i = end
        else:
            rest.append(i)
            i += 1
    return views, rest


def _view_at(buffer, row, down, regular, i, steps):
    """The longest view starting at lane ``i``: (its end, the view), or (i + 1, None)."""
    d = down[i]

    def fits(j):
        return j < len(row) and regular[j] and down[j] == d
    k = 1
    if fits(i + 1):
        across = row[i + 1] - row[i]
        while fits(i + k) and row[i + k] - row[i + k - 1] == across:
            k += 1
    else:
        across = 0
    m = 1
    block = row[i + k] - row[i] if fits(i + k) else 0
    while all(fits(i + m * k + r) and row[i + m * k + r] == row[i + r] + m * block for r in range(k)):
        m += 1
    if k == 1 and m > 1:
        k, m, across, block = m, 1, block, 0
    if k == 1 or not 0 < across < d or (m > 1 and block <= 0):
        return i + 1, None
    item = buffer.itemsize
    if m == 1:  # 2-d: numpy's reduce costs about a microsecond more on a 3-d view
        return i + k, np.lib.stride_tricks.as_strided(buffer[row[i]:], (steps, k),
                                                      (d * item, across * item))
    view = np.lib.stride_tricks.as_strided(buffer[row[i]:], (steps, m, k),
                                           (d * item, block * item, across * item))
    return i + m * k, view


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
