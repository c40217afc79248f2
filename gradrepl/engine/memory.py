"""Process tuning for a graph of many small Python objects and a few big numpy arrays.

1. Keep freed array memory for reuse instead of handing it back to the OS on every free.

glibc serves large allocations (numpy's multi-MB temporaries) with mmap and gives them back with
munmap when freed, so every temporary of a big tensor op page-faults its memory in again: on
a 1e6-element workload that was 80% of the time. Raising glibc's mmap and trim thresholds lets
freed blocks be reused, the way PyTorch's own CPU allocator keeps its blocks. The cost is that
the process keeps up to ``_TRIM_THRESHOLD`` of freed memory instead of returning it.

2. Collect garbage less often. Every recorded op allocates a handful of tracked objects (the
result tensor, its grad_fn node, tuples of inputs and edges), so with Python's default threshold
of 700 allocations the cyclic collector runs every ~100 ops and, as a graph grows, its older
generations are walked again and again: 18% of a 1000-op scalar chain and 20% of a 10,000-op one.
PyTorch's nodes are C++ objects the collector never sees. Raising the first threshold to 10,000
removes most of that; it is only done while the threshold is still Python's default, so a
program that set its own keeps it.
"""

from __future__ import annotations

import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 512 << 20  # blocks up to 512 MiB come from the reusable heap
_TRIM_THRESHOLD = 1 << 30  # keep up to 1 GiB of freed memory for reuse

# The same two settings as environment variables glibc reads when a process starts: how the
# engine benchmark gives torch and the numpy floor the allocator gradrepl runs with.
GLIBC_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": str(_MMAP_THRESHOLD),
                     "MALLOC_TRIM_THRESHOLD_": str(_TRIM_THRESHOLD)}

_tuned = []
_DEFAULT_GC_THRESHOLD = 700
_GC_THRESHOLD = 10_000


def tune_allocator() -> bool:
    """Apply the thresholds once; False where there is no glibc (macOS, musl, Windows)."""
    if _tuned:
        return _tuned[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            mallopt = libc.mallopt
            ok = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
                mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
        except (OSError, AttributeError):
            ok = False
    _tuned.append(ok)
    return ok


def tune_collector() -> None:
    import gc

    first, second, third = gc.get_threshold()
    if first == _DEFAULT_GC_THRESHOLD:
        gc.set_threshold(_GC_THRESHOLD, second, third)
