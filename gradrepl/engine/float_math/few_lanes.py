"""float32 arithmetic on a few lanes in Python floats, for the lesson-sized shapes where each
numpy call costs more than its arithmetic (an optimizer's update of ``nn.Linear(3, 1)``'s
3-element weight and 1-element bias: ``fused.fma32``).

Why it is numpy's arithmetic exactly: a float32 value is exact as a Python float (a float64);
the product of two is exact in float64 (24 + 24 significant bits fit in 53); a Python ``+`` or
``*`` is one IEEE float64 operation, rounded to nearest as numpy's float64 ufuncs round (CPython
does each operator on its own, so nothing is contracted into a hardware fma); and
``array('f', ...)`` rounds float64 to float32 with the C cast numpy's ``astype`` uses.

Measured (CPU time, busy machine): a gain up to about 5 lanes, none at 8; a matrix chain of 3
lanes and 9 steps (Linear(3, 1)'s weight gradient) and a 10 x 3 gemv written this way were no
faster than their numpy versions, so they stay numpy.

A fused multiply-add is the float64 sum rounded to float32, right unless the two roundings
compound; ``rounded_once`` screens for that as ``fused.all_rounded_once`` does. Callers go back
to their numpy path for anything not finite (its warnings and nan bits stay numpy's) and for a
sum that may have rounded twice.
"""

from __future__ import annotations

import struct

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
