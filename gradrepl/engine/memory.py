"""Process tuning for a graph of many small Python objects and a few big numpy arrays.

Only for programs that own their process (the shell, ``gradrepl run``, ``replay``): they call
``tune_process()``. Importing the engine as a library changes none of this (see engine/__init__).

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

3. Collect the young generation less often while its collections find nothing. A graph being
built is a live structure: a young collection during it walks ~10,000 live objects and frees
none (a 10,000-node chain paid two of them per build, ~5% of its instructions and a third of
its cache misses, where a 1000-node chain paid none: docs/benchmarks.md, "Sixth pass"). After
each automatic young or middle collection, ``_YoungThreshold`` doubles the first threshold (up
to ``_GC_THRESHOLD_MOST``, 8x) when the collection freed nothing, and puts it back to 10,000 as
soon as one frees anything: a program that makes cyclic garbage keeps the eager threshold, so
garbage holding tensors lives no longer than before (but for the first collection after a
futile run: at most 80,000 allocations); one that makes none stops paying for walks that find
nothing. A forked child (a replayed notebook) starts again from 10,000, so what a lesson sees
does not depend on what the parent did before the fork. A threshold the program sets itself is
left alone from then on.
"""

from __future__ import annotations

import os
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
_GC_THRESHOLD_MOST = 80_000  # how far collections that find nothing may raise it


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
        adapt = _YoungThreshold()
        gc.callbacks.append(adapt)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=adapt.start_again)


class _YoungThreshold:
    """A ``gc.callbacks`` entry that raises the first threshold while young collections find
    nothing to free, and lowers it again when one does (point 3 above)."""

    def __init__(self):
        self.threshold = _GC_THRESHOLD  # what this callback last set
        self.active = True

    def __call__(self, phase: str, info: dict) -> None:
        # a full collection is gc.collect() (or the rare automatic one): it says nothing about
        # the young objects' survival, and the benchmarks call it before every sample
        if phase != "stop" or info["generation"] == 2 or not self.active:
            return
        import gc

        first, second, third = gc.get_threshold()
        if first != self.threshold:  # the program chose its own threshold since
            self.active = False
            return
        if not info["collected"]:
            wanted = min(first * 2, _GC_THRESHOLD_MOST)
        else:
            wanted = _GC_THRESHOLD
        if wanted != first:
            self.threshold = wanted
            gc.set_threshold(wanted, second, third)

    def start_again(self) -> None:
        """In a forked child: back to the threshold own_process set, whatever the parent did."""
        import gc

        first, second, third = gc.get_threshold()
        if self.active and first == self.threshold:
            self.threshold = _GC_THRESHOLD
            gc.set_threshold(_GC_THRESHOLD, second, third)


def tune_process() -> None:
    """Both tunings, for a program that owns its process."""
    tune_allocator()
    tune_collector()
