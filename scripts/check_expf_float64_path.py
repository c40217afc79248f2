"""Exhaustive check of expf's float64 path (``sleef._expf_ordinary_in_float64``, which rounds
u1..u4 on their binades' grids): every float32 d in [-86, 88] gives the same bits through it as
through the fused steps (``sleef._expf_fused_steps``), block by block of the path's largest size.

    PYTHONPATH=. python scripts/check_expf_float64_path.py [STRIDE [OFFSET]]

A block the float64 path hands back (a flagged sum that was not exact: None) counts as checked
by the fused steps themselves. STRIDE 1 checks all 2,237,399,042 values (CPU: about 9 minutes
on this machine); STRIDE k with OFFSET in 0..k-1 checks one k-th of them, so that k
processes split the work.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from gradrepl.engine.float_math import sleef

F32 = np.float32


def main(stride: int = 1, offset: int = 0) -> int:
    start_time = time.process_time()
    low, high = (int(v) for v in np.array([-86.0, 88.0], F32).view(np.uint32))
    ranges = ((0, high + 1), (0x80000000, low + 1))  # +0 up to 88, -0 up to -86
    block = sleef._LEAN_SIZE
    checked = mismatches = handed_back = 0
    with np.errstate(all="ignore"):
        for begin, end in ranges:
            for first in range(begin + offset * block, end, block * stride):
                d = np.arange(first, min(first + block, end), dtype=np.uint32).view(F32)
                short = sleef._expf_ordinary_in_float64(d)
                if short is None:
                    handed_back += 1
                else:
                    general = sleef._expf_fused_steps(d)
                    mismatches += int((short.view(np.uint32) != general.view(np.uint32)).sum())
                checked += d.size
    print(f"{checked} values, {mismatches} mismatches, {handed_back} blocks handed back, "
          f"{time.process_time() - start_time:.0f} s of CPU")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
