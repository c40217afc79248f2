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

import numpy as np

from float32_sweep import signed_range, sweep
from gradrepl.engine.float_math import sleef


def _compare(d):
    short = sleef._expf_ordinary_in_float64(d)
    if short is None:
        return 0, 1  # handed back
    general = sleef._expf_fused_steps(d)
    return int((short.view(np.uint32) != general.view(np.uint32)).sum()), 0


def main(stride: int = 1, offset: int = 0) -> int:
    return sweep(signed_range(-86.0, 88.0), sleef._LEAN_SIZE, _compare, stride=stride,
                 offset=offset, whole_blocks=True, also="blocks handed back")


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
