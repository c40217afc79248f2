"""Exhaustive check of expf's ordinary path (gradrepl/engine/float_math/sleef.py): every float32
d in [-86, 88] gives the same bits through it as through the general path.

    PYTHONPATH=. python scripts/check_expf_ordinary_path.py [STRIDE]

Each block of 2**20 inputs is computed twice: as it is (every element ordinary: the short path)
and with -200 appended (outside the range: the general path for the whole block). STRIDE 1 checks
all 2,237,399,042 values (about 2 to 3 minutes of CPU). Run on 2026-12-02 over every nonzero
value (2,237,399,040): no mismatch; the zeros are in tests/engine/test_float_math_deferred.py.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from gradrepl.engine.float_math import sleef

F32 = np.float32
BLOCK = 1 << 20


def main(stride: int = 1) -> int:
    start_time = time.process_time()
    low, high = (int(v) for v in np.array([-86.0, 88.0], F32).view(np.uint32))
    # bit patterns: +0 up to 88, and -0 (0x80000000) up to -86
    ranges = ((0, high + 1), (0x80000000, low + 1))
    checked = mismatches = 0
    for begin, end in ranges:
        for first in range(begin, end, BLOCK * stride):
            last = min(first + BLOCK * stride, end)
            d = np.arange(first, last, stride, dtype=np.uint32).view(F32)
            short = sleef.expf(d)
            general = sleef.expf(np.append(d, F32(-200)))[:-1]
            mismatches += int((short.view(np.uint32) != general.view(np.uint32)).sum())
            checked += d.size
    print(f"{checked} values, {mismatches} mismatches, "
          f"{time.process_time() - start_time:.0f} s of CPU")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
