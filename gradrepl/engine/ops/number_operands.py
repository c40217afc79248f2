"""A Python number as the 0-d array numpy would make of it next to a float32 or float64 array.

``array * 3`` computes what torch computes (NEP 50: the number is converted to the array's
dtype, as torch converts a wrapped number to a float tensor's), but numpy works that out anew
on every call: on a lesson's 2x3 tensor ``array * 3`` costs 0.8-1.0 us and ``array * 3.0``
0.7-1.0 us, where ``array * three`` with ``three`` a 0-d float32 array costs 0.3 us. A
lesson uses a handful of numbers again and again (``3 * x + 2``, the same numbers in the
backward formulas), so each is converted once and kept, per dtype.

Only conversions that are certain to be numpy's own are kept: a finite number within the
dtype's range, an int of at most 53 bits (a double holds it, so no rounding of its own comes
first). Zeros and NaN are left alone because a dict cannot tell them apart (0.0 == -0.0, and
NaN equals nothing); ``3`` and ``3.0`` share an entry, which is right: equal numbers convert
to the same value. The arrays are read-only: one is never an op's result, only its operand.
tests/engine/test_short_paths.py compares every operator and gradient with the general path.
"""

from __future__ import annotations

import numpy as np

# False: every number stays a Python number (tests/engine/test_short_paths.py compares the two)
SHORT_PATHS = True
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_TABLES = {_F32: {}, _F64: {}}  # dtype -> {number: its 0-d array}
_LARGEST = {_F32: 3.4028234663852886e38, _F64: 1.7976931348623157e308}  # finfo(...).max
_MAX_ENTRIES = 256  # per dtype; a loop over ever new numbers clears and starts again
_INT_LIMIT = 1 << 53


def operand(number, dtype):
    """``number`` (a Python int or float) as a 0-d array of ``dtype`` (an array's dtype), or
    ``number`` itself where that dtype or number is not one kept here."""
    table = _TABLES.get(dtype)
    if table is None or not SHORT_PATHS:
        return number
    value = table.get(number)
    if value is None:
        return _admit(table, number, dtype)
    return value


def _admit(table, number, dtype):
    if number == 0 or number != number or not -_LARGEST[dtype] <= number <= _LARGEST[dtype] \
            or type(number) is int and not -_INT_LIMIT <= number <= _INT_LIMIT:
        return number
    if len(table) >= _MAX_ENTRIES:
        table.clear()
    value = np.array(number, dtype)
    value.flags.writeable = False
    table[number] = value
    return value
