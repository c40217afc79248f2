"""Exhaustive check of float32 tanh's short path (``float_math/tanh_from_exp.py``): for every
float32 x (NaNs, infinities, zeros and subnormals included), ``tanh32`` gives the bits of
numpy's float64 tanh rounded once (``kernels.tanh``'s general path, MKL's stand-in).

    PYTHONPATH=. python scripts/check_tanh_from_exp_path.py [STRIDE [OFFSET]]

Also counted, over the inputs the short path keeps (|x| >= 2**-8, not NaN): the lanes where
``1 - 2 / (exp(2x) + 1)`` alone would round to another float32 (what the midpoint screen is
for), and the largest distance in float64 ulps between it and np.tanh (the screen's window is
``WINDOW``). STRIDE 1 checks all 4,294,967,296 values (about 3 minutes of CPU on the AMD EPYC);
STRIDE k with OFFSET in 0..k-1 checks one k-th of them (whole blocks), so that k processes split
the work.
"""

from __future__ import annotations

import sys

import numpy as np

from float32_sweep import sweep
from gradrepl.engine.float_math import tanh_from_exp

F32, F64 = np.float32, np.float64
BLOCK = 1 << 22
_largest = [0]


def _compare(x):
    fast = tanh_from_exp.tanh32(x)
    wide = np.tanh(x.astype(F64))
    general = wide.astype(F32)
    kept = np.abs(x) >= F32(2.0 ** -8)  # False for NaN
    formula = np.empty_like(wide)
    tanh_from_exp._estimate(x, formula)
    differ = int(np.count_nonzero(formula.astype(F32)[kept] != general[kept]))
    ulps = np.abs(formula.view(np.int64)[kept] - wide.view(np.int64)[kept])
    if ulps.size:
        _largest[0] = max(_largest[0], int(ulps.max()))
    return int(np.count_nonzero(fast.view(np.uint32) != general.view(np.uint32))), differ


def main(stride: int = 1, offset: int = 0) -> int:
    # every bit pattern but the last, which arange's uint32 end cannot reach: checked alone
    status = sweep(((0, 0x80000000), (0x80000000, 0xFFFFFFFF)), BLOCK, _compare, stride=stride,
                   offset=offset, whole_blocks=True,
                   also="lanes the formula alone rounds otherwise")
    with np.errstate(all="ignore"):
        last = np.array([0xFFFFFFFF], np.uint32).view(F32)
        if _compare(last)[0]:
            status = 1
    print(f"largest distance from np.tanh where kept: {_largest[0]} float64 ulps "
          f"(window {tanh_from_exp.WINDOW})")
    return status


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
