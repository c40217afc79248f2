"""Exhaustive (or strided) check of SLEEF's float64 paths against their fused steps: expf's
ordinary path (gradrepl/engine/float_math/sleef.py) over [-86, 88] and logf's
(sleef_single.py) over [LOW, HIGH], every STRIDE'th float32 bit pattern.

    PYTHONPATH=. python scripts/check_sleef_float64_paths.py expf [STRIDE]
    PYTHONPATH=. python scripts/check_sleef_float64_paths.py logf LOW HIGH [STRIDE]

A block the float64 path hands back (None: a sum that may have rounded twice) is halved until
each declining lane stands alone; those lanes take the fused steps in use, and are counted.
Run on 2026-12-02: expf at stride 61 (36,678,674 values): no mismatch, no lane handed back
(before exact flagged sums were accepted, the 275,097 subnormal inputs were); logf on every
float32 in [1, 16) (33,554,432) and at stride 13 over [2**-100, 2**100] (129,055,508): no
mismatch, none handed back.
"""

from __future__ import annotations

import sys

import numpy as np

from float32_sweep import signed_range, sweep
from gradrepl.engine.float_math import sleef, sleef_single

F32 = np.float32
BLOCK = 16384


def _compare(lean, values, general) -> tuple[int, int]:
    """(mismatches, lanes handed back) of ``lean`` on ``values`` against ``general``."""
    mismatches = declined = 0
    stack = [(values, general)]
    while stack:
        part, want = stack.pop()
        got = lean(part)
        if got is None:
            if part.size == 1:
                declined += 1
            else:
                half = part.size // 2
                stack += [(part[:half], want[:half]), (part[half:], want[half:])]
            continue
        mismatches += int((got.view(np.uint32) != want.view(np.uint32)).sum())
    return mismatches, declined


def check(lean, fused, ranges, stride: int) -> int:
    def compare(d):
        general = fused(d)
        found = [_compare(lean, d[k:k + BLOCK], general[k:k + BLOCK])
                 for k in range(0, d.size, BLOCK)]
        return sum(m for m, _ in found), sum(n for _, n in found)

    return sweep(ranges, BLOCK * 64, compare, stride=stride, also="lanes handed back")


def main(argv) -> int:
    if argv[0] == "expf":
        return check(sleef._expf_ordinary_in_float64, sleef._expf_fused_steps,
                     signed_range(-86.0, 88.0),
                     int(argv[1]) if len(argv) > 1 else 1)
    low, high = (int(v) for v in np.array([float(argv[1]), float(argv[2])], F32).view(np.uint32))
    return check(sleef_single._logf_ordinary_in_float64, sleef_single._logf_fused_steps,
                 ((low, high),), int(argv[3]) if len(argv) > 3 else 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
