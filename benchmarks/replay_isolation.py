"""What isolating each notebook in a forked process costs replay.

    python benchmarks/replay_isolation.py [--rounds 7] [--notebooks 50] [PATH]

Replays the notebooks in PATH (default: samples/) plus ``--notebooks`` small generated lessons,
inside one warm process, three ways, rounds interleaved so machine load hits them alike:
  isolated     each notebook in a child forked from the warm process (what ``gradrepl replay`` does)
  in-process   each notebook in a fresh session in the same process (the old way: fast, but state
               leaks between notebooks and a dying cell takes the run with it)
  bare fork    fork + os._exit per notebook, nothing run (the floor of any fork-based isolation)
Prints the median and the minimum per notebook for each. Most of the isolated cost is not the fork
itself but copy-on-write: CPython writes reference counts into every object a cell touches, so the
child copies each page of the warm heap it uses.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LESSON_CELL = "import torch\nx = torch.ones(2, requires_grad=True)\n(x * 2).sum().backward()\nprint(x.grad)"


def generated(folder: str, count: int) -> list[str]:
    paths = []
    for index in range(count):
        cell = {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {}, "source": LESSON_CELL,
                "outputs": [{"name": "stdout", "output_type": "stream", "text": "tensor([2., 2.])\n"}]}
        path = os.path.join(folder, f"lesson{index:03}.ipynb")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, handle)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "samples"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--notebooks", type=int, default=50)
    args = parser.parse_args()

    from gradrepl.replay import isolation, runner
    from gradrepl.replay.notebooks import load
    from gradrepl.replay.results import ReplayOptions

    with tempfile.TemporaryDirectory() as folder:
        paths = sorted(glob.glob(os.path.join(args.path, "**", "*.ipynb"), recursive=True))
        notebooks = [load(p) for p in paths + generated(folder, args.notebooks)]
        options = ReplayOptions()
        isolation.warm_up(options)

        def bare_fork(notebook) -> None:
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)

        ways = {
            "isolated": lambda: isolation.replay_isolated(notebooks, options),
            "in-process": lambda: [runner.replay_in_process(n, options) for n in notebooks],
            "bare fork": lambda: [bare_fork(n) for n in notebooks],
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for round_number in range(args.rounds):
            order = list(ways)[round_number % len(ways):] + list(ways)[:round_number % len(ways)]
            for name in order:
                started = time.perf_counter()
                ways[name]()
                times[name].append((time.perf_counter() - started) / len(notebooks))
    print(f"{len(notebooks)} notebooks, {args.rounds} rounds; time per notebook:")
    for name, values in times.items():
        print(f"  {name:<11} median {statistics.median(values) * 1000:6.1f} ms   min {min(values) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
