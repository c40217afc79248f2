"""Floating-point sums in PyTorch's exact order (aten's ``cascade_sum``), so the last bit agrees.

torch (CPU, the AVX2 kernel: sum's AVX512 registration is deliberately empty) never sums left to
right. Its iterator first puts the reduced dims innermost and merges dims that are contiguous in
memory, then each 2-d slab (reduced dim 0, dim 1) is summed one of four ways:

* inner dim contiguous and at least one vector long: per row, vectors of W lanes (8 float,
  4 double; 16 halves load as two float vectors added lane by lane, x[i] + x[i + 8]) are
  summed by ``row_sum`` below as if each lane were its own sequence; the leftover scalars are
  added to 0 first, then the lanes 0..W-1;
* dim 1 contiguous and at least one vector wide: columns in groups of 4*W are summed by
  ``multi_row_sum``, the rest by ``row_sum``;
* otherwise the same two with single columns (groups of 4) or single rows.

``multi_row_sum`` (``_cascade``) adds blocks of 2**k elements sequentially (k = max(4,
ceil(log2 n) / 4)), blocks of blocks likewise, and so on for four levels; ``row_sum`` (``_ilp``)
runs it on 4 interleaved accumulators and adds them as ((a0 + a1) + a2) + a3. Slab results are
accumulated into the output in iteration order, and large tensors (32768+ elements) are split
between torch's threads first, each thread summing its share.

Everything here is vectorised over the independent lanes and columns; Python only loops over
levels and over the few elements a block holds.
"""

from __future__ import annotations

import math

import numpy as np

# torch.get_num_threads() where the reference outputs were recorded: a sum of 32768+ elements is
# split into this many parts, each summed on its own, which changes the bits
THREADS = 2
GRAIN_SIZE = 32768

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
# dtype -> (accumulation dtype, elements per vector load, accumulator lanes)
_VECTOR = {_F32: (_F32, 8, 8), _F64: (_F64, 4, 4), _F16: (_F32, 16, 8)}
_ILP = 4  # row_sum's interleaved accumulators, and multi_row_sum's rows per group
_MIN_BLOCK = 16  # the cascade's smallest block (see _cascade)
# The short paths below (marked "short path") give the general path's bits in fewer numpy calls;
# tests/engine/test_summation.py turns them off to check that against the general path.
SHORT_PATHS = True


class OneCallerAtATime:
    """A kept plan owns its work buffers: a second caller (another thread) gets None and takes
    the general path instead of waiting or sharing them."""

    __slots__ = ("in_use",)

    def run(self, a):
        """The sum, or None while another call is using the buffer."""
        if not self.in_use.acquire(False):
            return None
        try:
            return self._run(a)
        finally:
            self.in_use.release()


def _ceil_log2(n: int) -> int:
    return 1 if n <= 2 else (n - 1).bit_length()


def _chain(x, axis=0):
    """Sum along ``axis`` strictly left to right (numpy's own reductions would sum pairwise)."""
    length = x.shape[axis]
    last = (slice(None),) * axis + (-1,)
    if length == 1:
        return x[last]
    if SHORT_PATHS and x.size < _REDUCE_BELOW and _lanes_inside(x, axis):  # short path
        return np.add.reduce(x, axis=axis)
    return _chain_general(x, axis, length, last)


def _lanes_inside(x, axis: int) -> bool:
    """Whether np.add.reduce sums ``x`` along ``axis`` left to right: numpy sums pairwise only
    along the axis its iterator puts innermost, which is the input's smallest (nonzero) stride.
    When some other axis of 2+ elements has a smaller one, the reduced axis is an outer loop and
    each output element is added to row after row, in order. The speed of a sum depends on this:
    one numpy call instead of add.accumulate's partial sums or a Python loop over the rows."""
    key = (x.shape, x.strides, axis)
    inside = _INSIDE.get(key)
    if inside is None:
        if len(_INSIDE) > 4096:
            _INSIDE.clear()
        step = abs(x.strides[axis])
        inside = _INSIDE[key] = any(ax != axis and n > 1 and 0 < abs(stride) < step
                                    for ax, (n, stride) in enumerate(zip(x.shape, x.strides)))
    return inside


# numpy's reduce over an outer axis runs its inner loop once per row of lanes: on big arrays a
# Python loop of whole-row adds (below) is faster
_REDUCE_BELOW = 1 << 16
_INSIDE: dict = {}  # (shape, strides, axis) -> _lanes_inside: a sum's views repeat every step


def _chain_general(x, axis, length, last):
    """_chain for any layout: add.accumulate (sequential by definition) or a loop over rows."""
    if x.ndim == 1 or x.size < 600 * (length - 1):
        # add.accumulate is sequential by definition: one call, but slow per element
        return np.add.accumulate(x, axis=axis)[last]
    x = x.swapaxes(0, axis)
    acc = x[0] + x[1]
    for row in x[2:]:
        np.add(acc, row, out=acc)
    return acc


def _cascade(x):
    """multi_row_sum: x[:, lane] summed for every lane in torch's blocked levels; x has the
    sequence on axis 0 and any lane shape after it (a strided view is fine)."""
    length, lanes = x.shape[0], x.shape[1:]
    step = max(_MIN_BLOCK, 1 << (_ceil_log2(length) // 4))
    n_blocks = length // step
    total = _chain(x[n_blocks * step:]) if length > n_blocks * step else None
    if not n_blocks:
        return total
    level = _chain(x[:n_blocks * step].reshape((n_blocks, step) + lanes), axis=1)
    partials = []
    for _ in range(2):  # levels 1 and 2 pass their sum up every `step` entries; level 3 keeps all
        full = len(level) // step * step
        partials.append(_chain(level[full:]) if len(level) > full else None)
        level = _chain(level[:full].reshape((-1, step) + lanes), axis=1) if full else level[:0]
    partials.append(_chain(level) if len(level) else None)
    for p in partials:
        if p is not None:
            total = p if total is None else total + p
    return total


def _ilp(x):
    """row_sum: x[:, lane] summed with 4 interleaved accumulators (sequence on axis 0)."""
    length, lanes = x.shape[0], x.shape[1:]
    rows = length // _ILP
    if not rows:
        return _chain(x)
    acc = _cascade(x[:rows * _ILP].reshape((rows, _ILP) + lanes))
    first = acc[0]
    for row in x[rows * _ILP:]:
        first = first + row
    return (first + acc[1]) + acc[2] + acc[3]


def _columns(x, group: int):
    """Columns of ``x`` (L, batch, C): whole groups of ``group`` by multi_row_sum, the rest by
    row_sum; returns (batch, C)."""
    cols = x.shape[2]
    grouped = cols // group * group
    if grouped == cols:
        return _cascade(x)
    if not grouped:
        return _ilp(x)
    return np.concatenate([_cascade(x[:, :, :grouped]), _ilp(x[:, :, grouped:])], axis=1)


def _vector_rows(x, dtype):
    """Rows of ``x`` (M, L), contiguous and at least one vector long, summed as torch's
    vectorised inner loop does; returns (M,)."""
    acc_dtype, load, lanes = _VECTOR[dtype]
    rows, length = x.shape
    n_vec = length // load
    body = x[:, :n_vec * load]
    if dtype == _F16:  # a vector of 16 halves loads as two float vectors, added lane by lane
        halves = body.reshape(rows, n_vec, 2, lanes)
        body = _acc(halves[:, :, 0], acc_dtype) + _acc(halves[:, :, 1], acc_dtype)
    partials = _ilp(body.reshape(rows, n_vec, lanes).swapaxes(0, 1))  # (rows, lanes)
    if length > n_vec * load:
        tail = _acc(x[:, n_vec * load:], acc_dtype)
        partials = np.concatenate([tail, partials], axis=1)
    return _chain(partials, axis=1)


def _slab(x, s0: int, s1: int, dtype):
    """One loop call of torch's kernel on ``x`` (batch, C, L): the last dim (length L, byte
    stride s0) is reduced, dim C (stride s1) is not; returns (batch, C), accumulation dtype."""
    acc_dtype, load, lanes = _VECTOR[dtype]
    batch, cols, length = x.shape
    item = x.itemsize  # a plan's symbolic run (summation_plan) scales strides to its objects
    if s0 == item and length >= load:
        return _vector_rows(x.reshape(batch * cols, length), dtype).reshape(batch, cols)
    x = _acc(x, acc_dtype).transpose(2, 0, 1)
    if s1 == item and cols >= load:
        return _columns(x, _ILP * lanes)
    if s0 < s1:
        return _ilp(x)
    return _columns(x, _ILP)


# ---------------------------------------------------------------------------------------------
# The iterator: which dims torch merges, in which order it walks them


def _iterator(a, dims: tuple):
    """``a`` viewed the way torch's TensorIterator walks it for this reduction.

    Returns (view, n_reduced, groups): the view's axes are the iterator's dims outermost first,
    the kept dims before the ``n_reduced`` reduced ones; groups[i] lists the original axes that
    view axis i merges (outermost first).
    """
    key = (a.shape, a.strides, dims)
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 4096:
            _PLANS.clear()
        plan = _PLANS[key] = _plan(a.shape, a.strides, dims)
    order, view_shape, n_reduced, groups = plan
    return a.transpose(order).reshape(view_shape), n_reduced, groups


_PLANS: dict = {}  # the same few shapes come back every training step


def _plan(shape, strides, dims):
    """How the iterator orders and merges dims: (transpose order, view shape, n_reduced, groups).
    Size-1 dims are left out: torch merges them into their neighbours."""
    reduced = set(dims)
    out_stride, size = {}, 1
    ndim = len(shape)
    for ax in reversed(range(ndim)):  # torch allocates the output contiguous
        out_stride[ax] = 0 if ax in reduced else size
        size *= 1 if ax in reduced else shape[ax]

    def should_swap(d0, d1):  # TensorIterator::reorder_dimensions, output first then input
        o0, o1 = out_stride[d0], out_stride[d1]
        if (o0 == 0) != (o1 == 0):
            return 1 if o1 == 0 else -1
        for t0, t1 in ((o0, o1), (strides[d0], strides[d1])):
            if t0 == 0 or t1 == 0:
                continue
            if t0 != t1:
                return -1 if t0 < t1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = [ax for ax in reversed(range(ndim)) if shape[ax] != 1]  # innermost first
    for i in range(1, len(perm)):
        j = i
        for k in range(i - 1, -1, -1):
            c = should_swap(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    groups = []  # coalesce: merge a dim into the previous one when memory continues there
    for ax in perm:
        if groups:
            last = groups[-1]
            inner, n = last[0], math.prod([shape[g] for g in last])
            if (n * strides[inner] == strides[ax]
                    and n * out_stride[inner] == out_stride[ax]):
                last.append(ax)
                continue
        groups.append([ax])
    groups.reverse()  # outermost first
    order = [ax for ax in range(ndim) if shape[ax] == 1] + [ax for g in groups for ax in reversed(g)]
    view_shape = tuple(math.prod([shape[ax] for ax in g]) for g in groups)
    n_reduced = sum(1 for g in groups if g[0] in reduced)
    return tuple(order), view_shape, n_reduced, [list(reversed(g)) for g in groups]


def _reduce_view(view, n_reduced: int, dtype):
    """Serial sum of an iterator view; returns the kept dims (outermost first), accumulation dtype."""
    acc_dtype = _VECTOR[dtype][0]
    if n_reduced == 0:
        return _acc(view, acc_dtype)
    kept = view.shape[:view.ndim - n_reduced]
    s0 = view.strides[-1]
    if n_reduced == 1:
        cols = kept[-1] if kept else 1
        s1 = view.strides[-2] if kept else 0
        return _slab(view.reshape(-1, cols, view.shape[-1]), s0, s1, dtype).reshape(kept)
    # two or more reduced dims: each row of the innermost slab adds into the same output, slab
    # after slab, in iteration order
    s1 = view.strides[-2]
    x = view.reshape(-1, view.shape[-2], view.shape[-1])
    rows = _slab(x, s0, s1, dtype)  # (kept * outer reduced, rows)
    outer = math.prod(view.shape[len(kept):-2])
    return _chain(rows.reshape(-1, outer * view.shape[-2]), axis=1).reshape(kept)


def _split_full(view, dtype):
    """Sum of everything, split between torch's threads (TensorIterator's two-pass reduction)."""
    n = view.size
    parts = min(THREADS, -(-n // GRAIN_SIZE))
    chunk = -(-n // parts)
    buffer = np.zeros(THREADS, dtype=dtype)
    if (SHORT_PATHS and view.ndim == 1 and n == parts * chunk and view.dtype != object
            and view.strides[0] == view.itemsize):
        # short path: equal shares of one contiguous run are rows of one (parts, chunk) view,
        # and _vector_rows sums every row as it sums one (same lanes, same adds), so the
        # threads' sums come out of one pass of numpy calls instead of one per thread
        # (W5's million-element sum: 11% fewer instructions, docs/benchmarks.md)
        buffer[:parts] = _reduce_view(view.reshape(parts, chunk), 1, dtype)
        return _reduce_view(buffer, 1, dtype)
    for t in range(parts):
        buffer[t] = _range_sum(view, dtype, t * chunk, min(n, (t + 1) * chunk))
    return _reduce_view(buffer, 1, dtype)


def _range_sum(view, dtype, begin: int, end: int):
    """Elements [begin, end) of a full reduction, in the loop calls serial_for_each makes: a
    partial row, then whole slabs of rows, each row added to the thread's output in turn."""
    if view.ndim == 1:
        return _reduce_view(view[begin:end], 1, dtype)
    n0, n1 = view.shape[-1], view.shape[-2]
    s0, s1 = view.strides[-1], view.strides[-2]
    rows = []
    pos = begin
    while pos < end:
        i0, rest = pos % n0, pos // n0
        i1, outer = rest % n1, rest // n1
        size0 = min(n0 - i0, end - pos)
        size1 = max(1, min(n1 - i1, (end - pos) // n0)) if i0 == 0 else 1
        slab = view.reshape(-1, n1, n0)[outer, i1:i1 + size1, i0:i0 + size0]
        rows.append(_slab(slab[None], s0, s1, dtype)[0])
        pos += size0 * size1
    return _chain(np.concatenate(rows))


def _small_row_sum(values):
    """row_sum of fewer than 64 scalars (no block of the cascade fills): four interleaved
    chains, the leftovers added to the first, then ((a0 + a1) + a2) + a3."""
    n = len(values)
    if n < _ILP:
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total
    acc = list(values[:_ILP])
    body = n // _ILP * _ILP
    for i in range(_ILP, body):
        acc[i % _ILP] = acc[i % _ILP] + values[i]
    for v in values[body:]:
        acc[0] = acc[0] + v
    return ((acc[0] + acc[1]) + acc[2]) + acc[3]


def _sum_small_dense(a, dtype):
    """Sum of a memory-dense array shorter than one vector: torch merges it into one dim and
    takes its scalar loop, in memory order."""
    flat = a.ravel(order="K")
    if dtype == _F64:
        return _F64.type(_small_row_sum(flat.tolist()) + 0.0)  # Python floats are doubles
    if dtype == _F16:
        return _F16.type(_small_row_sum(list(flat.astype(_F32))) + _F32.type(0))
    return _small_row_sum(list(flat)) + _F32.type(0)


# float_sum's first look: the sum of all of a float32/float64 array shorter than one vector
_TINY = {_F32: _F32.type(0), _F64: _F64.type(0)}  # dtype -> the output's starting 0


def _sum_tiny(a, zero):
    """_sum_small_dense of a float32 or float64 array, in one call (a lesson's 2x3 mean took
    longer than 50 additions would). The values come out as Python floats, exact, and each
    addition to the numpy scalar ``zero`` rounds to its dtype, as torch's float adds do. The
    chain starts at +0.0 where torch adds its result to 0 last: the two differ only in the
    sign of a zero that is added to (x + 0.0 is x + -0.0 for every nonzero x, NaN and inf), and
    a chain that starts at +0.0 never holds -0.0 (round to nearest gives -0.0 only for -0.0 +
    -0.0), as torch's result, 0 + sum, never is."""
    values = a.ravel(order="K").tolist()
    total = zero + values[0]
    if len(values) < _ILP:
        for v in values[1:]:
            total = total + v
        return total
    for v in values[_ILP:]:  # the leftovers go to the first of four interleaved chains
        total = total + v
    return ((total + values[1]) + values[2]) + values[3]


_TAIL_FIRST: dict = {}  # n -> the order _sum_one_vector adds n elements in


def _sum_one_vector(flat, zero):
    """``_sum_contiguous`` of a float32 or float64 run of one whole vector and a shorter tail
    (W9's (10, 1) loss and bias gradient), with its arithmetic: its lanes are that vector as it
    is, and the tail and then the lanes are added in order, starting from the tail's first
    element, then 0 is added. In three numpy calls (a plan takes a dozen)."""
    n = flat.size
    order = _TAIL_FIRST.get(n)
    if order is None:
        load = _VECTOR[flat.dtype][1]
        order = _TAIL_FIRST[n] = np.concatenate([np.arange(load, n), np.arange(load)])
    return np.add.accumulate(flat[order])[-1] + zero


def _sum_short_dim(a, dim: int, keepdim: bool, dtype):
    """Sum over one dim of fewer than 4 elements: every kernel path adds those in order."""
    acc_dtype = _VECTOR[dtype][0]
    lead = (slice(None),) * dim
    total = a[lead + (0,)].astype(acc_dtype)  # a fresh array, which the adds below may reuse
    for i in range(1, a.shape[dim]):
        np.add(total, a[lead + (i,)], out=total)
    np.add(total, 0, out=total)  # the output starts at 0: -0.0 comes out as 0.0
    total = total.astype(dtype, copy=False)
    return np.expand_dims(total, dim) if keepdim else total


def _sum_contiguous(flat, dtype):
    """Short path: the sum of a contiguous run of at least one vector, too short to be split
    between threads; the general path (_vector_rows on one row) in as few numpy calls as it
    takes. Four interleaved chains of vectors summed by the cascade, leftover vectors into the
    first, ((v0 + v1) + v2) + v3, then the scalar tail and the lanes in order."""
    acc_dtype, load, lanes = _VECTOR[dtype]
    n_vec = flat.size // load
    body = flat[:n_vec * load].reshape(n_vec, load // lanes, lanes)
    vectors = body[:, 0].astype(acc_dtype) + body[:, 1] if dtype == _F16 else body[:, 0]
    rows = n_vec // _ILP
    if rows:
        # the vectors as rows of 4 * lanes: every lane of every chain is a column; fewer rows
        # than a block of the cascade (16 at least) are one chain, summed down the columns
        chains = vectors[:rows * _ILP].reshape(rows, _ILP * lanes)
        acc = (np.add.reduce(chains, axis=0) if rows < _MIN_BLOCK else _cascade(chains))
        acc = acc.reshape(_ILP, lanes)
        first = acc[0]
        for v in vectors[rows * _ILP:]:
            first = first + v
        lane_sums = ((first + acc[1]) + acc[2]) + acc[3]
    else:
        lane_sums = np.add.accumulate(vectors)[-1]
    tail = flat[n_vec * load:]
    if tail.size:
        lane_sums = np.concatenate([tail.astype(acc_dtype, copy=False), lane_sums])
    total = np.add.accumulate(lane_sums)[-1] + acc_dtype.type(0)
    return total if dtype != _F16 else _F16.type(total)


def float_sum(a, dims=None, keepdim: bool = False, dtype=None):
    """torch.sum of a float array over ``dims`` (all when None), with torch's rounding."""
    if SHORT_PATHS and dtype is None and type(dims) is not list:  # short path: a plan made earlier
        a_dtype = a.dtype  # (an array's attributes are read by the generic lookup)
        zero = _TINY.get(a_dtype)
        if zero is not None and dims is None and not keepdim and 0 < a.size < _VECTOR[a_dtype][1] \
                and (a.flags.c_contiguous or a.flags.f_contiguous):
            total = _sum_tiny(a, zero)  # shorter than one vector: the plans cost more
            if total == total:
                return total
            # a NaN: when two NaNs meet, which one's sign survives depends on the operand
            # order of each add, which numpy's scalars (and the plans) do not keep; the
            # general path does
            return general_sum(a, tuple(range(a.ndim)), False, (), a.dtype)
        if zero is not None and dims is None and not keepdim and \
                _VECTOR[a_dtype][1] <= a.size < 2 * _VECTOR[a_dtype][1] \
                and (a.flags.c_contiguous or a.flags.f_contiguous):
            return _sum_one_vector(a.ravel(order="K"), zero)  # the plans cost more
        plan = _ready.get((a.shape, a.strides, dims, keepdim, a_dtype))
        result = None if plan is None else plan.run(a)
        if result is not None:
            return result
    passed_dims = dims
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)  # torch casts first, keeping the layout of a dense tensor
    dtype = a.dtype
    all_dims = tuple(range(a.ndim))
    dims = all_dims if dims is None else tuple(dims)
    out_shape = tuple(1 if ax in dims else s for ax, s in enumerate(a.shape)) if keepdim else \
        tuple(s for ax, s in enumerate(a.shape) if ax not in dims)
    if a.size == 0:
        return np.zeros(out_shape, dtype=dtype) if out_shape or keepdim else dtype.type(0)
    if SHORT_PATHS:
        result = planned_sum(a, dims, keepdim, out_shape, dtype, passed_dims)  # short path
        if result is not None:
            return result
        result = _contiguous_sum(a, dims, keepdim)  # short path: until a plan is built
        if result is not None:
            return result
        if len(dims) == a.ndim and not keepdim and (a.flags.c_contiguous or a.flags.f_contiguous):
            if a.size < _VECTOR[dtype][1]:
                return _sum_small_dense(a, dtype)
            if a.size < GRAIN_SIZE or THREADS == 1:
                return _sum_contiguous(a.ravel(order="K"), dtype)
        if len(dims) == 1 and a.shape[dims[0]] < _ILP and a.ndim > 1:
            return _sum_short_dim(a, dims[0], keepdim, dtype)
    return general_sum(a, dims, keepdim, out_shape, dtype)


def _contiguous_sum(a, dims, keepdim: bool):
    """float_sum by summation_contiguous when its kernels apply, else None: a C-contiguous
    float32/64 array too small for torch's threads, summed over its last dim (rows) or its first
    (columns), at least one vector long. (A whole sum has _sum_contiguous, which is cheaper for
    a single row.)"""
    dtype = a.dtype
    if dtype not in _CONTIGUOUS_DTYPES or a.size >= GRAIN_SIZE or len(dims) != 1 or \
            a.ndim < 2 or not a.flags.c_contiguous or a.size < _VECTOR[dtype][1]:
        return None
    load, shape = _VECTOR[dtype][1], a.shape
    dim = dims[0]
    if dim == len(shape) - 1 and shape[dim] >= load:
        out = row_sums(a.reshape(-1, shape[dim]), dtype)
    elif dim == 0 and len(shape) > 1 and a.size // shape[0] >= load:
        out = column_sums(a.reshape(shape[0], -1), dtype)
    else:
        return None
    rest = shape[:dim] + shape[dim + 1:]
    return out.reshape(shape[:dim] + (1,) + shape[dim + 1:] if keepdim else rest)


def general_sum(a, dims: tuple, keepdim: bool, out_shape: tuple, dtype):
    """float_sum without its short paths. ``a`` may also be an array of objects that record
    their additions (summation_plan's symbolic run), ``dtype`` then the dtype it stands for."""
    if any(s < 0 for s in a.strides):
        a = np.ascontiguousarray(a)  # torch has no negative strides: that tensor was a copy
    view, n_reduced, groups = _iterator(a, dims)
    if dtype == _F16 and n_reduced >= 2:
        # torch sums half over two or more merged dims in a float32 copy (its acc buffer)
        if a.dtype == object:  # a plan's symbolic run: that copy's layout, summed as float32
            return general_sum(a.copy(order="K" if _dense(a) else "C"), dims, keepdim, out_shape, _F32)
        out = float_sum(half_to_float(a), dims, keepdim)
        return out.astype(_F16) if isinstance(out, np.ndarray) else _F16.type(out)
    kept = view.shape[:view.ndim - n_reduced]
    if view.size >= GRAIN_SIZE and THREADS > 1 and n_reduced:
        if not kept:
            result = _split_full(view, dtype)
        else:
            result = _split_kept(view, n_reduced, dtype)
    else:
        result = _reduce_view(view, n_reduced, dtype)
    # the output starts at 0 and the sum is added to it: -0.0 comes out as 0.0
    if result.dtype == object:  # a plan's symbolic run
        result = np.asarray(result + 0, dtype=object)
    else:
        result = np.add(result, 0, dtype=_VECTOR[dtype][0]).astype(dtype, copy=False)
    if not kept:
        return result.reshape(out_shape) if out_shape or keepdim else result.reshape(())[()]
    kept_axes = [ax for g in groups[:len(kept)] for ax in g]
    result = result.reshape([a.shape[ax] for ax in kept_axes])
    result = result.transpose(sorted(range(len(kept_axes)), key=kept_axes.__getitem__))
    return result.reshape(out_shape)


def _split_kept(view, n_reduced, dtype):
    """Sum over some dims, the outermost kept dim split between threads (parallel_dim_reduction):
    only a split of the loop's own columns (one kept dim, one reduced) changes the grouping."""
    kept = view.shape[:view.ndim - n_reduced]
    if len(kept) != 1 or n_reduced != 1:
        return _reduce_view(view, n_reduced, dtype)
    cols = kept[0]
    parts = min(THREADS, cols)
    chunk = -(-cols // parts)
    round_to = 128 // dtype.itemsize if view.strides[0] == view.itemsize else 1
    out = np.empty(cols, dtype=_VECTOR[dtype][0])
    for t in range(parts):
        begin, end = t * chunk, min(cols, (t + 1) * chunk)
        begin -= begin % round_to
        if end != cols:
            end -= end % round_to
        if begin < end:
            out[begin:end] = _reduce_view(view[begin:end], 1, dtype)
    return out


def _acc(x, dtype):
    """``x`` cast to ``dtype``; an array of recording objects (a plan's symbolic run) as it is."""
    return x if x.dtype == object else x.astype(dtype, copy=False)


def half_to_float(a):
    """``a.to(torch.float32)``: the layout of a dense tensor kept, anything else made contiguous."""
    return a.astype(_F32, order="K" if _dense(a) else "C")


def _dense(a) -> bool:
    """No gaps between elements, in some order of dims (torch keeps such a layout on a cast)."""
    size = a.itemsize
    for stride, n in sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != size:
            return False
        size *= n
    return True


# last: summation_plan runs general_sum above
from gradrepl.engine.ops.summation_plan import planned_sum, ready as _ready  # noqa: E402
from gradrepl.engine.ops.summation_contiguous import (  # noqa: E402
    DTYPES as _CONTIGUOUS_DTYPES, column_sums, row_sums)
