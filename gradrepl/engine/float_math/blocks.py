"""Running an elementwise numpy kernel over a large array a block at a time.

The SLEEF emulations make a few hundred numpy passes per call, each writing a temporary as
large as the input. Over a million elements those temporaries (4-8 MB each) fall out of the CPU
caches between passes, which makes a pass two to three times dearer per element than over a
block of about 16,000 elements, whose temporaries stay in cache. The kernels are elementwise, so
each block's result is exactly the whole call's result for those elements: splitting changes the
time, never a bit (``tests/engine/test_float_math_fused.py`` compares both ways).
"""

from __future__ import annotations

import functools

import numpy as np

BLOCK = 16384  # elements; 0 switches blocking off (the property tests compare both)
_F64 = np.dtype(np.float64)


def in_blocks(kernel):
    """``kernel(*arrays)`` (elementwise, broadcasting its arguments) computed block by block."""
    @functools.wraps(kernel)
    def blocked(*args):
        if _fits_one_block(args):  # most calls: a few hundred elements, no broadcasting
            return kernel(*args)
        arrays = [np.asarray(a) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        size = int(np.prod(shape))
        if not BLOCK or size <= BLOCK:
            return kernel(*args)
        flat = [a if a.ndim == 0 else np.broadcast_to(a, shape).reshape(-1) for a in arrays]
        first = np.asarray(kernel(*(a if a.ndim == 0 else a[:BLOCK] for a in flat)))
        out = np.empty(size, first.dtype)
        out[:BLOCK] = first
        for start in range(BLOCK, size, BLOCK):
            part = slice(start, start + BLOCK)
            out[part] = kernel(*(a if a.ndim == 0 else a[part] for a in flat))
        return out.reshape(shape)
    return blocked


def _fits_one_block(args) -> bool:
    """Whether the call is surely one block, decided without numpy's broadcasting helpers (which
    cost more than a small kernel's arithmetic): every array argument of one shape, at most a
    block, the others numbers or 0-d."""
    shape = None
    for a in args:
        if type(a) is np.ndarray and a.ndim:
            if shape is None:
                shape, size = a.shape, a.size
            elif a.shape != shape:
                return False
        elif not isinstance(a, (np.ndarray, np.generic, float, int)):
            return False
    return shape is None or not BLOCK or size <= BLOCK


def large_contiguous(x) -> bool:
    """Whether ``x`` is an array worth ``rounded_through_float64``: C-contiguous (the result
    keeps that layout) and more than a block."""
    return type(x) is np.ndarray and bool(BLOCK) and x.size > BLOCK and x.flags.c_contiguous


def rounded_through_float64(x, compute, finish=None):
    """``compute(w)`` (elementwise, in place on a float64 ``w``) of ``x`` converted to float64,
    rounded once to ``x``'s dtype: what ``compute`` on ``x.astype(float64)`` then ``astype``
    back gives, without the two temporaries as large as the input (a float64 copy of a million
    float32 elements is 8 MB: converting into it, computing and converting back are three trips
    through memory). Here the float64 copy is one block of scratch that stays in cache. ``x``
    is C-contiguous (``large_contiguous``). ``finish(rounded, start, stop)``, if given, works
    on each rounded block while it is in cache too (in place, on ``x``'s flat elements
    [start, stop)); when it returns False the call stops and returns None."""
    flat = x.reshape(-1)
    out = np.empty(x.shape, x.dtype)
    out_flat = out.reshape(-1)
    step = 4 * BLOCK  # one float64 array of scratch, not a kernel's dozens of temporaries
    scratch = np.empty(min(step, flat.size), _F64)
    for start in range(0, flat.size, step):
        part = flat[start:start + step]
        wide = scratch[:part.size]
        np.copyto(wide, part)
        compute(wide)
        rounded = out_flat[start:start + step]
        np.copyto(rounded, wide, casting="same_kind")  # rounded as astype rounds
        if finish is not None and finish(rounded, start, start + part.size) is False:
            return None
    return out


# The float64 paths of SLEEF's expf and logf (sleef._expf_ordinary_in_float64,
# sleef_single._logf_ordinary_in_float64) write each fused step's products and sums into
# (steps, n) work arrays. Made afresh at each call, two np.empty and the rows' views (a list of
# an array's rows is one view each plus the IndexError that ends the iteration, which numpy
# formats) cost ~10% of expf on W8's 320 logits; the arrays and their rows are kept per
# (steps, shape) instead. A call takes its set out of the memo while it runs, so that one that
# starts meanwhile (another thread) makes its own; nothing a kernel returns is one of them.
KEEP_WORK = True  # False: made at each call (the tests compare both)
_WORK_ELEMENTS = 4096  # largest input kept for (W8's logits: 320; larger inputs make their own)
_WORK_SETS = 16  # sets kept at most (the memo starts afresh beyond)
_work: dict = {}


def take_work(steps: int, shape: tuple, screened: int = 0):
    """``(products, sums, product rows, sum rows, screened bits, key)``: two float64 arrays of
    ``(steps,) + shape``, their rows as views, uninitialised, and the bits of the sums from row
    ``screened`` on, flat (``fused.bits_may_have_rounded_twice`` reads them); hand them back
    with ``give_back_work``."""
    key = (steps, shape, screened)
    work = _work.pop(key, None) if KEEP_WORK else None
    if work is None:
        products, sums = np.empty((steps,) + shape), np.empty((steps,) + shape)
        bits = sums[screened:].reshape(-1).view(np.uint64)
        work = (products, sums, list(products), list(sums), bits, key)
    return work


def give_back_work(work) -> None:
    key = work[5]
    if KEEP_WORK and work[0].size <= key[0] * _WORK_ELEMENTS:
        if len(_work) >= _WORK_SETS:
            _work.clear()
        _work[key] = work
