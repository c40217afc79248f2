"""W8's training step stage by stage: the median time of each stage over many steps.

    python benchmarks/training_stages.py                       # gradrepl from this checkout
    python benchmarks/training_stages.py --gradrepl-path DIR   # another tree (git archive)
    python benchmarks/training_stages.py --engine torch        # real torch, the same stages
    python benchmarks/training_stages.py --clock wall --steps 5000

The step is benchmarks/engine_training.py's W8 written out one stage per line (zero_grad, each
layer, log_softmax, the picked rows, mean, negation, backward, the optimizer, reading the four
gradients), each stage timed on its own; the clock's own cost per reading (measured first) is
subtracted. CPU time by default: on a machine other jobs share, waiting for a core does not
count, but the cache misses they cause still do, so compare trees side by side, alternately.
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
