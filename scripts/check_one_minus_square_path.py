"""Exhaustive check of tanh's float32 backward short path (gradrepl/engine/float_math/kernels.py,
``_one_minus_square32``): for every float32 y with |y| <= 8, 1 - y * y computed in float64 and
rounded once to float32 gives the fused multiply-add's bits, which the screened path computes
(float64 midpoints of two float32 values redone exactly).

    PYTHONPATH=. python scripts/check_one_minus_square_path.py [STRIDE]

y and -y square alike, and the float64 arithmetic sees only y * y, but both signs are checked.
Each block of 2**22 inputs goes through the short path's arithmetic (block by block, as a large
array takes it, and in one piece, as a small one does) and through the screened path. STRIDE 1
checks all 2,181,038,082 values (about a minute of CPU). Run on 2026-12-02: no mismatch.
"""

from __future__ import annotations

import sys

import numpy as np

from float32_sweep import signed_range, sweep
from gradrepl.engine.float_math import kernels
from gradrepl.engine.float_math.blocks import rounded_through_float64

F32, F64 = np.float32, np.float64
BLOCK = 1 << 22


def _compare(y) -> int:
    blocked = rounded_through_float64(y, kernels._one_minus_square_in_place)
    whole = np.subtract(1.0, np.multiply(y, y, dtype=F64)).astype(F32)
    bits = kernels._one_minus_square32_screened(y).view(np.uint32)
    return (int(np.count_nonzero(blocked.view(np.uint32) != bits))
            + int(np.count_nonzero(whole.view(np.uint32) != bits)))


def main(stride: int = 1) -> int:
    return sweep(signed_range(-8.0, 8.0), BLOCK, _compare, stride=stride)  # +0 up to 8, -0 to -8


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
