"""gradrepl's CPU time per iteration of the small-graph workloads, for before/after comparisons
on a shared machine (docs/benchmarks.md).

    python benchmarks/cpu_time.py [--gradrepl-path DIR] [--only W1,W2,W6,W6k] [--repeat 7]
    python benchmarks/cpu_time.py --engine torch          (real PyTorch, one thread, the same way)

``engine.py`` compares engines by wall-clock time, side by side; when other processes share the
cores, the ranges get wide. CPU time (``time.process_time``) counts only this process's own
work, and the best of several repeats drops the samples that waited for the cache or the
collector after another process ran. Alternate two trees (``--gradrepl-path`` on a ``git
archive`` copy, then this checkout) a few times and compare the best of each.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

# iterations per sample, sized so that one sample takes about 0.05-0.1 s
ITERATIONS = {"W1": 2000, "W2": 2000, "W6": 40, "W6k": 4}


def best_seconds(run, iterations: int, repeat: int) -> float:
    """The fastest of ``repeat`` samples, per iteration, each after a full collection (as
    engine.py starts its samples)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for _ in range(iterations):
            run()
        best = min(best, time.process_time() - start)
    return best / iterations


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradrepl-path", help="directory holding the gradrepl package to measure")
    parser.add_argument("--only", default="W1,W2,W6,W6k", help="workloads, comma-separated")
    parser.add_argument("--repeat", type=int, default=7, help="samples per workload")
    parser.add_argument("--engine", choices=("gradrepl", "torch"), default="gradrepl")
    args = parser.parse_args(argv)
    if args.gradrepl_path:
        sys.path.insert(0, args.gradrepl_path)
    import engine_workloads

    if args.engine == "torch":
        import torch

        torch.set_num_threads(1)  # as engine.py --threads 1
    else:
        import gradrepl.torch as torch
        try:
            from gradrepl.session.process import own_process  # as engine_worker.py runs gradrepl
        except ImportError:
            pass
        else:
            own_process()
    names = args.only.split(",")
    results = {}
    for name in names:
        case = engine_workloads.build(name, "torch", torch)
        case.run()  # warm up: lazily built tables, first-call imports
        results[name] = best_seconds(case.run, ITERATIONS.get(name, 100), args.repeat)
    print("  ".join(f"{name} {seconds * 1e6:.1f} us" if seconds < 1e-3 else
                    f"{name} {seconds * 1e3:.3f} ms" for name, seconds in results.items()))
    if "W6" in results and "W6k" in results:
        print(f"W6k/W6 {results['W6k'] / results['W6']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
