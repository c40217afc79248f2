"""The float32 fused multiply-add SLEEF's FMA builds make, emulated exactly and cheaply.

``a * b`` of two float32 values is exact in float64 (24 + 24 significant bits fit in 53), so
``a * b + c`` in float64 is rounded once, and rounding that to float32 gives the fused result
unless the two roundings compound. They can only compound when the float64 sum lands exactly
on a midpoint between two float32 values (its bits below float32's last bit read 1 then 28
zeros; in the subnormal range the midpoints sit higher, so results below the normal range are
checked too). A sum that is exactly zero is exact (a float sum is zero only when its terms
cancel exactly), so a zero result needs no second look. Those rare lanes are redone from the
exact error of the float64 sum (``vector_math._fma_exact``).

``vector_math.fma`` (used by randn) screens the same lanes but also every zero result, which
double-word arithmetic produces on most lanes (a pair's low part is often 0), and converts its
operands every call; this version keeps only the checks the argument above needs.
``EXACT_EVERYWHERE = True`` sends every lane through the exact path instead (the property tests
compare both).

A SLEEF kernel makes a dozen or more fused steps on small arrays, where each numpy call costs
more than its arithmetic, so the kernels run under ``deferred_checks``: each step keeps its
float64 sum and returns the rounded float32 at once, and one screening over all the kept sums
at the end decides. It flags every lane ``_suspects`` would flag (a midpoint, or any nonzero sum
below float32's normal range), so when it flags none, every step returned exactly what the
step-by-step screening returns and the kernel's result is the same array. A flagged lane whose
float64 sum was exact (its TwoSum error is zero) was rounded only once, so it is right too
(double-word arithmetic makes such sums often: a residual like 1 - d * (1/d) has 25 bits).
If any flagged lane's sum was inexact, the kernel runs again with every step screened.
``DEFERRED = False`` screens step by step (the property tests compare both).
"""

from __future__ import annotations

import functools
import threading
from array import array
from operator import add, mul

import numpy as np

from gradrepl.engine.float_math import few_lanes
from gradrepl.engine.vector_math import _fma_exact, _two_sum_error

EXACT_EVERYWHERE = False
DEFERRED = True

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_BELOW_F32 = np.uint64((1 << 29) - 1)  # the float64 mantissa bits float32 drops
_HALFWAY = np.uint64(1 << 28)
_TINY = np.finfo(np.float32).tiny
_ABS64 = np.uint64((1 << 63) - 1)
_TINY_BITS_LESS_ONE = np.uint64(np.float64(_TINY).view(np.uint64)) - np.uint64(1)
_BELOW_F32_ARRAY, _HALFWAY_ARRAY, _ABS64_ARRAY, _ONE_ARRAY, _TINY_BITS_LESS_ONE_ARRAY = (
    np.array(v, np.uint64) for v in (_BELOW_F32, _HALFWAY, _ABS64, 1, _TINY_BITS_LESS_ONE))
_TINY_ARRAY = np.array(_TINY)
_pending = threading.local()  # .steps: a deferred kernel's (operands, float64 sum), unscreened
# numpy's count_nonzero without its Python layer (the array-function dispatch and
# numpy/_core/numeric.py's axis handling: ~2 k instructions a call, about what the count costs
# on a step's few hundred flags): the C function numeric's count_nonzero calls for axis=None,
# with the same results (a numpy int) for arrays, scalars and sequences
count_nonzero = getattr(getattr(np, "_core", None), "multiarray", np).count_nonzero


def all_at_least(values: np.ndarray, bound: np.ndarray) -> bool:
    """``np.minimum.reduce(values, axis=None) >= bound`` (a nan fails, as the minimum propagates
    it) as one comparison and a count: numpy's reduction machinery costs ~9 k instructions a
    call, the comparison and ``count_nonzero`` ~6.4 k on a step's few hundred values (callgrind).
    ``values`` has at least one element; ``bound`` is a 0-d array of its dtype (a numpy scalar
    operand costs ~1.4 k more)."""
    return count_nonzero(np.greater_equal(values, bound)) == values.size


def all_at_most(values: np.ndarray, bound: np.ndarray) -> bool:
    """``np.maximum.reduce(values, axis=None) <= bound``, as ``all_at_least``."""
    return count_nonzero(np.less_equal(values, bound)) == values.size


def fma32(a, b, c) -> np.ndarray:
    """a * b + c on float32 values (arrays or scalars, broadcast), rounded once to float32."""
    if (type(a) is np.ndarray and a.size <= FEW_LANES and a.dtype == _F32
            and not EXACT_EVERYWHERE and getattr(_pending, "steps", None) is None):
        # (a deferred kernel keeps its steps for one screening at the end instead)
        few = _fma32_few_lanes(a, b, c)
        if few is not None:
            return few
    wide = np.multiply(_float64(a), _float64(b))
    if type(wide) is np.ndarray and np.shape(c) == wide.shape:
        np.add(wide, _float64(c), out=wide)
    else:
        wide = np.asarray(np.add(wide, _float64(c)))
    result = wide.astype(_F32)
    steps = getattr(_pending, "steps", None)
    if steps is not None:
        steps.append(((a, b, c), wide))
        return result
    suspect = _suspects(wide, result)
    if suspect is not None and result.ndim == 0:
        result[()] = _fma_exact(*(np.asarray(v, _F32).reshape(1) for v in (a, b, c)))[0]
    elif suspect is not None:
        lanes = np.nonzero(suspect)  # indices, not a mask: a few lanes of a large array
        a, b, c = (np.broadcast_to(np.asarray(v, _F32), wide.shape)[lanes] for v in (a, b, c))
        result[lanes] = _fma_exact(a, b, c)
    return result


# arrays of at most this many elements (an optimizer's bias, a lesson's Linear(3, 1) weight) are
# computed in Python floats, where each numpy call costs more than the arithmetic (measured: a
# gain up to about 5 lanes, none at 8); 0 turns it off
FEW_LANES = 4


def _fma32_few_lanes(a, b, c):
    """``fma32`` on a few lanes in Python floats (``few_lanes``' argument: the same arithmetic
    and screening), or None where the general path must decide: anything not finite (numpy's
    warnings and nan bits stay its own), and a sum that may have rounded twice. Operands:
    float32 arrays of ``a``'s shape, or float32 scalars."""
    shape = a.shape
    first = a.ravel().tolist()
    if type(b) is np.float32:
        products = list(map(float(b).__mul__, first))
    elif type(b) is np.ndarray and b.dtype == _F32 and b.shape == shape:
        products = list(map(mul, first, b.ravel().tolist()))
    else:
        return None
    if type(c) is np.ndarray and c.dtype == _F32 and c.shape == shape:
        addends = c.ravel().tolist()
        sums = list(map(add, products, addends))
    elif type(c) is np.float32:
        c = float(c)
        addends = [c] * len(first)
        sums = list(map(c.__add__, products))
    else:
        return None
    result = array("f", sums)
    # a sum that is not finite rounds to a float32 that is not finite either
    if not (few_lanes.finite(result) and few_lanes.rounded_once(sums, products, addends)):
        return None
    return np.frombuffer(result, _F32).reshape(shape)


def _float64(value):
    """``value`` in float64 (exact for float32): numpy's mixed-dtype ufuncs cost more than a
    cast and a one-dtype ufunc on the few elements of a typical fused step."""
    if type(value) is np.ndarray:
        return value.astype(_F64)
    return np.float64(value)


def fma32_exact_in_float64(a, b, c) -> np.ndarray:
    """a * b + c on float32 values where the caller has shown that the exact sum fits in float64
    (at most 53 bits from its top to its last): the float64 sum is then exact, its rounding to
    float32 the only rounding, and no lane needs screening. The same arithmetic as ``fma32``."""
    if EXACT_EVERYWHERE:
        return fma32(a, b, c)
    wide = np.asarray(np.add(np.multiply(a, b, dtype=_F64), c, dtype=_F64))
    return wide.astype(_F32)


def _suspects(wide: np.ndarray, result: np.ndarray):
    """Lanes whose float64 sum may round twice (None if none): on a float32 midpoint, or a
    nonzero result below float32's normal range."""
    if EXACT_EVERYWHERE:
        return np.ones(wide.shape, bool)
    # np.count_nonzero: ndarray.any() costs three times as much on the small arrays of a step
    halfway = on_float32_midpoint(wide)
    small = np.less(np.abs(result), _TINY_ARRAY)
    if count_nonzero(small):  # zero results are common (x - x) and exact: only nonzero count
        halfway |= small & (result != 0)
    return halfway if count_nonzero(halfway) else None



def on_float32_midpoint(wide: np.ndarray) -> np.ndarray:
    """Whether each float64 value lies exactly halfway between two float32 values (normal range)."""
    return np.equal(np.bitwise_and(wide.view(np.uint64), _BELOW_F32_ARRAY), _HALFWAY_ARRAY)


def deferred_checks(kernel):
    """``kernel`` (a pure function of its arguments) with its ``fma32`` steps screened once, at
    the end, instead of step by step (the module docstring gives the argument)."""
    @functools.wraps(kernel)
    def run(*args):
        if not DEFERRED or EXACT_EVERYWHERE or getattr(_pending, "steps", None) is not None:
            return kernel(*args)  # screened step by step, or by the enclosing deferred kernel
        _pending.steps = steps = []
        try:
            result = kernel(*args)
        finally:
            _pending.steps = None
        if steps and not all_rounded_once(steps):
            return kernel(*args)
        return result
    return run


def may_have_rounded_twice(sums: np.ndarray) -> bool:
    """Whether any float64 sum is on a float32 midpoint or nonzero below float32's normal range
    (the lanes ``all_rounded_once`` looks at again): when none is, every rounding was single."""
    # 0-d array operands and np.count_nonzero: numpy scalars and ndarray.any() cost more than
    # the arithmetic on a chain's few sums
    if not FLOAT_SCREEN:
        return bits_may_have_rounded_twice(sums.reshape(-1).view(np.uint64))
    # the same two tests in fewer passes, into one work array (a matrix chain screens tens of
    # thousands of sums): the tiny one compares magnitudes as float64, which numpy does in SIMD
    # (the unsigned 64-bit compare on the bits it emulates), and looks for zeros (exact) only
    # among the few sums it flags
    bits = sums.reshape(-1).view(np.uint64)
    work = np.bitwise_and(bits, _BELOW_F32_ARRAY)
    flags = np.equal(work, _HALFWAY_ARRAY)
    if count_nonzero(flags):
        return True
    magnitude = np.bitwise_and(bits, _ABS64_ARRAY, out=work).view(np.float64)
    if not count_nonzero(np.less(magnitude, _TINY_ARRAY, out=flags)):
        return False
    return bool(count_nonzero(magnitude[flags]))  # a zero sum is exact


# True: may_have_rounded_twice tests the tiny sums as values; False: as bits (the tests compare)
FLOAT_SCREEN = True


def bits_may_have_rounded_twice(bits: np.ndarray) -> bool:
    """``may_have_rounded_twice`` of the float64 sums whose bits are ``bits`` (a flat uint64
    view; a kept one saves the views' making: ``blocks.take_work``). ``bits`` is not changed."""
    if count_nonzero(np.equal(np.bitwise_and(bits, _BELOW_F32_ARRAY), _HALFWAY_ARRAY)):
        return True
    magnitude = np.bitwise_and(bits, _ABS64_ARRAY)
    magnitude -= _ONE_ARRAY  # zero wraps to the top: a zero sum is exact
    return bool(count_nonzero(np.less(magnitude, _TINY_BITS_LESS_ONE_ARRAY)))


def bits_on_midpoints(bits: np.ndarray) -> bool:
    """The first half of ``bits_may_have_rounded_twice``: whether any of the float64 sums whose
    bits are ``bits`` lies on a float32 midpoint (read as the normal range's). For sums a
    caller has shown are never nonzero below float32's normal range unless they are float32
    values already (whose rounding to float32 is then exact)."""
    return bool(count_nonzero(np.equal(np.bitwise_and(bits, _BELOW_F32_ARRAY), _HALFWAY_ARRAY)))


def rounding_suspects(sums: np.ndarray) -> np.ndarray:
    """The lanes ``may_have_rounded_twice`` looks for, as a mask of ``sums``' shape."""
    bits = sums.view(np.uint64)
    flagged = np.equal(np.bitwise_and(bits, _BELOW_F32_ARRAY), _HALFWAY_ARRAY)
    magnitude = np.bitwise_and(bits, _ABS64_ARRAY)
    magnitude -= _ONE_ARRAY  # zero wraps to the top: a zero sum is exact
    flagged |= np.less(magnitude, _TINY_BITS_LESS_ONE_ARRAY)
    return flagged


def sums_rounded_once(products: np.ndarray, addends: np.ndarray, sums: np.ndarray) -> bool:
    """``all_rounded_once`` for one fused step already made in float64: ``sums = products +
    addends`` with exact products (of float32 values), all three arrays of one shape. Only the
    flagged lanes' TwoSum errors are computed, so that a step whose exact sums often land on
    midpoints (x / 32 - 1 / 32 of a float32 x in [1/4, 1/2), say) stays a few numpy calls."""
    # the mask once (not may_have_rounded_twice first): the steps this serves flag a lane on
    # most calls (log_softmax's one-hot backward: about one row in six)
    lanes = np.flatnonzero(rounding_suspects(sums))
    if not lanes.size:
        return True
    products, addends, sums = (a.reshape(-1)[lanes] for a in (products, addends, sums))
    with np.errstate(all="ignore"):
        error = _two_sum_error(products, addends, sums)
    return not count_nonzero(error)  # a nan error (a nan flagged) counts as inexact


def all_rounded_once(steps) -> bool:
    """Whether every kept step's float32 result is its fused result: no float64 sum on a float32
    midpoint or nonzero below float32's normal range (a superset of ``_suspects``' lanes, since
    ``0 < |result| < tiny`` implies ``0 < |wide| < tiny``), or each such sum exact in float64, so
    that rounding it to float32 was the only rounding."""
    starts = [0]
    for _, wide in steps:
        starts.append(starts[-1] + wide.size)
    bits = np.concatenate([wide.reshape(-1) for _, wide in steps]).view(np.uint64)
    flagged = np.bitwise_and(bits, _BELOW_F32) == _HALFWAY
    magnitude = np.bitwise_and(bits, _ABS64)
    magnitude -= np.uint64(1)  # zero wraps to the top: a zero sum is exact
    flagged |= magnitude < _TINY_BITS_LESS_ONE
    if not flagged.any():
        return True
    counts = np.add.reduceat(flagged, starts[:-1]) if len(steps) > 1 else [1]
    with np.errstate(all="ignore"):  # the whole step, inf and nan lanes included: a few hundred
        for step in np.flatnonzero(counts).tolist():
            (a, b, c), wide = steps[step]
            error = _two_sum_error(np.multiply(a, b, dtype=_F64), c, wide)  # the product is exact
            lanes = flagged[starts[step]:starts[step + 1]]
            if np.asarray(error).reshape(-1)[lanes].any():  # flagged sums are finite, so is this
                return False
    return True
