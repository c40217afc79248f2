"""Run named cases either for callgrind (``os.getppid()`` between cases, so that
``--dump-before=getppid`` writes one dump per case) or on the CPU clock (best of ``rounds``),
for the per-stage scripts (lesson_step_stages.py, module_calls.py)."""

from __future__ import annotations

import argparse
import os
import sys
import time


def arguments(doc: str, argv=None, calls: int = 200):
    """The per-stage scripts' options (--gradrepl-path, --calls, --rounds, --markers), with the
    tree to time put first on sys.path."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--gradrepl-path", default=None)
    parser.add_argument("--calls", type=int, default=calls)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--markers", action="store_true")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, args.gradrepl_path or os.path.dirname(here))
    return args


def run_cases(cases, *, calls: int, rounds: int, markers: bool, label: str, width: int,
              warmup: int = 0) -> int:
    """``cases``: (name, callable) pairs, each run ``warmup`` times first (or already warmed up).
    With ``markers``, dump k + 1 of a callgrind run holds case k's ``calls`` calls; otherwise
    prints each case's best time per call."""
    for _, run in cases:
        for _ in range(warmup):
            run()
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
