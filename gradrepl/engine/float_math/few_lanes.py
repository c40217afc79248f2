"""float32 arithmetic on a few lanes in Python floats, for the lesson-sized shapes where each
numpy call costs more than its arithmetic (an optimizer's update of ``nn.Linear(3, 1)``'s
3-element weight and 1-element bias: ``fused.fma32``).

Why it is numpy's arithmetic exactly: a float32 value is exact as a Python float (a float64);
the product of two is exact in float64 (24 + 24 significant bits fit in 53); a Python ``+`` or
``*`` is one IEEE float64 operation, rounded to nearest as numpy's float64 ufuncs round (CPython
does each operator on its own, so nothing is contracted into a hardware fma); and
``array('f', ...)`` rounds float64 to float32 with the C cast numpy's ``astype`` uses.

Measured (CPU time, busy machine): a gain up to about 5 lanes, none at 8. A matrix product's
chain of fused steps (``fma_chain``: Linear(3, 1)'s weight gradient, 3 lanes and 9 steps) gains
up to about 6 lanes once a step is a few float operations and one rounding and the screening is
a few integer operations on all the sums at once (an earlier version with a list comprehension
per step and a loop over the sums was no faster than numpy). Roundings of lists go through
struct's ``f`` format (``_rounding``): an ``array('f')`` built from a list or a ``map`` costs
about three times as much per element.

A fused multiply-add is the float64 sum rounded to float32, right unless the two roundings
compound; ``rounded_once`` screens for that as ``fused.all_rounded_once`` does. Callers go back
to their numpy path for anything not finite (its warnings and nan bits stay numpy's) and for a
sum that may have rounded twice.
"""

from __future__ import annotations

import struct
from array import array
from operator import add

import numpy as np

_BELOW_F32 = (1 << 29) - 1  # the float64 mantissa bits float32 drops
_HALFWAY = 1 << 28
_ABS = (1 << 63) - 1
_TINY_BITS = int(np.float64(np.finfo(np.float32).tiny).view(np.uint64))
_structs: dict[int, tuple] = {}


def finite(values) -> bool:
    """Whether every value is finite. ``values``: Python floats (a list, or an ``array('f')``)
    of at most float32's square in magnitude, whose float64 sum cannot overflow (numpy float32
    scalars would add in float32 and warn)."""
    total = sum(values)
    return total - total == 0


def rounded_once(sums, products, addends) -> bool:
    """Whether rounding each float64 ``sums[i] = products[i] + addends[i]`` to float32 rounded
    the exact sum once (``products[i]`` exact: a product of two float32 values): no sum on a
    float32 midpoint or nonzero below float32's normal range (the lanes
    ``fused.may_have_rounded_twice`` flags), or each such sum exact in float64 (its TwoSum error
    is zero), so that rounding it to float32 was the only rounding. The sums must be finite."""
    n = len(sums)
    packers = _structs.get(n)
    if packers is None:
        packers = _structs[n] = struct.Struct(f"{n}d"), struct.Struct(f"{n}Q")
    for i, bits in enumerate(packers[1].unpack(packers[0].pack(*sums))):
        if bits & _BELOW_F32 == _HALFWAY or 0 < bits & _ABS < _TINY_BITS:
            s, p, c = sums[i], products[i], addends[i]
            back = s - p
            if (p - (s - back)) + (c - back) != 0:  # TwoSum's error of p + c
                return False
    return True



def fma_chain(a_row, b_rows):
    """A row times a matrix as a sequential chain of fused multiply-adds, ``total = fma(a[s],
    b[s, j], total)`` down s = 1, 2, ... from the rounded first product (``blas_order._chain``'s
    arithmetic for one row), on a few lanes: ``a_row`` is the row's k float32 values and
    ``b_rows`` the matrix's k rows (``ndarray.tolist()``). Returns the float32 results as an
    ``array('f')``, or None where the numpy path must decide: a result that is not finite (a
    total that overflowed or met a nan stays so, and numpy's warnings and nan bits are its own),
    or a step whose sum may have rounded twice.

    A product of two float32 values is exact in float64, so a step is the lanes' products and
    adds in float64 and one rounding of all of them to float32 (``struct``'s ``f`` format: the C
    cast numpy's ``astype`` uses, which raises OverflowError where a finite sum rounds past
    float32's range: numpy's path then overflows with its warning). The steps run in a loop
    written out for the number of lanes (``_chain_kernel``): a ``map`` and an ``array('f')`` per
    step cost four times as much on a lesson's weight gradient (3 lanes, 10 steps). The sums are
    screened once at the end, as ``rounded_once`` screens them, with the bit tests done on all
    of them at once in one Python integer (``_suspect_slots``)."""
    lanes = len(b_rows[0])
    kernel = _chain_kernels.get(lanes) or _chain_kernel(lanes)
    try:
        first, sums, total = kernel(a_row, b_rows)
    except OverflowError:
        return None
    if not finite(total):
        return None
    if sums:
        unpack = _rounding(1)[1]
        for i in _flagged(_suspect_slots(sums)):  # a flagged sum must have been exact in float64
            step, lane = divmod(i, lanes)
            before = first[i] if i < lanes else unpack(_rounding(1)[0](sums[i - lanes]))[0]
            if not _exact_sum(sums[i], a_row[step + 1] * b_rows[step + 1][lane], before):
                return None
    return array("f", total)


_chain_kernels: dict = {}
_roundings: dict = {}


def _rounding(n):
    """``pack`` and ``unpack`` of n float32 values: ``unpack(pack(*values))`` rounds n Python
    floats to float32 (the C cast) in two calls."""
    packer = _roundings.get(n)
    if packer is None:
        packer = struct.Struct(f"{n}f")
        packer = _roundings[n] = (packer.pack, packer.unpack)
    return packer


def _chain_kernel(lanes: int):
    """``fma_chain``'s steps for this many lanes, written out (t0, t1, ... the running float32
    totals held as Python floats; each step's float64 sums kept for the screening):
    ``(first rounded products, every step's sums in order, the last totals)``."""
    totals = ", ".join(f"t{j}" for j in range(lanes))
    columns = ", ".join(f"b{j}" for j in range(lanes))
    source = (
        f"def chain(a_row, b_rows):\n"
        f"    x = a_row[0]\n"
        f"    {columns}, = b_rows[0]\n"
        f"    first = unpack(pack({', '.join(f'x * b{j}' for j in range(lanes))}))\n"
        f"    {totals}, = first\n"
        f"    sums = []\n"
        f"    for x, ({columns},) in zip(a_row[1:], b_rows[1:]):\n"
        f"        step = ({', '.join(f'x * b{j} + t{j}' for j in range(lanes))},)\n"
        f"        sums += step\n"
        f"        {totals}, = unpack(pack(*step))\n"
        f"    return first, sums, ({totals},)\n")
    pack, unpack = _rounding(lanes)
    namespace = {"pack": pack, "unpack": unpack}
    exec(compile(source, f"<few_lanes chain of {lanes}>", "exec"), namespace)
    kernel = _chain_kernels[lanes] = namespace["chain"]
    return kernel


# Veltkamp's splitter for float64: ``c = s * _SPLITTER; c - (c - s)`` is s rounded to nearest on
# 53 - 29 = 24 significant bits (float32's), exactly, for s whose float32 rounding is a normal
# number; a tie (s on a float32 midpoint) may go either way (Boldo, "Veltkamp's splitting")
_SPLITTER = float((1 << 29) + 1)
_TOP_BIT = np.uint64(1 << 63)
_ABS_U64 = np.uint64(_ABS)
_ONE_U64 = np.uint64(1)
_TINY_U64 = np.uint64(_TINY_BITS - 1)
# float64 bits of 2**128 - 2**103, float32's largest value plus half its ulp: sums from there
# on round to inf in float32 (the midpoint too: FLT_MAX's last bit is odd); inf and nan above
_OVERFLOW_U64 = np.uint64(int(np.float64(2.0**128 - 2.0**103).view(np.uint64)))
_LOW_SHIFT = np.uint64(35)  # bits << 35 keeps a float64's low 29 mantissa bits, at the top
_F64 = np.float64
_F32 = np.float32
_lowest, _highest = np.minimum.reduce, np.maximum.reduce


def fma_chain_split(a_row, b):
    """``fma_chain`` for a long chain (Linear(3, 1)'s weight gradient over a few hundred samples:
    k of 200, 3 lanes): ``a_row`` the row's k float32 values, ``b`` the (k, n) float32 matrix as
    arrays. The same arithmetic, step for step: each fused step's exact float64 sum, rounded to
    float32; the rounding is Veltkamp's split (three float operations) instead of an
    ``array('f')`` per step, so a lane is one loop of plain float arithmetic.

    The split rounds to float32 exactly where it is a plain round to nearest: for sums that are
    not on a float32 midpoint (where it may break a tie the other way), whose float32 rounding is
    a normal number and finite. A sum on a midpoint is also where the float64 sum may have
    rounded twice. So any sum on a midpoint, nonzero below float32's normal range, rounding to
    inf or not finite sends the chain back (None) to numpy's path, which decides each of those
    as ever; so does anything not finite (numpy's warnings and nan bits are its own)."""
    with np.errstate(invalid="ignore"):  # inf * 0: nan, and back to numpy's path below
        # each lane's exact products (float32 times float32 in float64), made in one call
        lanes = np.multiply(b.T, a_row, dtype=_F64).tolist()
    sums = []  # each step's float64 sum, and each lane's first product
    totals = []
    splitter = _SPLITTER
    for products in lanes:
        total = products[0]
        sums.append(total)
        scaled = total * splitter
        total = scaled - (scaled - total)  # the first product rounded: the chain starts there
        for product in products[1:]:
            step = product + total
            scaled = step * splitter
            total = scaled - (scaled - step)
            sums.append(step)  # (not a bound method kept aside: 3.11 specialises list.append)
        totals.append(total)
    # (fromiter with the count: a third of array("d", sums)'s cost on a few hundred floats)
    bits = np.fromiter(sums, _F64, len(sums)).view(np.uint64)
    magnitude = bits & _ABS_U64
    # magnitude - 1 wraps a zero around to the top: only nonzero magnitudes below TINY are low
    # (the ufuncs' own reductions: ndarray.min, max and any add numpy's Python layer)
    if _lowest(magnitude - _ONE_U64) < _TINY_U64 or _highest(magnitude) >= _OVERFLOW_U64:
        return None
    if np.count_nonzero((bits << _LOW_SHIFT) == _TOP_BIT):  # low 29 bits HALFWAY: a midpoint
        return None
    return array("f", totals)


def _flagged(slots: int):
    """The indices of the sums ``_suspect_slots`` flagged, lowest first."""
    while slots:
        i = ((slots & -slots).bit_length() - 1) >> 6
        slots &= ~(_SLOT << (i << 6))
        yield i


def _exact_sum(total: float, product: float, addend: float) -> bool:
    """Whether ``total = product + addend`` was exact in float64 (TwoSum's error is zero)."""
    back = total - product
    return (product - (total - back)) + (addend - back) == 0


_SLOT = (1 << 64) - 1
_slot_masks: dict[int, tuple] = {}


def _suspect_slots(sums) -> int:
    """The sums ``rounded_once`` looks at again (on a float32 midpoint, or nonzero below
    float32's normal range), as nonzero bits in the 64-bit slot of each: every sum's bits side
    by side in one Python integer, tested by a few integer operations instead of a loop. The
    slots never carry into each other: each test adds less than 2**63 to a value below 2**63."""
    count = len(sums)
    masks = _slot_masks.get(count)
    if masks is None:
        ones = sum(1 << (64 * i) for i in range(count))
        masks = _slot_masks[count] = (
            ones * _BELOW_F32, ones * _HALFWAY, ones << 29, ones * _ABS,
            ones * ((1 << 63) - _TINY_BITS), ones << 63, struct.Struct(f"<{count}d").pack)
    below, halfway, bit29, magnitude_mask, tiny_fill, top, pack = masks
    # struct's d format copies each float's 8 bytes (an array('d') from a list costs 2.5 times as much)
    bits = int.from_bytes(pack(*sums), "little")
    # a slot's low 29 bits equal HALFWAY iff their xor with it is 0, iff adding 2**29 - 1 to
    # that xor leaves bit 29 clear
    midpoints = ((((bits & below) ^ halfway) + below) & bit29) ^ bit29
    magnitude = bits & magnitude_mask
    # bit 63 of magnitude + 2**63 - TINY_BITS is set iff magnitude >= TINY_BITS; of magnitude
    # + 2**63 - 1 iff magnitude >= 1
    normal_or_zero = ((magnitude + tiny_fill) & top) | (((magnitude + magnitude_mask) & top) ^ top)
    return midpoints | (normal_or_zero ^ top)


def gemv_values(exact, k, block):
    """MKL's AVX-512 gemv order (``blas_order._gemv_rows``, whose docstring gives it) in Python
    floats for a small matrix times a vector, given as their m * k exact float64 products in
    row-major order (``exact``): the m float32 results as Python floats (a tuple or a list),
    each +0 added, or None where numpy's path must decide (a result that is not finite, or a fused step that may
    have rounded twice).

    A float32 add or product is the float64 one rounded to float32 (53 >= 2 * 24 + 2 bits: the
    two roundings never compound), so only the fused first step of the blocked rows needs the
    screening. The lanes are held as columns over all rows, so each level of the fold is one
    ``map`` and one rounding per lane whatever the number of rows (``_round``: struct's ``f``
    format, cheaper than an ``array('f')`` built from an iterator)."""
    m = len(exact) // k
    blocked = m // block * block
    try:
        products = _round(exact)
        first = products[0::k]
        sums = list(map(add, exact[1:blocked * k:k], first[:blocked]))
        lanes = [_round(sums) + products[1 + blocked * k::k]]  # lane 0 of every row
        lanes += [products[j::k] for j in range(2, k)]
        width = 1 << (k - 2).bit_length()
        lanes += [(0.0,) * m] * (width - len(lanes))
        pack, unpack = _rounding(m)
        while width > 1:  # lane i + lane i ^ (width / 2): only the low lanes reach lane 0
            width //= 2
            lanes = [unpack(pack(*map(add, lanes[i], lanes[i + width]))) for i in range(width)]
        total = lanes[0]
        if blocked < m:
            total = total[:blocked] + _round(list(map(add, first[blocked:], total[blocked:])))
    except OverflowError:  # a finite value rounded past float32's range: numpy's path decides
        return None
    if not finite(total):
        return None
    for i in _flagged(_suspect_slots(sums) if sums else 0):
        if not _exact_sum(sums[i], exact[i * k + 1], first[i]):
            return None
    # +0: a zero sum is never -0, as BLAS's; only a zero can change (x + 0 is x for any other
    # finite x), and ``in`` finds -0 too (-0.0 == 0.0), so most calls skip the adds
    return [v + 0.0 for v in total] if 0.0 in total else total


def gemv(exact, k, block):
    """``gemv_values`` as an ``array('f')`` (or None)."""
    total = gemv_values(exact, k, block)
    return None if total is None else array("f", total)


def _round(values):
    """Python floats rounded to float32 (the C cast numpy's ``astype`` uses), as a tuple of
    Python floats; OverflowError where a finite value rounds past float32's range."""
    pack, unpack = _rounding(len(values))
    return unpack(pack(*values))


_linear_kernels: dict = {}


def linear_column_kernel(m: int, k: int, block: int):
    """``gemv_values`` and then each result plus a bias, for an (m, k) float32 matrix times a
    (k,) vector, written out as one function for these sizes: ``kernel(x, w, c)`` takes the
    matrix and the vector (C-contiguous float32 memory, read by ``struct.unpack_from``) and the
    bias as a Python float, and returns a fresh (m, 1) float32 array of ``(total + 0) + c``
    (what ``blas_order.linear_column`` makes from ``gemv_values``' +0-added totals), or None
    where ``gemv_values`` hands back (a total that is not finite, a fused first step that may
    have rounded twice) or a result rounds past float32's range (numpy's add warns).

    The arithmetic is ``gemv_values``', step for step and in its operand order: the rounded
    products (every row's first, the lanes' products), the blocked rows' fused first steps
    ``x[i, 1] * w[1] + p0`` (exact product plus a float32 value in float64, then rounded), the
    fold by halves (lane l + lane l + half; a padding lane adds +0.0), and the rows after the
    last whole block add their first product after the fold. Each level's values are rounded
    together by one ``pack``/``unpack`` (struct's native ``f``: the C cast); the results are
    written by ``pack_into`` in the standard-size ``=f`` format, whose OverflowError is the
    range check. No lists, maps or slices: a lesson's forward (10 rows, k = 3) is a few
    dozen float operations and five struct calls."""
    key = (m, k, block)
    kernel = _linear_kernels.get(key)
    if kernel is None:
        kernel = _linear_kernels[key] = _linear_column_source(m, k, block)
    return kernel


def _linear_column_source(m: int, k: int, block: int):
    blocked = m // block * block
    width = 1 << (k - 2).bit_length()
    lines = ["def kernel(x, w, c):"]
    xs = [f"x{i}_{j}" for i in range(m) for j in range(k)]
    lines.append(f"    {', '.join(xs)}, = unpack_x(x)")
    lines.append(f"    {', '.join(f'w{j}' for j in range(k))}, = unpack_w(w)")
    namespace: dict = {}

    def rounding(names, exprs, tag):
        count = len(names)
        packer = struct.Struct(f"{count}f")
        namespace[f"pack_{tag}"], namespace[f"unpack_{tag}"] = packer.pack, packer.unpack
        lines.append(f"    {', '.join(names)}, = unpack_{tag}(pack_{tag}({', '.join(exprs)}))")

    # level 1: the rounded products: every row's first; lanes' products from the third on; the
    # second for the rows after the last whole block (their lane 0 starts from 0)
    names, exprs = [], []
    for i in range(m):
        for j in range(k):
            if j == 1 and i < blocked:
                continue
            names.append(f"p{i}_{j}")
            exprs.append(f"x{i}_{j} * w{j}")
    rounding(names, exprs, "products")
    lanes = []  # per row, the expressions of its lanes
    if blocked:
        # the blocked rows' fused first steps: the exact second product plus the first
        lines.append(f"    sums = ({', '.join(f'x{i}_1 * w1 + p{i}_0' for i in range(blocked))},)")
        rounding([f"q{i}" for i in range(blocked)], ["*sums"], "fused")
    for i in range(m):
        row = [f"q{i}" if i < blocked else f"p{i}_1"] + [f"p{i}_{j}" for j in range(2, k)]
        row += ["0.0"] * (width - len(row))
        lanes.append(row)
    level = 0
    while width > 1:
        width //= 2
        level += 1
        names, exprs = [], []
        for i in range(m):
            row = lanes[i]
            new = []
            for lane in range(width):
                name = f"f{level}_{i}_{lane}"
                names.append(name)
                exprs.append(f"{row[lane]} + {row[lane + width]}")
                new.append(name)
            lanes[i] = new
        rounding(names, exprs, f"fold{level}")
    totals = [lanes[i][0] for i in range(m)]
    if blocked < m:
        rest = range(blocked, m)
        rounding([f"t{i}" for i in rest], [f"p{i}_0 + {totals[i]}" for i in rest], "tail")
        totals[blocked:] = [f"t{i}" for i in rest]
    lines.append(f"    total = {' + '.join(totals)}")
    lines.append("    if total - total != 0:")
    lines.append("        return None")
    if blocked:
        lines.append("    slots = suspect(sums)")
        lines.append("    if slots:")
        lines.append(f"        firsts = ({', '.join(f'p{i}_0' for i in range(blocked))},)")
        lines.append(f"        seconds = ({', '.join(f'x{i}_1' for i in range(blocked))},)")
        lines.append("        for i in flagged(slots):")
        lines.append("            if not exact_sum(sums[i], seconds[i] * w1, firsts[i]):")
        lines.append("                return None")
    lines.append(f"    out = empty(({m}, 1), F32)")
    lines.append("    try:")
    lines.append(f"        pack_out(out, 0, {', '.join(f'({t} + 0.0) + c' for t in totals)})")
    lines.append("    except OverflowError:")
    lines.append("        return None")
    lines.append("    return out")
    namespace.update(
        unpack_x=struct.Struct(f"{m * k}f").unpack_from,
        unpack_w=struct.Struct(f"{k}f").unpack_from,
        pack_out=struct.Struct(f"={m}f").pack_into, suspect=_suspect_slots, flagged=_flagged,
        exact_sum=_exact_sum, empty=np.empty, F32=np.dtype(np.float32))
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<few_lanes linear column of {m}x{k}>", "exec"), namespace)
    return namespace["kernel"]


_row_chain_kernels: dict = {}
ROW_CHAIN_CAP = 96  # steps times lanes written out at most (W9's weight gradient: 10 x 3)


def row_chain_kernel(k: int, lanes: int):
    """``fma_chain`` for a row of k float32 values times a (k, lanes) float32 matrix, written
    out as one function for these sizes: ``kernel(a, b)`` reads both from C-contiguous float32
    memory (``struct.unpack_from``) and returns a fresh (1, lanes) float32 array of the chain's
    totals with +0 added (``blas_order._one_chain_kernel``'s result), or None where
    ``fma_chain`` hands back (a total that is not finite, a step that may have rounded twice).
    The same steps in the same order: the first products rounded, then each step's exact
    product plus the running float32 total in float64, rounded by one ``pack``/``unpack`` per
    step, and every step's sum screened once at the end (``_suspect_slots``). Without the
    ``tolist`` calls, the loop and the list of sums. None for more than ``ROW_CHAIN_CAP``
    steps times lanes (the caller takes ``fma_chain``)."""
    key = (k, lanes)
    kernel = _row_chain_kernels.get(key)
    if kernel is None:
        if k * lanes > ROW_CHAIN_CAP or k < 2:
            return None
        kernel = _row_chain_kernels[key] = _row_chain_source(k, lanes)
    return kernel


def _row_chain_source(k: int, lanes: int):
    pack, unpack = _rounding(lanes)
    lines = ["def kernel(a, b):",
             f"    {', '.join(f'a{s}' for s in range(k))}, = unpack_a(a)",
             f"    {', '.join(f'b{s}_{j}' for s in range(k) for j in range(lanes))}, = unpack_b(b)",
             f"    {', '.join(f't0_{j}' for j in range(lanes))}, = unpack(pack("
             f"{', '.join(f'a0 * b0_{j}' for j in range(lanes))}))"]
    for s in range(1, k):
        lines.append(f"    {', '.join(f's{s}_{j}' for j in range(lanes))}, = "
                     f"{', '.join(f'a{s} * b{s}_{j} + t{s - 1}_{j}' for j in range(lanes))},")
        lines.append(f"    {', '.join(f't{s}_{j}' for j in range(lanes))}, = unpack(pack("
                     f"{', '.join(f's{s}_{j}' for j in range(lanes))}))")
    last = [f"t{k - 1}_{j}" for j in range(lanes)]
    steps = [(s, j) for s in range(1, k) for j in range(lanes)]
    lines += [f"    total = {' + '.join(last)}",
              "    if total - total != 0:",
              "        return None",
              f"    sums = ({', '.join(f's{s}_{j}' for s, j in steps)},)",
              "    slots = suspect(sums)",
              "    if slots:",
              f"        products = ({', '.join(f'a{s} * b{s}_{j}' for s, j in steps)},)",
              f"        befores = ({', '.join(f't{s - 1}_{j}' for s, j in steps)},)",
              "        for i in flagged(slots):",
              "            if not exact_sum(sums[i], products[i], befores[i]):",
              "                return None",
              f"    out = empty((1, {lanes}), F32)",
              # +0: a BLAS sum starts from +0, so a zero total is never -0
              f"    pack_out(out, 0, {', '.join(f'{t} + 0.0' for t in last)})",
              "    return out"]
    namespace = dict(
        pack=pack, unpack=unpack, unpack_a=struct.Struct(f"{k}f").unpack_from,
        unpack_b=struct.Struct(f"{k * lanes}f").unpack_from,
        pack_out=struct.Struct(f"{lanes}f").pack_into, suspect=_suspect_slots, flagged=_flagged,
        exact_sum=_exact_sum, empty=np.empty, F32=np.dtype(np.float32))
    exec(compile("\n".join(lines) + "\n", f"<few_lanes row chain of {k}x{lanes}>", "exec"),
         namespace)
    return namespace["kernel"]
