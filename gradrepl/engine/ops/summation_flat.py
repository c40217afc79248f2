"""The whole sum of a contiguous float32/float64 run as a handful of numpy calls on fixed views.

A summation plan (summation_plan) derives torch's tree symbolically and finds views and gathers
for it; for ``x.sum()`` of a C- or F-contiguous tensor the tree is known in advance
(summation._sum_contiguous: 4 interleaved accumulators of vectors, their rows summed by the
cascade, the leftover vectors added to the first, ((a0 + a1) + a2) + a3, then the scalar tail
and the lanes in order, then 0), and a plan written for it takes fewer calls than a derived one:

* the input is copied once into the plan's buffer: in memory order, or ("B") with the
  cascade's first-level blocks side by side and its remainder rows as one more block behind
  rows of +0.0, so that every block's sum and the remainder's are one 2-d ``np.add.reduce``
  of ``step`` inner loops (numpy adds down an outer axis row after row, in order, while the
  lanes are the inner axis: summation._lanes_inside);
* the second level's block sums, the first level's partial block and (unblocked) the
  remainder are each one 2-d call, or one reduce of a (step, blocks, lanes) view of blocks
  padded with rows of +0.0 that no call writes ("merged": a 3-d reduce costs about a
  microsecond more than a 2-d one, so it pays only for three sums);
* they are added in order into the accumulators, which one gather and reduce adds with the
  leftover vectors, lane by lane; ``np.add.accumulate`` (sequential by definition) adds the
  scalar tail and the lanes, which lie after the input's last elements in the buffer.

``x + 0.0`` is ``x`` for every x but -0.0, and an intermediate zero's sign only reaches a
result that is itself zero, which torch's final ``+ 0`` makes +0.0 either way: the padding
rows change no bit (summation_plan's argument). tests/engine/test_summation_flat.py checks
every plan against summation.general_sum.
"""

from __future__ import annotations

import threading

import numpy as np

from gradrepl.engine.ops import summation

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (_F32, _F64)
_reduce = np.add.reduce
_add = np.add
_accumulate = np.add.accumulate


def applies(a, dims, dtype) -> bool:
    """Whether a flat plan sums ``a`` over ``dims``: all of a C- or F-contiguous float32/64
    array of at least four vectors (one row of the accumulators), too small for threads."""
    if dtype not in DTYPES or len(dims) != a.ndim or a.dtype != dtype:
        return False
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        return False
    load = summation._VECTOR[dtype][1]
    return summation._ILP * load <= a.size < summation.GRAIN_SIZE


def candidates(a, dtype):
    """The flat plans for ``a``: its memory order copied as it is, and (with a first-level
    block) its blocks side by side; ``fastest`` times them with the derived plans."""
    blocked = (False, True) if _layout(a.size, dtype)[4] else (False,)
    return [FlatPlan(a, dtype, b, merged) for b in blocked for merged in MERGED]


# the second stage merged into one reduce or not: None lets the plan choose (merged when it
# adds three sums, R, P1, P2); the tests draw both
MERGED = (None,)


def _layout(n, dtype):
    """(lanes, accumulator width, rows, step, blocks, leftover vectors, tail) of a run of n."""
    lanes = summation._VECTOR[dtype][2]
    width = summation._ILP * lanes
    n_vec = n // lanes
    rows = n_vec // summation._ILP
    step = max(summation._MIN_BLOCK, 1 << (summation._ceil_log2(max(rows, 1)) // 4))
    return lanes, width, rows, step, rows // step, n_vec - rows * summation._ILP, n - n_vec * lanes


class FlatPlan(summation.OneCallerAtATime):
    """The calls of one layout's whole sum: a copy, then fixed (function, arguments) steps."""

    __slots__ = ("spec", "scalar", "buffer", "input_view", "blocked", "steps", "final",
                 "zero", "merged")

    def __init__(self, a, dtype, blocked, merged=None):
        n = a.size
        lanes, width, rows, step, n_blocks, leftover, tail = _layout(n, dtype)
        item = dtype.itemsize
        self.in_use = threading.Lock()
        self.zero = dtype.type(0)
        self.scalar = True
        full1 = n_blocks // step * step  # blocks summed in second-level blocks
        level2 = full1 // step  # second-level sums (fewer than 8 below the thread grain)
        partial = n_blocks - full1  # the first level's last, partial block
        rem = rows - n_blocks * step  # the cascade's remainder rows
        if level2 >= step:
            raise ValueError("a flat plan covers two levels of the cascade")
        blocked = blocked and n_blocks > 0
        k = (level2 > 0) + (partial > 0) + (rem > 0)  # the cascade's sums added to its total
        # unblocked, the second stage in one reduce of blocks of `step` rows, padded with zero
        # rows (the remainder rows copied behind zero rows), or each sum on its own (a 3-d
        # reduce costs about two thirds more than a 2-d one)
        if merged is None:
            merged = k == 3 and level2 == 1
        self.merged = merged = merged and not blocked and k > 1 and level2 <= 1
        self.blocked = blocked
        self.spec = ("flat" + " B" * blocked + " merged" * merged, None)
        # the buffer: [blocks transposed] | the input copy (or what follows the blocks) |
        # lanes | tail and lanes' running sums | accumulators | first-level sums (and the
        # merged second stage's zero rows) | the second stage's results
        positions = n_blocks + (rem > 0)  # blocked: the remainder is a block behind zero rows
        x_at = step * positions * width if blocked else 0
        end = n_blocks * step * width
        first = end if blocked else 0  # the input's first element copied in memory order
        lanes_at = x_at + n - first
        run_at = lanes_at + lanes
        acc_at = run_at + tail + lanes
        s_at = acc_at + width
        s_rows_n = step * k if merged else max(positions, 1)
        out_at = s_at + s_rows_n * width
        self.buffer = buffer = np.zeros(out_at + (2 + max(level2, k)) * width, dtype)
        x = buffer[x_at - first:lanes_at]  # x[i]: the input's i'th element in memory order, i >= first
        steps = []
        s_rows = buffer[s_at:s_at + s_rows_n * width].reshape(s_rows_n, width)
        x_rows = x[:rows * width].reshape(rows, width)
        if blocked:
            # the blocks side by side: step rows of every block's lanes, one 2-d reduce
            grid = buffer[:x_at].reshape(step, positions, width)
            self.input_view = (grid[:, :n_blocks].transpose(1, 0, 2), (n_blocks, step, width),
                               end, buffer[x_at:lanes_at])
            if rem:
                steps.append((_copy, (grid[step - rem:, n_blocks], x_rows[n_blocks * step:])))
            steps.append((_reduce, (grid.reshape(step, positions * width), 0, None,
                                    s_rows[:positions].reshape(-1))))
        else:
            self.input_view = _memory_order_view(x, a)
            if n_blocks == 1:
                steps.append((_reduce, (x_rows[:step], 0, None, s_rows[0])))
            elif n_blocks:
                view = x[:end].reshape(n_blocks, step, width)
                steps.append((_reduce, (view, 1, None, s_rows[:n_blocks])))
        outs = [buffer[out_at + i * width:out_at + (i + 1) * width] for i in range(2)]
        terms = []  # R, P1, P2: the sums the cascade's total adds, in order
        if merged:
            # blocks: the second-level sum, the partial block (zero rows after it), the
            # remainder rows (copied behind zero rows)
            if rem:
                steps.insert(0, (_copy, (s_rows[k * step - rem:k * step], x_rows[n_blocks * step:])))
            view = np.lib.stride_tricks.as_strided(
                s_rows, (step, k, width), (width * item, step * width * item, item))
            out = buffer[out_at:out_at + k * width].reshape(k, width)
            steps.append((_reduce, (view, 0, None, out)))
            terms = [out[i] for i in range(k)][::-1]
        elif n_blocks:
            if rem:
                terms.append(s_rows[n_blocks] if blocked else
                             _chain_into(steps, x_rows[n_blocks * step:], outs[0]))
            if partial:
                terms.append(_chain_into(steps, s_rows[full1:n_blocks], outs[1]))
            if level2:
                second = s_rows[:full1].reshape(level2, step, width)
                group = buffer[out_at + 2 * width:out_at + (2 + level2) * width].reshape(level2, width)
                if level2 == 1:
                    steps.append((_reduce, (second[0], 0, None, group[0])))
                else:
                    steps.append((_reduce, (second, 1, None, group)))
                    for later in group[1:]:  # P2: the second-level sums added in order
                        steps.append((_add, (group[0], later, group[0])))
                terms.append(group[0])
        acc = buffer[acc_at:acc_at + width]
        if not n_blocks:  # fewer rows than a block: one chain of rows
            terms = [_chain_into(steps, x_rows, acc)]
        if terms[0] is acc:
            pass
        elif len(terms) == 1:
            steps.append((_copy, (acc, terms[0])))
        else:
            steps.append((_add, (terms[0], terms[1], acc)))
            for t in terms[2:]:
                steps.append((_add, (acc, t, acc)))
        # ((acc0 + leftover vectors) + acc1) + acc2) + acc3, lane by lane, into the lanes' slots
        out_lanes = buffer[lanes_at:lanes_at + lanes]
        if leftover:
            lo = x_at - first + rows * width
            index = [acc_at + np.arange(lanes)] + [lo + i * lanes + np.arange(lanes) for i in range(leftover)]
            index += [acc_at + j * lanes + np.arange(lanes) for j in range(1, summation._ILP)]
            steps.append((_gathered_reduce, (buffer, np.array(index, dtype=np.intp), out_lanes)))
        else:
            steps.append((_reduce, (acc.reshape(summation._ILP, lanes), 0, None, out_lanes)))
        self.steps = steps
        # the tail scalars, then the lanes, added in order (add.accumulate is sequential): the
        # slots before the lanes' are the input's last
        self.final = (buffer[lanes_at - tail:lanes_at + lanes], buffer[run_at:run_at + tail + lanes])

    def _run(self, a):
        if self.blocked:
            flat = a.reshape(-1) if a.flags.c_contiguous else a.T.reshape(-1)
            blocks, shape, end, rest = self.input_view
            blocks[...] = flat[:end].reshape(shape)
            rest[...] = flat[end:]
        else:
            self.input_view[...] = a
        for function, args in self.steps:
            function(*args)
        values, sums = self.final
        return _accumulate(values, 0, None, sums)[-1] + self.zero


def _memory_order_view(flat, a):
    """``flat`` viewed with ``a``'s shape so that assigning ``a`` writes its memory order."""
    if a.flags.c_contiguous:
        return flat.reshape(a.shape)
    return flat.reshape(a.shape[::-1]).T


def _copy(dst, src):
    dst[...] = src


def _chain_into(steps, rows, out):
    """rows[0] + rows[1] + ... in order, into ``out`` (returned; a lone row is itself)."""
    if len(rows) == 1:
        return rows[0]
    if len(rows) <= 3:
        steps.append((_add, (rows[0], rows[1], out)))
        if len(rows) == 3:
            steps.append((_add, (out, rows[2], out)))
    else:
        steps.append((_reduce, (rows, 0, None, out)))
    return out


def _gathered_reduce(buffer, index, out):
    _reduce(buffer[index], 0, None, out)
