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

import numpy as np

from float32_sweep import signed_range, sweep
from gradrepl.engine.float_math import sleef

F32 = np.float32
BLOCK = 1 << 20


def _compare(d) -> int:
    short = sleef.expf(d)
    general = sleef.expf(np.append(d, F32(-200)))[:-1]
    return int((short.view(np.uint32) != general.view(np.uint32)).sum())


def main(stride: int = 1) -> int:
    return sweep(signed_range(-86.0, 88.0), BLOCK, _compare, stride=stride)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
