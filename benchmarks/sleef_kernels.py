"""W8's SLEEF kernels and log_softmax's row kernels, one at a time, for callgrind.

    ATEN_CPU_CAPABILITY=avx512 valgrind --tool=callgrind --dump-before=getppid \\
        --callgrind-out-file=/tmp/k/o python benchmarks/sleef_kernels.py [--gradrepl-path DIR] \\
        expf logf forward backward
    python benchmarks/sleef_kernels.py --read-dumps /tmp/k/o expf logf forward backward

Each kernel runs on W8's shapes (logits of 32 x 10, their 32 row sums, the one-hot gradient of
a picked log-probability's mean): ``--calls`` warm-up calls, ``os.getppid()``, ``--calls`` timed
calls, ``os.getppid()``; so dump 2k + 2 (k = 0, 1, ...) holds the k-th kernel's timed calls.
valgrind hides AVX-512, so ``ATEN_CPU_CAPABILITY=avx512`` makes gradrepl take the paths it
takes on this Intel machine (16-lane rows: the row sums are then added in order).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

KERNELS = ("expf", "logf", "forward", "backward", "expf_y")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", choices=KERNELS, default=list(KERNELS[:4]))
    parser.add_argument("--gradrepl-path", default=None)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--read-dumps", metavar="PREFIX")
    args = parser.parse_args()
    if args.read_dumps:
        for k, name in enumerate(args.kernels):
            with open(f"{args.read_dumps}.{2 * k + 2}") as dump:
                total = int(re.search(r"^summary: (\d+)", dump.read(), re.M).group(1))
            print(f"{name:10s} {total / args.calls / 1000:8.1f} k instructions a call")
        return
    sys.path.insert(0, args.gradrepl_path or os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    import numpy as np
    from gradrepl.engine.float_math import sleef, sleef_single, softmax

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((32, 10)) * 4).astype(np.float32)
    shifted = x - x.max(axis=1, keepdims=True)
    sums = softmax.reduce_sum(sleef.expf(shifted))
    y = shifted - sleef_single.logf(sums)[:, None]
    g = np.zeros((32, 10), np.float32)
    g[np.arange(32), rng.integers(0, 10, 32)] = np.float32(-1 / 32)
    kernels = {"expf": lambda: sleef.expf(shifted), "logf": lambda: sleef_single.logf(sums),
               "forward": lambda: softmax._log_softmax_rows(x),
               "backward": lambda: softmax._log_softmax_grad_rows(g, y, softmax.reduce_sum),
               "expf_y": lambda: sleef.expf(y)}
    for name in args.kernels:
        kernel = kernels[name]
        for _ in range(args.calls):
            kernel()
        os.getppid()
        for _ in range(args.calls):
            kernel()
        os.getppid()


if __name__ == "__main__":
    main()
