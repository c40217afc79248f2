"""Per-call cost of small batched products (``a @ b`` with a 3-D or 4-D operand).

    python benchmarks/matmul_calls.py [--gradrepl-path DIR]          # CPU time per call
    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/mm.%p \\
        python benchmarks/matmul_calls.py --markers [--gradrepl-path DIR]  # instructions per call

Each shape pair runs without grad (the array steps), forward with both operands requiring grad
(the recorded steps: torch's fold or expand/view/bmm nodes) and forward plus backward of the
sum. With ``--markers`` each case runs ``--calls`` times between two ``os.getppid()`` calls: one
callgrind dump per case after the start-up's.
"""

from __future__ import annotations

import argparse
import os
import sys

SHAPES = [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
          ((3, 1, 3, 4), (2, 4, 5))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gradrepl-path", default=None)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--markers", action="store_true")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, args.gradrepl_path or os.path.dirname(here))
    sys.path.insert(0, here)
    import gradrepl.torch as torch
    from marked_cases import run_cases

    torch.manual_seed(0)
    cases = []
    for sa, sb in SHAPES:
        a, b = torch.randn(sa), torch.randn(sb)
        ga, gb = a.clone().requires_grad_(), b.clone().requires_grad_()
        name = f"{sa}@{sb}".replace(" ", "")
        cases += [(f"{name} no grad", lambda a=a, b=b: a @ b),
                  (f"{name} grad fwd", lambda a=ga, b=gb: a @ b),
                  (f"{name} fwd+bwd", lambda a=ga, b=gb: (a @ b).sum().backward())]
    for _, run in cases:
        for _ in range(30):
            run()
    return run_cases(cases, calls=args.calls, rounds=args.rounds, markers=args.markers,
                     label="cases", width=30)


if __name__ == "__main__":
    sys.exit(main())
