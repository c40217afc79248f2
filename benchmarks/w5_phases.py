"""Where W5's time goes: CPU time of each forward op and each backward step of
``x.grad = None; ((x*2 + 1).tanh() * x).sum().backward()`` on a million float32 (docs/benchmarks.md).

    python benchmarks/w5_phases.py [--gradrepl-path DIR] [--iterations N] [--engine torch]

Run it with gradrepl's allocator settings, as engine.py runs its workers:
``MALLOC_MMAP_THRESHOLD_=536870912 MALLOC_TRIM_THRESHOLD_=1073741824``. The forward is W5's
expression one op at a time, each temporary dropped when the expression would drop it; the
backward steps are timed by wrapping the primitives' array backwards (both products of a mul
summed per iteration; "rest" is the walk itself and the accumulation of x's two gradients).
Minimum and median per iteration: load only ever slows a sample down. ``--engine torch`` times
real torch's forward the same way (one thread, as ``engine.py --threads 1``); its backward runs
in C++, so it is one figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

STEPS = ("mul", "add", "tanh", "sum")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradrepl-path", help="directory holding the gradrepl package to measure")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--engine", choices=("gradrepl", "torch"), default="gradrepl")
    args = parser.parse_args(argv)
    if args.engine == "torch":
        return _torch_phases(args.iterations)
    if args.gradrepl_path:
        sys.path.insert(0, args.gradrepl_path)
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import engine_workloads as workloads
    import gradrepl.torch as torch
    from gradrepl.engine.ops import arithmetic, reductions, unary

    clock = time.process_time
    x = torch.from_numpy(workloads.elementwise_input()).requires_grad_(True)
    ((x * 2 + 1).tanh() * x).sum().backward()  # makes the primitives' backwards
    spent: dict = {}

    def timed(prim, name):
        real = prim.backward_arrays

        def backward_arrays(*a):
            start = clock()
            result = real(*a)
            spent[name] = spent.get(name, 0.0) + clock() - start
            return result
        prim.backward_arrays = backward_arrays

    for prim, name in ((arithmetic.MUL, "mul"), (arithmetic.ADD, "add"), (unary.TANH, "tanh"),
                       (reductions.SUM, "sum")):
        timed(prim, name)
    rows: dict = {}
    for i in range(args.iterations + 30):
        x.grad = None
        spent.clear()
        times, t5, t6 = _one_iteration(x, clock)
        if i < 30:  # warm-up
            continue
        times.update({f"backward {name}": spent.get(name, 0.0) for name in reversed(STEPS)})
        times["backward rest"] = t6 - t5 - sum(spent.values())
        times["total"] = times.pop("total")  # last, after the backward's rows
        for name, value in times.items():
            rows.setdefault(name, []).append(value)
    _print_rows(rows)
    return 0


def _torch_phases(iterations: int) -> int:
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import engine_workloads as workloads
    import torch

    torch.set_num_threads(1)
    clock = time.process_time
    x = torch.from_numpy(workloads.elementwise_input()).requires_grad_(True)
    rows: dict = {}
    for i in range(iterations + 30):
        x.grad = None
        times, t5, t6 = _one_iteration(x, clock)
        if i < 30:
            continue
        times["backward (all)"] = t6 - t5
        times["total"] = times.pop("total")
        for name, value in times.items():
            rows.setdefault(name, []).append(value)
    _print_rows(rows)
    return 0


def _one_iteration(x, clock):
    """W5's iteration on either engine, each forward op timed; the backward's start and end."""
    t0 = clock()
    b = x * 2
    t1 = clock()
    a = b + 1
    del b
    t2 = clock()
    t = a.tanh()
    del a
    t3 = clock()
    m = t * x
    del t
    t4 = clock()
    s = m.sum()
    del m
    t5 = clock()
    s.backward()
    t6 = clock()
    times = {"forward x*2": t1 - t0, "forward +1": t2 - t1, "forward tanh": t3 - t2,
             "forward *x": t4 - t3, "forward sum": t5 - t4, "total": t6 - t0}
    return times, t5, t6


def _print_rows(rows: dict) -> None:
    print(f"{'CPU ms per iteration':22s} {'min':>7s} {'median':>7s}")
    for name, values in rows.items():
        print(f"{name:22s} {min(values) * 1e3:7.3f} {statistics.median(values) * 1e3:7.3f}")


if __name__ == "__main__":
    sys.exit(main())
