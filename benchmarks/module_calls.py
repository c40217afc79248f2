"""Per-call cost of modules whose forward reads their parameters and submodules as attributes.

    python benchmarks/module_calls.py [--gradrepl-path DIR]          # CPU time per call
    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/mc.%p \\
        python benchmarks/module_calls.py --markers [--gradrepl-path DIR]  # instructions per call

Cases (no autograd recording: under ``no_grad``, so the attribute reads weigh more): a user's
``Net`` (``self.fc1``, ``self.act``, ``self.fc2`` in its forward: six module reads and four
parameter reads through ``Linear``), ``nn.Conv2d``, ``nn.BatchNorm1d`` in training mode, and the
attribute reads alone (``net.fc1.weight`` 100 times). With ``--markers`` each case runs
``--calls`` times between two ``os.getppid()`` calls: one callgrind dump per case after the
start-up's.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gradrepl-path", default=None)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--markers", action="store_true")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, args.gradrepl_path or os.path.dirname(here))
    sys.path.insert(0, here)
    import gradrepl.torch as torch
    from marked_cases import run_cases

    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 8)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(8, 1)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    torch.manual_seed(0)
    net, conv, norm = Net(), nn.Conv2d(1, 2, 3), nn.BatchNorm1d(4)
    x, image, rows = torch.randn(4, 3), torch.randn(1, 1, 5, 5), torch.randn(6, 4)

    def reads():
        for _ in range(100):
            net.fc1.weight

    cases = [("Net(x)", lambda: net(x)), ("Conv2d", lambda: conv(image)),
             ("BatchNorm1d", lambda: norm(rows)), ("100 x net.fc1.weight", reads)]
    with torch.no_grad():
        for _, run in cases:
            for _ in range(50):
                run()
        return run_cases(cases, calls=args.calls, rounds=args.rounds, markers=args.markers,
                         label="cases", width=22)


if __name__ == "__main__":
    sys.exit(main())
