"""Small float32 matrix products in the order MKL sums them on an AMD CPU (blas_order.py picks
this module by cpu_capability.vendor; Intel's orders are there).

MKL takes other kernels on an AMD EPYC (Zen 3, AVX-512; torch 2.13, MKL 2024.2) than on Intel;
the same ones on a Zen 3 without AVX-512 (session 15: docs/floats.md, "q-amdsuite").
Each rule below was found by summing crafted inputs (2**30 and -2**30 among ones: the ones that
survive name the partial sums the pair met in), then checked byte for byte on random shapes
against live torch (scripts/measure_amd_blas.py; docs/floats.md "CPU vendor"). ``b`` is either
row-major (``x @ w``) or a transposed row-major matrix (``x @ weight.t()``, nn.Linear's forward);
"products" are each rounded to float32 unless a rule says fused.

- A matrix times one column (gemv: ``nn.Linear(k, 1)``, ``mv``; and a row times a transposed
  matrix, which torch hands to gemv with the matrix's rows): unfused, 4 lanes wide, rows in blocks
  of four. A blocked row sums a head of ``(k - 1) % 4 + 1`` products in order, then the rest in 4
  lanes (lane l takes head + l, head + l + 4, ...), the head's sum entering lane 0 before its first
  product; the lanes fold as ``(l0 + l2) + (l1 + l3)``. The rows after the last block of four take
  a head of 4, then whole groups of 8 products, then the rest in order after the fold; the groups
  go to two 4-lane accumulators (each group's halves, added lane by lane before the fold), except
  on the second leftover row, whose groups add into one.
- A transposed matrix (F-contiguous: ``a.t() @ column``, mv's gradient for its vector) times one
  column: the unfused chain of a row times a matrix below, the column the row, from +0 in k
  order (session 15, Zen 3: 240 random shapes up to 3000 x 3000 byte for byte, 2 threads).
- ``b`` transposed, 2 to 11 columns (and the rows of 1 to 3-row products): each element is a
  dot of two contiguous rows. Its head is the products before ``a``'s row reaches a 16-byte
  boundary (0 to 3), then 4 lanes as above over whole groups of 4 (columns in the blocks of four)
  or whole groups of 8 in two accumulators (the last ``n % 4`` columns), folded, then the rest in
  order.
- ``b`` row-major, up to 11 columns (and the rows of 1 to 3-row products): each element an
  unfused chain from +0 in k order, except where ``c``'s row does not start on a 16-byte boundary
  and a whole vector of 4 follows: its first 1-3 elements (the peeled ones) sum each group of 8
  products as the first 4 in order, then the next 4 chained apart and added, then the rest in
  order.
- 12 columns or more, rows in blocks of four (so every row when m is a multiple of 4; and every
  row from m = 12): a *fused* chain ``fma(a, b, acc)`` from the first product, cut into k blocks
  added at the end: one block up to k = 192, two of ``k // 2`` (and a last product alone when k is
  odd) below 384, else blocks of 192. With 5 to 11 rows, the rows after the blocks of four are
  fused chains too when k <= 4, or n <= 16 and k <= 16; otherwise they take the row kernels above.

- Both operands transposed (``a.t() @ w.t()``: a gradient of a product of transposes), 2 rows
  or more, below 12 columns: the unfused chain from +0 in k order (session 15, Zen 3: 146 random
  shapes up to 200 x 400 x 11 byte for byte; with 12 columns or more not that, not found).

Operands not starting on a 16-byte boundary of their storage stay on numpy's BLAS.
"""

from __future__ import annotations

import functools

import numpy as np

_F32 = np.dtype(np.float32)
_LANES = 4  # MKL's vector here (SSE)
_LEFTOVER_HEAD = 4  # gemv's rows after the blocks of four: products summed before the lanes
_FUSED_COLUMNS = 12  # from this many columns, blocked rows sum as fused chains
_FUSED_ALL_ROWS = 12  # from this many rows, every row does
_K_BLOCK = 192  # the fused chains' k block
_SMALL_SIDE = 16  # 4 to 11 rows: leftover rows fused up to this many columns and this k

GEMV_K = 4096  # gemv measured up to this k,
GEMV_SIZE = 6_000_000  # and this many multiply-adds (two threads split it in whole blocks)
# a transposed matrix times a column measured up to here (no thread split found; session 15)
TRANSPOSED_GEMV_SIZE = 4_000_000
DOT_SIZE = 1 << 15  # the dot kernel up to here (about 60 us; 64 x 784 x 10 would take 7 ms)
CHAIN_SIZE = 1 << 15  # the chains (a numpy step per k) up to here, as on Intel
# Past those the same rules hold for nn.Linear's products in lessons (session 16, r-amdblas:
# every product of a Linear step with batch 8-64 and 16-256 features and outputs, W8's five
# among them, byte for byte) up to LARGE_SIZE multiply-adds with k <= LARGE_K and at most
# LARGE_SIDE rows and columns, but they cost 24 to 50 times numpy's instructions there (a W8 step
# 8.7 times its instructions: docs/floats.md "r-amdblas"), so they are followed only when
# LARGE_PRODUCTS is true; false: numpy's BLAS, as before
LARGE_PRODUCTS = False
LARGE_SIZE = 1 << 22
LARGE_K = LARGE_SIDE = 256


def follows(a, b) -> bool:
    """Whether ``product`` reproduces AMD torch's bits for these 2-D operands."""
    if a.dtype != _F32 or b.dtype != _F32 or a.ndim != 2 or b.ndim != 2:
        return False
    # the shapes and strides first: where data starts (``_aligned``) costs more to read than
    # they do, and the products past every size below (W8's, unless LARGE_PRODUCTS) never need it
    return layout_follows(a, b) and _aligned(a) and _aligned(b)


def layout_follows(a, b) -> bool:
    """``follows`` for float32 matrices wherever their data starts: their shapes and strides."""
    m, k = a.shape
    n = b.shape[1]
    if m == 0 or n == 0 or k == 0:
        return False
    rows_b = b.flags.c_contiguous  # (k, n) row-major (any (k, 1) column counts as both)
    transposed_b = not rows_b and b.strides[0] == b.itemsize and b.strides[1] == k * b.itemsize
    if n == 1 and m > 1:
        if not a.flags.c_contiguous:  # a transposed matrix times a column (mv's vec gradient)
            return (a.flags.f_contiguous and m * k <= TRANSPOSED_GEMV_SIZE
                    and b.strides[0] == b.itemsize)
        return _gemv_fits(a, m, k) and (k == 1 or b.strides[0] == b.itemsize)
    if m == 1 and transposed_b:
        return _gemv_fits(b.T, n, k) and (k == 1 or a.strides[1] == a.itemsize)
    if not (rows_b or transposed_b) or not (a.flags.c_contiguous or a.flags.f_contiguous):
        return False
    if n == 1:  # a dot: the row kernel, unless b is a transposed row (torch's strides say so)
        return k <= CHAIN_SIZE and b.strides[1] == b.itemsize
    size = m * k * n
    large = (LARGE_PRODUCTS and size <= LARGE_SIZE and k <= LARGE_K and m <= LARGE_SIDE
             and n <= LARGE_SIDE)
    if _all_fused(m, k, n):
        return size <= CHAIN_SIZE or large
    if transposed_b and not a.flags.c_contiguous:  # both transposed: the unfused chain
        return n < _FUSED_COLUMNS and size <= CHAIN_SIZE
    if transposed_b:
        return a.flags.c_contiguous and (size <= DOT_SIZE or large)
    return size <= CHAIN_SIZE or large


def blas_layout(x):
    """``x`` as torch hands it to MKL: itself where one stride is 1 and the other spans a row
    or column (a leading dimension MKL takes), else a C-contiguous copy, as torch's addmm clones
    an operand it cannot pass (an expanded gradient, strides (0, 0), is summed as that copy)."""
    if x.ndim != 2 or x.size == 0:
        return x
    (rows, cols), (s0, s1) = x.shape, (s // x.itemsize for s in x.strides)
    if s1 == 1 and s0 >= max(1, cols) or s0 == 1 and s1 >= max(1, rows):
        return x
    return np.ascontiguousarray(x)


def _gemv_fits(matrix, m, k) -> bool:
    return k <= GEMV_K and m * k <= GEMV_SIZE and matrix.flags.c_contiguous


def _aligned(x) -> bool:
    """Whether ``x`` starts a multiple of 16 bytes into the array that owns its memory (torch's
    storages are 64-byte aligned, and MKL's kernels peel to 16-byte boundaries)."""
    base = x.base
    if base is None:  # owns its memory: starts at 0
        return True
    owner = x
    while isinstance(base, np.ndarray):
        owner, base = base, base.base
    if x.size == owner.size and (x.flags.c_contiguous or x.flags.f_contiguous):
        return True  # covers the whole of its owner (weight.t()): starts where it does
    start = x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return start % 16 == 0


def product(a, b):
    """``a @ b`` in AMD MKL's order, for operands ``follows`` admits."""
    m, k = a.shape
    n = b.shape[1]
    if n == 1 and m > 1:
        if not a.flags.c_contiguous:  # a.T's rows scaled and added in turn: a row's chain
            return unfused_chain(b.T, a.T).T
        if k <= _LANES:  # nn.Linear(3, 1): gemv's one chain per row (``_short_chain``), inline
            return (np.add.accumulate(a * b.T, axis=1)[:, k - 1] + _F32.type(0.0))[:, None]
        return gemv(a, b[:, 0])[:, None]
    if m == 1 and n > 1 and not b.flags.c_contiguous:
        return gemv(b.T, a[0])[None]
    if _all_fused(m, k, n):
        return _fused_blocks(a, b)
    if not (a.flags.c_contiguous or b.flags.c_contiguous):  # both transposed, below 12 columns
        return unfused_chain(a, b)
    rows = _row_kernel(a, b) if b.flags.c_contiguous else _dots(a, b)
    if n >= _FUSED_COLUMNS and m > 3:  # blocked rows fused, the leftover rows as above
        blocked = m // 4 * 4
        rows[:blocked] = _fused_blocks(a[:blocked], b)
    return rows


def _all_fused(m, k, n) -> bool:
    """Whether every row sums as a fused chain (12+ columns, module docstring)."""
    return n >= _FUSED_COLUMNS and (m % 4 == 0 or m >= _FUSED_ALL_ROWS
                                    or m > 4 and _leftover_fused(k, n))


def _leftover_fused(k, n) -> bool:
    """Whether the rows after the blocks of four (4 to 11 rows) sum as fused chains too: for a
    short k, or a small product; else they take the row kernels."""
    return k <= _LANES or (n <= _SMALL_SIDE and k <= _SMALL_SIDE)


def gemv(a, x):
    """AMD MKL's gemv order (module docstring): rows in blocks of four, then the leftover rows,
    the second of which adds its groups of 8 into one accumulator."""
    m, k = a.shape
    products = a * x  # each rounded once: no fused step anywhere
    if k <= _LANES:  # every row's head holds all its products (nn.Linear(3, 1)): one chain
        return _short_chain(products, k)
    blocked = m // 4 * 4
    out = np.empty(m, _F32)
    if blocked:
        out[:blocked] = _lanes(products[:blocked], (k - 1) % _LANES + 1, k, split=False)
    head = min(_LEFTOVER_HEAD, k)
    groups = (k - head) // (2 * _LANES) * 2 * _LANES
    for row in range(blocked, m):
        out[row:row + 1] = _lanes(products[row:row + 1], head, head + groups,
                                  split=row != blocked + 1)
    return np.add(out, _F32.type(0.0), out=out)  # the accumulators start from +0


def _short_chain(products, k):
    """``_lanes(products, k, k, split=False) + 0`` for k <= 4 (the head is every product), in
    two numpy calls: ``add.accumulate`` adds each row's products strictly in order, and adding
    +0 makes a fresh contiguous column."""
    return np.add.accumulate(products, axis=1)[:, k - 1] + _F32.type(0.0)


def _lanes(products, head, end, split):
    """Rows of products: ``[0, head)`` in order, ``[head, end)`` in 4 lanes folded by halves, the
    rest added in order. ``split``: the lanes' products alternate between two accumulators by
    groups of 4, added lane by lane before the fold."""
    total = products[:, 0].copy() if head else None
    for column in range(1, head):
        total += products[:, column]
    if end > head:
        lanes = products[:, head:end].reshape(len(products), -1, _LANES).copy()
        if total is not None:
            lanes[:, 0, 0] += total
        if split:
            acc = (np.add.accumulate(lanes[:, 0::2], axis=1)[:, -1]
                   + np.add.accumulate(lanes[:, 1::2], axis=1)[:, -1])
        else:
            acc = np.add.accumulate(lanes, axis=1)[:, -1]
        total = (acc[:, 0] + acc[:, 2]) + (acc[:, 1] + acc[:, 3])
    elif total is None:
        total, end = products[:, 0].copy(), 1
    for column in range(end, products.shape[1]):
        total += products[:, column]
    return total


def _dots(a, b):
    """A transposed ``b``: every element a dot of ``a``'s row and ``b``'s column (contiguous),
    headed by the products before ``a``'s row reaches a 16-byte boundary."""
    m, k = a.shape
    n = b.shape[1]
    blocked = n // _LANES * _LANES
    out = np.empty((m, n), _F32)
    row_heads = (-np.arange(m) * k) % _LANES  # a starts aligned (``follows``)
    for head in range(_LANES):
        rows = np.flatnonzero(row_heads == head)
        if not len(rows):
            continue
        h = min(head, k)
        products = a[rows][:, None, :] * b.T[None]  # (rows, n, k)
        for lo, hi, step, split in ((0, blocked, _LANES, False), (blocked, n, 2 * _LANES, True)):
            if hi > lo:
                flat = products[:, lo:hi].reshape(-1, k)
                end = h + (k - h) // step * step
                out[rows, lo:hi] = _lanes(flat, h, end, split).reshape(len(rows), hi - lo)
    return np.add(out, _F32.type(0.0), out=out)


def _row_kernel(a, b):
    """``b`` row-major: unfused chains from +0, except each row's peeled first elements (module
    docstring)."""
    out = unfused_chain(a, b)
    for count, rows in _peeled_rows(a.shape[0], b.shape[1]):
        products = a[rows][:, :, None] * b[None, :, :count]  # (rows, k, count)
        out[rows, :count] = _peeled_order(np.moveaxis(products, 1, -1))
    return out


@functools.lru_cache(maxsize=512)
def _peeled_rows(m, n):
    """``(count, rows)`` for every count of peeled elements (1 to 3) some row of an (m, n)
    product has, where a whole vector of 4 follows them: a per-shape plan, so a step of a small
    product (W9's weight gradient: one row, none peeled) makes no index arrays. ``c`` is a fresh,
    aligned array, so row r starts ``r * n`` elements in."""
    peeled = (-np.arange(m) * n) % _LANES
    plan = []
    for count in range(1, _LANES):
        rows = np.flatnonzero(peeled == count)
        if len(rows) and n - count >= _LANES:
            rows.flags.writeable = False  # shared by every later call of this shape
            plan.append((count, rows))
    return tuple(plan)


def _peeled_order(products):
    """Per group of 8 products: the first 4 added to the total in order, the next 4 chained
    apart, then added; the rest in order. ``products``: (..., k)."""
    k = products.shape[-1]
    whole = k // (2 * _LANES) * 2 * _LANES
    groups = products[..., :whole].reshape(products.shape[:-1] + (-1, 2, _LANES))
    second = np.add.accumulate(groups[..., 1, :], axis=-1)[..., -1:]
    steps = np.concatenate([groups[..., 0, :], second], axis=-1)  # (..., groups, 5)
    steps = np.concatenate([steps.reshape(products.shape[:-1] + (-1,)), products[..., whole:]],
                           axis=-1)
    total = np.add.accumulate(steps, axis=-1)[..., -1]
    return np.add(total, _F32.type(0.0))


def unfused_chain(a, b):
    """Each product rounded to float32, summed from +0 in k order. ``add.accumulate`` adds
    strictly in order; starting from +0 changes only an all--0 sum, which adding +0 at the end
    makes +0 as well."""
    if a.shape[0] == 1:  # one row (W9's weight gradient): the same sums without a third axis
        total = np.add.accumulate(np.multiply(a.T, b), axis=0)[-1:]  # (k, n) products
        return np.add(total, _F32.type(0.0), out=total)
    # (k, m, n), each rounded once; laid out in C order, so that the last row of the running
    # sums (the result) is C-contiguous as torch's is (numpy's default order follows a.T's)
    products = np.multiply(a.T[:, :, None], b[:, None, :], order="C")
    total = np.add.accumulate(products, axis=0)[-1]
    return np.add(total, _F32.type(0.0), out=total)


def k_blocks(k):
    """The k ranges the fused chains sum apart: one up to 192, two of k // 2 (and one product
    when k is odd) below 384, else blocks of 192."""
    size = k if k <= _K_BLOCK else (k // 2 if k < 2 * _K_BLOCK else _K_BLOCK)
    return [(lo, min(lo + size, k)) for lo in range(0, k, size)]


def _fused_blocks(a, b, start=None):
    """The fused chains of each k block, added in turn to +0, or to ``start`` (``addmm``)."""
    from gradrepl.engine.ops.blas_order import _chain

    chain = _wide_chain if a.size * b.shape[1] >= CHAIN_SIZE else _chain  # (LARGE_PRODUCTS)
    total = None if start is None else np.array(np.broadcast_to(start, (a.shape[0], b.shape[1])))
    for lo, hi in k_blocks(a.shape[1]):
        part = chain(a[:, lo:hi], b[lo:hi])
        total = part if total is None else np.add(total, part, out=total)
    return total if start is not None else np.add(total, _F32.type(0.0), out=total)


# from CHAIN_SIZE on, the fused chains run as ``_wide_chain`` (blas_order._chain keeps every step's
# sums at once and redoes the whole product if one may have rounded twice: 8.4 M instructions
# for 32 x 64 x 128 against 6.0 M); below, as before
_WIDE_STEPS = 8  # steps of k whose products ``_wide_chain`` makes in one call (kept in cache)
_F64 = np.dtype(np.float64)


def _wide_chain(a, b):
    """blas_order._chain for many outputs: one fused multiply-add chain per output down k from
    the first product, rounded to float32 at each step (the exact float64 product plus the
    float32 total, rounded once in float64, then to float32). The two roundings can compound
    only where the float64 sum lies on a float32 midpoint or below float32's normal range
    (``fused.rounding_suspects``). Every partial sum is a multiple of the smallest last bit a
    product can have, so when no factor is below 2**-40 in magnitude (or zero) no nonzero sum is
    below 2**-126 and only the midpoints are looked for. The steps' sums are screened a chunk of
    steps at a time, a flagged sum whose TwoSum error is zero was exact, and the outputs with an
    inexact one are summed again with ``fused.fma32`` (screened step by step) at the end.
    Overflow needs no care: a float64 sum past float32's range rounds to its infinity, which
    later steps keep (or make nan), as the float32 steps do."""
    from gradrepl.engine.float_math import fused

    m, k = a.shape
    n = b.shape[1]
    a64 = np.array(a.T, _F64, order="C")  # (k, m): step j's column of a is row j
    b64 = np.array(b, _F64, order="C")
    rounded = np.empty((m, n), _F32)
    total = np.empty((m, n), _F64)  # the float32 total, in float64
    sums = np.empty((min(k, _WIDE_STEPS), m, n), _F64)
    bits, flags = np.empty(sums.shape, np.uint64), np.empty(sums.shape, bool)
    tiny_sums = not (_no_tiny_factor(a64) and _no_tiny_factor(b64))
    redo = []  # flat indices of outputs with a step that may have rounded twice, inexactly
    with np.errstate(over="ignore", invalid="ignore"):
        for lo in range(0, k, len(sums)):
            part = sums[:min(len(sums), k - lo)]
            np.multiply(a64[lo:lo + len(part), :, None], b64[lo:lo + len(part), None, :],
                        out=part)  # the exact products
            if lo == 0:  # the first product, rounded once: the chain's start
                rounded[...] = part[0]
                total[...] = rounded
                first, part = 1, part[1:]
            else:
                first = lo
            before = total.copy()  # what the chunk's first step adds to
            for step in part:  # (item assignment casts for fewer instructions than copyto)
                np.add(step, total, out=step)
                rounded[...] = step
                total[...] = rounded
            if not len(part):
                continue
            if tiny_sums:
                suspect = fused.may_have_rounded_twice(part)
            else:  # fused.on_float32_midpoint, into kept buffers
                mask = bits[:len(part)]
                np.bitwise_and(part.view(np.uint64), _BELOW_F32, out=mask)
                suspect = fused.count_nonzero(np.equal(mask, _HALFWAY, out=flags[:len(part)]))
            if suspect:
                redo.append(_inexact_outputs(part, before, a64[first:first + len(part)],
                                             b64[first:first + len(part)]))
    if redo:
        outputs = np.unique(np.concatenate(redo))
        rows, cols = np.divmod(outputs, n)
        x, y = a[rows], b[:, cols].T  # (outputs, k): each output's two factors
        value = x[:, 0] * y[:, 0]
        for j in range(1, k):
            value = fused.fma32(x[:, j], y[:, j], value)
        rounded.reshape(-1)[outputs] = value
    return rounded


_BELOW_F32 = np.uint64((1 << 29) - 1)  # the float64 mantissa bits float32 drops
_HALFWAY = np.uint64(1 << 28)
_TINY_FACTOR = 2.0 ** -40  # factors at least this large (or zero): no sum below 2**-126


def _no_tiny_factor(x) -> bool:
    """Whether every nonzero value of ``x`` is at least ``_TINY_FACTOR`` in magnitude."""
    magnitude = np.abs(x)
    return not np.logical_and(magnitude < _TINY_FACTOR, magnitude != 0).any()


def _inexact_outputs(sums, before, a64, b64):
    """The flat indices of the outputs one of whose steps' float64 sums (``sums``: (steps, m,
    n), step i adding product ``a64[i] x b64[i]`` to the float32 total ``before`` for step 0,
    else to ``sums[i - 1]`` rounded to float32) may have rounded twice and was inexact."""
    from gradrepl.engine.float_math import fused
    from gradrepl.engine.vector_math import _two_sum_error

    steps, m, n = sums.shape
    flagged = np.flatnonzero(fused.rounding_suspects(sums))
    step, output = np.divmod(flagged, m * n)
    rows, cols = np.divmod(output, n)
    addends = np.where(step == 0, before.reshape(-1)[output],
                       sums.reshape(steps, -1)[np.maximum(step - 1, 0), output]
                       .astype(_F32).astype(_F64))
    products = a64[step, rows] * b64[step, cols]
    error = _two_sum_error(products, addends, sums.reshape(steps, -1)[step, output])
    return output[~(error == 0)]  # a nan error (a nan flagged) counts as inexact


def _fused_rows(m, k, n) -> int:
    """How many leading rows of an (m, k) @ (k, n) product ``product`` sums as fused chains."""
    if _all_fused(m, k, n):
        return m
    return m // 4 * 4 if n >= _FUSED_COLUMNS and m > 3 else 0


def bias_enters_blocks(m, k, n) -> bool:
    """Whether ``addmm`` differs from ``product(a, b) + bias``: some rows are fused chains cut
    into two k blocks or more (with one, the two orders are the same sums)."""
    return k > _K_BLOCK and _fused_rows(m, k, n) > 0  # k_blocks cuts k from 193 on


def addmm(bias, a, b):
    """``bias + a @ b`` as MKL's gemm sums it with beta = 1 (nn.Linear's forward, addmm): the
    fused chains' output starts as the bias and each k block adds into it (bias + block 0 +
    block 1 ...; session 15, Zen 3: 10 of 10 random shapes with k blocks, where the product
    plus the bias after matched none); every other row is the product with the bias added after.
    (The fused rows are summed twice here: ``bias_enters_blocks`` shapes are few and small.)"""
    m, k = a.shape
    out = np.add(product(a, b), bias)
    rows = _fused_rows(m, k, b.shape[1])
    out[:rows] = _fused_blocks(a[:rows], b, np.broadcast_to(bias, out.shape)[:rows])
    return out
