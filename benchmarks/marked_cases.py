"""Run named cases either for callgrind (``os.getppid()`` between cases, so that
``--dump-before=getppid`` writes one dump per case) or on the CPU clock (best of ``rounds``),
for the per-stage scripts (lesson_step_stages.py, module_calls.py)."""

from __future__ import annotations

import os
import time


def run_cases(cases, *, calls: int, rounds: int, markers: bool, label: str, width: int) -> int:
    """``cases``: (name, callable) pairs, already warmed up. With ``markers``, dump k + 1 of a
    callgrind run holds case k's ``calls`` calls; otherwise prints each case's best time per call."""
    if markers:
        os.getppid()
        for _, run in cases:
            for _ in range(calls):
                run()
            os.getppid()
        print(f"{label}, one callgrind dump each after the first:",
              ", ".join(name for name, _ in cases))
        return 0
    for name, run in cases:
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            for _ in range(calls):
                run()
            best = min(best, (time.process_time() - start) / calls)
        print(f"{name:{width}s} {best * 1e6:8.1f} us")
    return 0
