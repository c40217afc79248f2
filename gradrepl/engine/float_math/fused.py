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
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.vector_math import _fma_exact

EXACT_EVERYWHERE = False

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_BELOW_F32 = np.uint64((1 << 29) - 1)  # the float64 mantissa bits float32 drops
_HALFWAY = np.uint64(1 << 28)
_TINY = np.finfo(np.float32).tiny


def fma32(a, b, c) -> np.ndarray:
    """a * b + c on float32 values (arrays or scalars, broadcast), rounded once to float32."""
    wide = np.multiply(a, b, dtype=_F64)
    if np.ndim(c) > np.ndim(wide) or np.shape(c) != np.shape(wide):
        wide = np.add(wide, c, dtype=_F64)
    else:
        wide = np.add(wide, c, out=wide if isinstance(wide, np.ndarray) else None, dtype=_F64)
    wide = np.asarray(wide)
    result = wide.astype(_F32)
    suspect = _suspects(wide, result)
    if suspect is not None and result.ndim == 0:
        result[()] = _fma_exact(*(np.asarray(v, _F32).reshape(1) for v in (a, b, c)))[0]
    elif suspect is not None:
        lanes = np.nonzero(suspect)  # indices, not a mask: a few lanes of a large array
        a, b, c = (np.broadcast_to(np.asarray(v, _F32), wide.shape)[lanes] for v in (a, b, c))
        result[lanes] = _fma_exact(a, b, c)
    return result


def _suspects(wide: np.ndarray, result: np.ndarray):
    """Lanes whose float64 sum may round twice (None if none): on a float32 midpoint, or a
    nonzero result below float32's normal range."""
    if EXACT_EVERYWHERE:
        return np.ones(wide.shape, bool)
    halfway = on_float32_midpoint(wide)
    small = np.abs(result) < _TINY
    found_halfway, found_small = halfway.any(), small.any()
    if not found_halfway and not found_small:
        return None
    if found_small:
        halfway |= small & (result != 0)
    return halfway



def on_float32_midpoint(wide: np.ndarray) -> np.ndarray:
    """Whether each float64 value lies exactly halfway between two float32 values (normal range)."""
    return np.bitwise_and(wide.view(np.uint64), _BELOW_F32) == _HALFWAY
