"""CPU time of gradrepl's exact float kernels per op and size, next to numpy's own (inexact)
function, for docs/floats.md's cost section.

    PYTHONPATH=. python scripts/time_float_kernels.py [--sizes 1000 100000 1000000] [--repeat 5]

Prints one row per (op, dtype): the minimum CPU time (time.process_time) of --repeat runs at each
size in ms, and numpy's time at the largest size. x is uniform in [0.1, 4]; softmax rows are
1000 wide. Run it on two trees (PYTHONPATH) to compare; the machine's load shows in the numbers.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gradrepl.engine.float_math import kernels, softmax


def _softmax(log, dim):
    run = softmax.forward(None, log=log)
    return lambda x: run(x.reshape(-1, 1000) if dim == 1 else x.reshape(1000, -1), dim)


OPS = {
    "x ** 1.5": (lambda x: kernels.pow_scalar(x, 1.5), lambda x: x ** x.dtype.type(1.5)),
    "exp2": (kernels.exp2, np.exp2),
    "log1p": (kernels.log1p, np.log1p),
    "expm1": (kernels.expm1, np.expm1),
    "softmax dim 1": (_softmax(False, 1), lambda x: np.exp(x - x.max())),
    "log_softmax dim 1": (_softmax(True, 1), lambda x: np.exp(x - x.max())),
    "tanh backward": (lambda x: kernels.tanh_backward(x, np.tanh(x)), lambda x: x * (1 - x * x)),
}


def cpu_ms(function, x, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        function(x)
        best = min(best, time.process_time() - start)
    return best * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("op | dtype | " + " | ".join(f"{n:,} ms" for n in args.sizes) + " | numpy at largest")
    for name, (mine, theirs) in OPS.items():
        if args.only and name not in args.only:
            continue
        for dtype in (np.float32, np.float64):
            times = []
            for n in args.sizes:
                x = rng.uniform(0.1, 4, n).astype(dtype)
                if name.startswith(("softmax", "log_softmax")) and n % 1000:
                    continue
                times.append(cpu_ms(mine, x, args.repeat))
            floor = cpu_ms(theirs, x, args.repeat)
            cells = " | ".join(f"{t:.2f}" for t in times)
            print(f"{name} | {np.dtype(dtype).name} | {cells} | {floor:.2f}", flush=True)


if __name__ == "__main__":
    main()
