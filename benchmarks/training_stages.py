"""W8's training step stage by stage: the median time of each stage over many steps.

    python benchmarks/training_stages.py                       # gradrepl from this checkout
    python benchmarks/training_stages.py --gradrepl-path DIR   # another tree (git archive)
    python benchmarks/training_stages.py --engine torch        # real torch, the same stages
    python benchmarks/training_stages.py --clock wall --steps 5000
    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/w8/o \\
        python benchmarks/training_stages.py --markers --steps 10   # instructions per stage
    python benchmarks/training_stages.py --read-dumps /tmp/w8/o       # ... read back
    valgrind --tool=callgrind --instr-atstart=no --dump-before=getppid ... \\
        python benchmarks/training_stages.py --markers --instrument-after-warmup ...
        # the warm-up uninstrumented: ~5x faster, the same counts per stage

The step is benchmarks/engine_training.py's W8 written out one stage per line (zero_grad, each
layer, log_softmax, the picked rows, mean, negation, backward, the optimizer, reading the four
gradients), each stage timed on its own; the clock's own cost per reading (measured first) is
subtracted. CPU time by default: on a machine other jobs share, waiting for a core does not
count, but the cache misses they cause still do, so compare trees side by side, alternately.

With ``--markers`` the timed steps call ``os.getppid()`` at each stage boundary instead of
reading a clock, so that callgrind (``--dump-before=getppid``) writes one dump per stage (after
the warm-up, which is the first dump); ``--read-dumps PREFIX`` then prints each stage's mean
instructions over the steps. Instruction counts do not move with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

STAGES = ("zero_grad", "linear1", "relu", "linear2", "log_softmax", "index", "mean", "neg",
          "backward", "step", "grads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("gradrepl", "torch"), default="gradrepl")
    parser.add_argument("--gradrepl-path", default=None)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=1500, help="steps before timing (gradrepl "
                        "caches a summation plan after ~1,000 sums of one shape)")
    parser.add_argument("--markers", action="store_true",
                        help="os.getppid() at each stage boundary instead of a clock (callgrind)")
    parser.add_argument("--instrument-after-warmup", action="store_true",
                        help="under valgrind --instr-atstart=no: switch callgrind's "
                        "instrumentation on (callgrind_control -i on) after the warm-up")
    parser.add_argument("--read-dumps", metavar="PREFIX",
                        help="print the instructions per stage from callgrind's PREFIX.N dumps")
    args = parser.parse_args()
    if args.read_dumps:
        read_dumps(args.read_dumps)
        return
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import engine_training as et

    if args.engine == "torch":
        import torch

        torch.set_num_threads(1)
    else:
        sys.path.insert(0, args.gradrepl_path or os.path.dirname(here))
        import gradrepl.torch as torch
        from gradrepl.session.process import own_process

        own_process()  # as the benchmark's worker runs gradrepl
    clock = time.process_time_ns if args.clock == "cpu" else time.perf_counter_ns
    x, target, params = et.mlp_inputs()
    nn = torch.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    et._load(torch, model, params)
    opt = torch.optim.SGD(model.parameters(), lr=et.MLP["lr"], momentum=et.MLP["momentum"])
    X, T, rows = torch.from_numpy(x), torch.from_numpy(target), torch.arange(et.MLP["batch"])
    first, relu, second = model[0], model[1], model[2]
    times = {name: [] for name in STAGES}

    def step(record: bool) -> None:
        t0 = clock(); opt.zero_grad()  # noqa: E702 - one stage per line reads as the step
        t1 = clock(); h = first(X)  # noqa: E702
        t2 = clock(); r = relu(h)  # noqa: E702
        t3 = clock(); z = second(r)  # noqa: E702
        t4 = clock(); log_p = torch.log_softmax(z, dim=1)  # noqa: E702
        t5 = clock(); picked = log_p[rows, T]  # noqa: E702
        t6 = clock(); m = picked.mean()  # noqa: E702
        t7 = clock(); loss = -m  # noqa: E702
        t8 = clock(); loss.backward()  # noqa: E702
        t9 = clock(); opt.step()  # noqa: E702
        t10 = clock(); tuple(p.grad for p in model.parameters())  # noqa: E702
        t11 = clock()
        if record:
            marks = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11)
            for i, name in enumerate(STAGES):
                times[name].append(marks[i + 1] - marks[i])

    for _ in range(args.warmup):
        step(False)
    if args.instrument_after_warmup:
        import subprocess

        # callgrind answers between guest instructions: keep running until it has
        control = subprocess.Popen(["callgrind_control", "-i", "on", str(os.getpid())],
                                   stdout=subprocess.DEVNULL)
        while control.poll() is None:
            sum(range(1000))
    if args.markers:
        clock = os.getppid  # step() reads it: each stage boundary is a dump; nothing is kept
        for _ in range(args.steps):
            step(False)
        return
    readings = []
    for _ in range(2000):
        a = clock()
        readings.append(clock() - a)
    overhead = statistics.median(readings)
    for _ in range(args.steps):
        step(True)
    total = 0.0
    for name in STAGES:
        us = (statistics.median(times[name]) - overhead) / 1000
        total += us
        print(f"{name:12s} {us:8.1f} us")
    print(f"{'sum':12s} {total:8.1f} us  ({args.engine}, {args.clock} clock, median of "
          f"{args.steps} steps per stage, {overhead / 1000:.1f} us per clock reading subtracted)")


def read_dumps(prefix: str) -> None:
    """Each stage's mean instructions from the dumps of a ``--markers`` run: dump 1 is the
    start-up and warm-up, then one dump per stage in order, twelve marks per step."""
    import glob

    totals = {}
    for name in glob.glob(prefix + ".*"):
        suffix = name.rsplit(".", 1)[1]
        if suffix.isdigit():
            with open(name) as dump:
                for line in dump:
                    if line.startswith(("summary:", "totals:")):
                        totals[int(suffix)] = int(line.split()[1])
                        break
    # marks per step: one before each stage and one after the last; dump k holds the events
    # between marks k - 1 and k, so the intervals between a step's own marks are its stages
    per_step = len(STAGES) + 1
    counts = [totals[k] for k in sorted(totals)][1:]
    steps = (len(counts) + 1) // per_step  # the last step's closing interval is at exit
    total = 0.0
    for i, name in enumerate(STAGES):
        mean = sum(counts[s * per_step + i] for s in range(steps)) / max(steps, 1)
        total += mean
        print(f"{name:12s} {mean / 1000:8.1f} k instructions")
    print(f"{'sum':12s} {total / 1000:8.1f} k instructions  (mean of {steps} steps)")


if __name__ == "__main__":
    main()
