"""float32 tanh of a large array from numpy's float64 exp, with the bits of ``kernels.tanh``'s
general path (numpy's float64 tanh rounded once, MKL's stand-in).

Why: numpy's float64 tanh costs ~13 ns an element on an AVX2 CPU (numpy 2.4's vector kernel
there is one long chain of dependent multiply-adds per 4 lanes; measured on the AMD EPYC of
session 15, docs/benchmarks.md "q-w5"), while float64 exp costs ~5 ns and an add or a divide
~0.35. ``q = 1 - 2 / (exp(2x) + 1)`` is tanh(x) with an absolute error of a few 2**-52 (exp's
relative error near an ulp, the add and the divide half an ulp each, 2 / (e + 1) below 2): where
|x| >= 2**-8, so |q| > 2**-8.1, that is under 2**12 float64 ulps of q (at most 412 from np.tanh
over all 2**32 float32 inputs), and np.tanh's own error is an ulp or two. Both therefore round
to the same float32 unless the exact tanh lies within ``WINDOW`` float64 ulps of a float32
midpoint (the lanes whose low 29 bits are that close to 2**28); those lanes, the ones with |x| <
2**-8 (where the subtraction's cancellation grows without bound) and NaNs are redone with
np.tanh: about 1 lane in 16,000 plus the small ones. ``scripts/check_tanh_from_exp_path.py``
compares every float32 input with the general path: no mismatch on the AMD EPYC, where 10 of
the 2**32 inputs round otherwise without the screen. Only where it pays (``PAYS``).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import cpu_capability
from gradrepl.engine.float_math import blocks

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)

WINDOW = 1 << 14  # float64 ulps either side of a float32 midpoint that are redone (4x the bound)
_SHIFT = np.int64(WINDOW - (1 << 28))  # low bits + _SHIFT below 2 * WINDOW: near a midpoint
_LOW_BITS = np.int64((1 << 29) - 1)  # the float64 mantissa bits a float32 rounding drops
_SMALLEST = np.float32(2.0 ** -8)  # below it the formula loses too much to cancellation


def _pays() -> bool:
    """Whether numpy runs float64 tanh with its AVX2 kernel here (x86 without AVX-512): 13.2 ns
    an element against this path's ~8.9 on the AMD EPYC. With AVX-512 numpy's X86_V4 kernels
    make np.tanh the faster (1.9 ns, exp 0.85 and a divide 0.84 on the Xeon of sessions 7-14:
    this path would cost ~4.5); on other CPUs nothing was measured."""
    flags = cpu_capability.cpu_flags()
    return "avx2" in flags and not flags & {"x86_v4", "avx512_skx", "avx512f"}


PAYS = _pays()  # kernels.tanh takes this path only if True (the tests set it either way)


def tanh32(x: np.ndarray) -> np.ndarray:
    """np.tanh(x.astype(float64)).astype(float32) for a C-contiguous float32 array, a block at
    a time (``blocks.large_contiguous``: the scratch stays in cache)."""
    flat = x.reshape(-1)
    out = np.empty(x.shape, _F32)
    out_flat = out.reshape(-1)
    step = min(4 * blocks.BLOCK, flat.size) or 1
    scratch = (np.empty(step, _F64), np.empty(step, np.int64), np.empty(step, _F32),
               np.empty(step, bool), np.empty(step, bool))
    with np.errstate(over="ignore"):  # exp overflowing is not an error here: q is then 1
        for start in range(0, flat.size, step):
            part = flat[start:start + step]
            rounded = out_flat[start:start + step]
            _block(part, rounded, *(a[:part.size] for a in scratch))
    return out


def _block(part, rounded, wide, low, size, large, near) -> None:
    """One block: the estimate rounded into ``rounded``, then the lanes it cannot decide (|x| <
    2**-8 or NaN: not ``large``; q near a float32 midpoint) redone with np.tanh."""
    _estimate(part, wide)
    np.copyto(rounded, wide, casting="same_kind")  # rounded as astype rounds
    np.bitwise_and(np.add(wide.view(np.int64), _SHIFT, out=low), _LOW_BITS, out=low)
    np.less(low, 2 * WINDOW, out=near)
    np.greater_equal(np.abs(part, out=size), _SMALLEST, out=large)
    redo = np.less_equal(large, near, out=near)  # not large, or near
    if redo.any():
        lanes = np.flatnonzero(redo)
        rounded[lanes] = np.tanh(part[lanes].astype(_F64)).astype(_F32)


def _estimate(part: np.ndarray, wide: np.ndarray) -> None:
    """wide = 1 - 2 / (exp(2 part) + 1) in float64: +-1 for infinite inputs or once exp
    overflows (the caller lets it)."""
    np.copyto(wide, part)
    np.add(wide, wide, out=wide)
    np.exp(wide, out=wide)
    np.add(wide, 1.0, out=wide)
    np.divide(2.0, wide, out=wide)
    np.subtract(1.0, wide, out=wide)
