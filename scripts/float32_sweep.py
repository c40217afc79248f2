"""The loop the exhaustive float32 checks share (scripts/check_*.py): float32 values taken by
bit pattern over ranges, block by block, each block compared by the caller; the counts and the
CPU time printed, and exit status 1 on any mismatch."""

from __future__ import annotations

import time

import numpy as np

F32 = np.float32


def signed_range(low: float, high: float) -> tuple:
    """The bit-pattern ranges of every float32 in [low, high], low <= 0 <= high: +0 up to high,
    and -0 (0x80000000) up to low."""
    low_bits, high_bits = (int(v) for v in np.array([low, high], F32).view(np.uint32))
    return ((0, high_bits + 1), (0x80000000, low_bits + 1))


def sweep(ranges, block: int, compare, *, stride: int = 1, offset: int = 0,
          whole_blocks: bool = False, also: str | None = None) -> int:
    """``compare(values)`` for blocks of the float32 values in ``ranges`` (bit-pattern pairs,
    end excluded); it returns the block's mismatches, or (mismatches, count) where ``also``
    names what the count counts ("blocks handed back" ...).

    Every ``stride``'th value, ``block`` of them at a time; or, with ``whole_blocks``, whole
    blocks of consecutive values, every ``stride``'th block from the ``offset``'th (so that
    ``stride`` processes can split the work)."""
    start = time.process_time()
    checked = mismatches = counted = 0
    step = block * stride
    with np.errstate(all="ignore"):
        for begin, end in ranges:
            for first in range(begin + offset * block, end, step):
                if whole_blocks:
                    bits = np.arange(first, min(first + block, end), dtype=np.uint32)
                else:
                    bits = np.arange(first, min(first + step, end), stride, dtype=np.uint32)
                found = compare(bits.view(F32))
                found, count = found if isinstance(found, tuple) else (found, 0)
                mismatches, counted = mismatches + int(found), counted + int(count)
                checked += bits.size
    tail = f", {counted} {also}" if also else ""
    print(f"{checked} values, {mismatches} mismatches{tail}, "
          f"{time.process_time() - start:.0f} s of CPU")
    return 1 if mismatches else 0
